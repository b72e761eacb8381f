import pytest
from playwright.sync_api import expect

from apps.nurture.models import Step, TaskAction
from apps.nurture.services import due_steps_dispatch, stall_sweep
from tests.browser.navigation import follow_menu
from tests.factories import StepFactory
from tests.nurture.conftest import NOW, NurtureWorld, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(committed_db) -> NurtureWorld:
    return build_world()


def test_a_marketer_builds_a_step_and_previews_it_for_a_sample_contact(
    page, log_in, marketer, world
):
    log_in(marketer)
    follow_menu(page, "Stalled deals")
    page.get_by_role("link", name="Sequences").click()

    new = page.get_by_test_id("new-sequence")
    new.get_by_label("Name").fill("Re-engage quiet champions")
    new.get_by_label("Journey stage").select_option(label=str(world.shortlist))
    new.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Re-engage quiet champions")

    step = page.get_by_test_id("new-step")
    step.get_by_label("Kind").select_option("email")
    step.get_by_label("Subject").fill("{{ contact.first_name }}, still comparing vendors?")
    step.get_by_label("Body").fill("Hello {{ contact.first_name }} at {{ account.nickname }}")
    step.get_by_role("button", name="Add step").click()
    expect(page.get_by_test_id("error-body")).to_contain_text("{{ account.nickname }}")

    step = page.get_by_test_id("new-step")
    step.get_by_label("Body").fill("Hello {{ contact.first_name }} at {{ account.name }}")
    step.get_by_role("button", name="Add step").click()
    expect(page.get_by_test_id("step")).to_have_count(1)

    page.get_by_label("Sample contact").select_option(label=f"{world.champion} · Acme")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_test_id("preview-subject")).to_have_text(
        "Chloe, still comparing vendors?"
    )
    expect(preview.get_by_test_id("preview-body")).to_have_text("Hello Chloe at Acme")


def test_a_rep_sees_the_stalled_deal_and_completes_its_task(page, log_in, world):
    world.generic.steps.all().delete()
    StepFactory(
        sequence=world.generic,
        position=1,
        kind=Step.Kind.TASK,
        task_action=TaskAction.CALL,
        subject="Call {{ contact.first_name }} about the pilot",
        body="",
    )
    world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)

    log_in(world.owner)
    follow_menu(page, "Stalled deals")
    rows = page.get_by_test_id("stalled-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Acme rollout")
    # The owner's alert waits in the inbox of the top bar.
    page.get_by_test_id("inbox-link").click()
    expect(page.get_by_test_id("inbox")).to_contain_text("Acme rollout has stalled")

    follow_menu(page, "My tasks")
    tasks = page.get_by_test_id("open-tasks").locator("li")
    expect(tasks).to_have_count(1)
    expect(tasks.first).to_contain_text("Call Chloe about the pilot")
    tasks.first.get_by_role("button", name="Done").click()

    expect(page.get_by_test_id("open-tasks")).to_contain_text("Nothing to do")
    expect(page.get_by_test_id("done-tasks")).to_contain_text("Call Chloe about the pilot")
