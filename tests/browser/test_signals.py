"""Signals in a real browser: a marketer tunes a signal rule with its preview; a sales rep
follows a hot account to why it is in Decision and on to one of its people."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.engagement.models import EventKind
from apps.engagement.services import scores_recompute
from apps.journeys.models import Phase
from apps.personas.models import BuyingRole
from tests.browser.navigation import follow_menu
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    JourneyFactory,
    JourneyStageFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def scored_world(committed_db):
    """Acme's champion and economic buyer both met us: the account is in Decision."""
    journey = JourneyFactory(name="Buying")
    awareness = JourneyStageFactory(
        journey=journey, name="Awareness", phase=Phase.AWARENESS, position=1
    )
    decision = JourneyStageFactory(
        journey=journey, name="Decision", phase=Phase.DECISION, position=3
    )
    meeting = SignalRuleFactory(
        kind=EventKind.MEETING, journey_stage=decision, weight=10, half_life_days=30
    )
    SignalRuleFactory(kind=EventKind.PAGE_VIEW, journey_stage=awareness, weight=6)
    acme = AccountFactory(name="Acme Corp", domain="acme.com")
    for first, last, role in (
        ("Dana", "Scully", BuyingRole.CHAMPION),
        ("Fox", "Mulder", BuyingRole.ECONOMIC_BUYER),
    ):
        person = ContactFactory(account=acme, first_name=first, last_name=last, buying_role=role)
        EventFactory(account=acme, contact=person, kind=EventKind.MEETING)
    quiet = ContactFactory(first_name="Walter", last_name="Skinner")
    EventFactory(account=quiet.account, contact=quiet, kind=EventKind.PAGE_VIEW)
    scores_recompute(at=timezone.now())
    return meeting


def test_sales_rep_follows_a_hot_account_to_its_evidence(page, log_in, sales_rep, scored_world):
    log_in(sales_rep)
    follow_menu(page, "Hot accounts")

    hot = page.get_by_test_id("hot-accounts").locator("tbody tr")
    expect(hot.first).to_contain_text("Acme Corp")
    expect(hot.first.get_by_test_id("moved-forward")).to_be_visible()
    hot.first.get_by_role("link", name="Acme Corp").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Corp")
    expect(page.get_by_test_id("stage")).to_contain_text("Decision")
    timeline = page.get_by_test_id("evidence-timeline")
    expect(timeline).to_contain_text("No stage → Decision")
    expect(timeline).to_contain_text("Meeting → Decision: 2 signals, 20.0 points")
    page.get_by_test_id("committee-engagement").get_by_role("link", name="Dana Scully").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dana Scully")
    expect(page.get_by_test_id("stage")).to_contain_text("Decision")
    expect(page.get_by_test_id("evidence-timeline")).to_contain_text("1 signal, 10.0 points")
    expect(page.get_by_test_id("contact-signals")).to_contain_text("Meeting")


def test_marketer_previews_a_rule_change_before_saving_it(page, log_in, marketer, scored_world):
    log_in(marketer)
    follow_menu(page, "Signal rules")
    page.get_by_test_id("rule-table").get_by_role("link", name="Meeting").click()
    page.wait_for_load_state("load")  # htmx wires the preview buttons once loaded

    page.get_by_label("Weight").fill("2")
    page.get_by_role("button", name="Preview the effect").click()

    preview = page.get_by_test_id("rule-preview")
    expect(preview.get_by_test_id("preview-changed")).to_have_text("2")
    expect(preview.get_by_test_id("preview-back")).to_have_text("2")
    page.get_by_role("button", name="Save rule").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Signal rules")
    expect(page.get_by_test_id("rule-table")).to_contain_text("2.00")
    scored_world.refresh_from_db()
    assert scored_world.weight == 2
