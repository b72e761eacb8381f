"""Signal rules through the API: marketers and admins edit them and preview the effect."""

import pytest
from django.utils import timezone

from apps.engagement.models import ContactScore, EventKind, SignalRule
from tests.engagement.conftest import NOW
from tests.factories import ContactFactory, EventFactory, SignalRuleFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/signal-rules/"


def _rule(stage, **fields) -> dict:
    return {
        "kind": "product_page_view",
        "url_pattern": "/product",
        "journey_stage": stage.pk,
        "weight": "4.00",
        "half_life_days": 14,
        **fields,
    }


def test_marketers_create_repeat_rules_and_sales_cannot(api_client, marketer, sales_rep, stages):
    body = _rule(stages.consideration, repeat_count=3, repeat_window_days=14)

    assert api_client(sales_rep).get(RULES).status_code == 403
    assert api_client(sales_rep).post(RULES, body, format="json").status_code == 403
    response = api_client(marketer).post(RULES, body, format="json")

    assert response.status_code == 201, response.json()
    rule = SignalRule.objects.get()
    assert (rule.repeat_count, rule.repeat_window_days) == (3, 14)
    assert str(rule) == "Product page view /product ×3 within 14 days → Consideration"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"repeat_count": 3}, "repeat_window_days"),
        ({"repeat_window_days": 7}, "repeat_count"),
        ({"weight": "-1"}, "weight"),
        ({"half_life_days": 0}, "half_life_days"),
        ({"kind": "carrier_pigeon"}, "kind"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(api_client, marketer, stages, fields, field):
    response = api_client(marketer).post(RULES, _rule(stages.awareness, **fields), format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_duplicate_rule_is_refused(api_client, marketer, stages):
    client = api_client(marketer)
    assert client.post(RULES, _rule(stages.awareness), format="json").status_code == 201

    response = client.post(RULES, _rule(stages.awareness), format="json")

    assert response.status_code == 400
    assert "already exists" in str(response.json())


def test_preview_counts_contacts_that_would_change_stage(api_client, marketer, stages, recompute):
    rule = SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST, journey_stage=stages.shortlist, weight=6, half_life_days=30
    )
    for _ in range(3):
        contact = ContactFactory()
        EventFactory(account=contact.account, contact=contact, kind=EventKind.DEMO_REQUEST)
    ContactFactory()  # no signals: stays without a stage either way
    recompute(at=timezone.now())  # the preview works things out for now
    client = api_client(marketer)

    to_decision = client.post(
        f"{RULES}preview/",
        _rule(stages.decision, kind="demo_request", url_pattern="", weight="6", rule=rule.pk),
        format="json",
    )
    weaker = client.post(
        f"{RULES}preview/",
        _rule(stages.shortlist, kind="demo_request", url_pattern="", weight="1", rule=rule.pk),
        format="json",
    )
    removed = client.post(
        f"{RULES}preview/", _rule(stages.shortlist, rule=rule.pk, remove=True), format="json"
    )
    unrelated = client.post(f"{RULES}preview/", _rule(stages.decision), format="json")

    assert to_decision.json() == {"contacts": 4, "forward": 3, "back": 0, "changed": 3}
    assert weaker.json()["back"] == 3
    assert removed.json()["back"] == 3
    assert unrelated.json()["changed"] == 0
    # A preview changes nothing.
    assert SignalRule.objects.get().journey_stage == stages.shortlist
    assert ContactScore.objects.filter(stage=stages.shortlist).count() == 3


def test_why_is_this_account_in_its_stage(api_client, sales_rep, stages, recompute):
    rule = SignalRuleFactory(
        kind=EventKind.MEETING, journey_stage=stages.decision, weight=10, half_life_days=30
    )
    first = ContactFactory()
    account = first.account
    second = ContactFactory(account=account)
    for contact in (first, second):
        EventFactory(account=account, contact=contact, kind=EventKind.MEETING, occurred_at=NOW)
    recompute()

    response = api_client(sales_rep).get(f"/api/v1/account-scores/{account.pk}/evidence/")

    assert response.status_code == 200
    why = response.json()
    assert why["stage_name"] == "Decision"
    assert why["change"]["to_stage_name"] == "Decision"
    assert why["change"]["committee_coverage"] == 2
    [item] = why["evidence"]
    assert (item["rule"], item["label"], item["events"]) == (rule.pk, "Meeting", 2)
    assert item["points"] == pytest.approx(20)
    assert item["last_event"]["account"] == account.pk
    contact_why = api_client(sales_rep).get(f"/api/v1/contact-scores/{first.pk}/evidence/")
    assert contact_why.json()["evidence"][0]["events"] == 1
    changes = api_client(sales_rep).get(
        f"/api/v1/stage-changes/?account={account.pk}&buyer=account"
    )
    assert changes.json()["count"] == 1
