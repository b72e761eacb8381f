import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from apps.accounts.models import Contact
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Step, TaskAction
from apps.nurture.services import stall_sweep, step_variant_create
from tests.browser.navigation import follow_menu
from tests.factories import (
    ContactFactory,
    EnrollmentFactory,
    HolidayFactory,
    StepFactory,
    TouchFactory,
)
from tests.nurture.conftest import NOW, NurtureWorld, build_world, days_ago, email_step

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

    # An A/B test: the step's own text becomes variant A, and each variant previews on its own.
    page.get_by_text("Add a variant", exact=True).click()
    new_variant = page.get_by_test_id("new-variant")
    new_variant.get_by_label("Subject").fill("Quick question, {{ contact.first_name }}")
    new_variant.get_by_label("Body").fill("Is {{ account.name }} still comparing?")
    new_variant.get_by_role("button", name="Add variant").click()
    expect(page.get_by_test_id("variant-A")).to_be_visible()
    page.get_by_label("Sample contact").select_option(label=f"{world.champion} · Acme")
    page.get_by_role("button", name="Preview variant B").click()
    expect(preview.get_by_test_id("preview-of")).to_contain_text("variant B")
    expect(preview.get_by_test_id("preview-subject")).to_have_text("Quick question, Chloe")
    expect(preview.get_by_test_id("preview-body")).to_have_text("Is Acme still comparing?")


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
    # Two business days after the call comes Friday, the German office's day off: Chloe works
    # there, so her email waits for Monday, and her timeline says why.
    email_step(world.generic, 2, delay_days=2)
    HolidayFactory(date=datetime.date(2030, 1, 18), name="Office closed", country="DE")
    Contact.objects.filter(pk=world.champion.pk).update(country="DE")
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
    tasks.first.get_by_role("link", name=str(world.champion)).click()
    expect(page.get_by_test_id("holiday-move")).to_have_text(
        "Step 2 of 'Shortlist nurture' moved from Fri 18 Jan to Mon 21 Jan: "
        "Office closed (company, DE)"
    )
    page.go_back()
    tasks.first.get_by_role("button", name="Done").click()

    expect(page.get_by_test_id("open-tasks")).to_contain_text("Nothing to do")
    expect(page.get_by_test_id("done-tasks")).to_contain_text("Call Chloe about the pilot")

    # Monday the email leaves; its touch on her timeline still says what moved it.
    due_steps_dispatch(now=NOW + datetime.timedelta(days=5))
    page.goto(reverse("nurture:contact_timeline", args=[world.champion.pk]))
    expect(page.get_by_test_id("touch")).to_have_count(2)
    expect(page.get_by_test_id("touch-holiday-move")).to_have_text(
        "· step 2 moved from Fri 18 Jan to Mon 21 Jan: Office closed (company, DE)"
    )
    expect(page.get_by_test_id("holiday-move")).to_have_count(0)  # no step left to move


def test_a_marketer_reads_the_sequence_results_and_picks_the_winner(page, log_in, marketer, world):
    step = world.generic.steps.get(position=1)
    step_variant_create(
        step=step, data={"subject": "Quick question, {{ contact.first_name }}", "body": "Hi"}
    )
    outcomes = {  # per variant, one email each: what came back
        "A": [{"opened_at"}, {"opened_at", "clicked_at"}, {"bounced_at"}, set()],
        "B": [{"opened_at", "clicked_at", "replied_at"}, {"opened_at", "clicked_at"}],
    }
    for label, emails in outcomes.items():
        for came_back in emails:
            enrollment = EnrollmentFactory(
                sequence=world.generic,
                contact=ContactFactory(account=world.account),
                enrolled_at=days_ago(20),
            )
            TouchFactory(
                enrollment=enrollment,
                step=step,
                variant=step.variants.get(label=label),
                sent_at=days_ago(20),
                **dict.fromkeys(came_back, days_ago(19)),
                **({"delivered_at": days_ago(20)} if "bounced_at" not in came_back else {}),
            )

    log_in(marketer)
    page.goto(f"/nurture/sequences/{world.generic.pk}/")
    page.get_by_role("link", name="Results", exact=True).click()

    row = page.get_by_test_id("step-1")
    expect(row.get_by_test_id("sent")).to_have_text("6")
    expect(row.get_by_test_id("delivered")).to_have_text("5 · 83 %")
    expect(row.get_by_test_id("opened")).to_have_text("4 · 67 %")
    expect(row.get_by_test_id("clicked")).to_have_text("3 · 50 %")
    expect(row.get_by_test_id("replied")).to_have_text("1 · 17 %")
    expect(row.get_by_test_id("bounced")).to_have_text("1 · 17 %")
    expect(row.get_by_test_id("unsubscribed")).to_have_text("0 · 0 %")
    variants = page.get_by_test_id("variants-1")
    expect(variants.get_by_test_id("variant-A")).to_contain_text("1 · 25 %")  # clicked
    expect(variants.get_by_test_id("variant-B")).to_contain_text("2 · 100 %")
    expect(page.get_by_test_id("verdict-1")).to_have_text(
        "Not enough data yet (need ≥ 100 sends each)"
    )
    expect(page.get_by_test_id("step-2").get_by_test_id("sent")).to_have_text("0")

    variants.get_by_role("button", name="Pick B as winner").click()
    confirmation = page.get_by_test_id("bulk-confirmation")
    expect(confirmation).to_contain_text("Variant B: Quick question, {{ contact.first_name }}")
    confirmation.get_by_role("button", name="Pick B as winner").click()

    expect(page.get_by_test_id("verdict-1")).to_have_text(
        "B won: every new send of this step uses it."
    )
    expect(page.get_by_role("button", name="Pick A as winner")).to_have_count(0)
    step.refresh_from_db()
    assert step.winner.label == "B"
