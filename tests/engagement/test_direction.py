"""Only the buyer's own actions are intent: what a rep does (emails sent, calls, meetings they
booked) is coverage, shown on the account page and never counted toward a stage or score."""

import pytest

from apps.engagement.models import ContactScore, Direction, Event, EventKind
from apps.engagement.selectors import account_coverage
from tests.engagement.conftest import NOW, days_ago
from tests.engagement.test_ingestion import BULK, _event
from tests.factories import AccountFactory, ContactFactory, EventFactory, SignalRuleFactory

pytestmark = pytest.mark.django_db


def _signal(contact, kind, age=1, **fields):
    return EventFactory(
        account=contact.account, contact=contact, kind=kind, occurred_at=days_ago(age), **fields
    )


@pytest.mark.parametrize("count", [1, 2, 25])
def test_seller_initiated_events_never_raise_a_stage(stages, recompute, count):
    for kind in (EventKind.CALL, EventKind.MEETING, EventKind.EMAIL_SENT):
        SignalRuleFactory(kind=kind, journey_stage=stages.decision, weight=10)
    contact = ContactFactory()
    for n in range(count):
        for kind in (EventKind.CALL, EventKind.MEETING, EventKind.EMAIL_SENT):
            _signal(contact, kind, age=n % 5, direction=Direction.SELLER)

    recompute()

    state = ContactScore.objects.get(contact=contact)
    assert (state.stage, state.engagement) == (None, 0)


def test_a_meeting_the_buyer_booked_is_evidence(stages, recompute):
    SignalRuleFactory(kind=EventKind.MEETING, journey_stage=stages.decision, weight=10)
    contact = ContactFactory()
    _signal(contact, EventKind.MEETING, direction=Direction.SELLER)
    _signal(contact, EventKind.MEETING, direction=Direction.BUYER)

    recompute()

    state = ContactScore.objects.get(contact=contact)
    assert state.stage == stages.decision
    assert state.stage_evidence == pytest.approx(10 * 2 ** (-1 / 30))


@pytest.mark.parametrize("repeat", [1, 2])
def test_a_rule_may_require_a_property_value(stages, recompute, repeat):
    """An inbound call counts only when connected (plain and repeat rules alike)."""
    SignalRuleFactory(
        kind=EventKind.CALL,
        property_name="outcome",
        property_value="connected",
        journey_stage=stages.consideration,
        weight=6,
        repeat_count=repeat,
        repeat_window_days=14 if repeat > 1 else None,
    )
    connected, missed = ContactFactory(), ContactFactory()
    for age in (1, 2):
        _signal(
            connected, EventKind.CALL, age, direction="buyer", properties={"outcome": "connected"}
        )
        _signal(missed, EventKind.CALL, age, direction="buyer", properties={"outcome": "no_answer"})

    recompute()

    assert ContactScore.objects.get(contact=connected).stage == stages.consideration
    assert ContactScore.objects.get(contact=missed).stage is None


def test_a_property_rule_names_both_field_and_value(stages):
    from django.core.exceptions import ValidationError

    rule = SignalRuleFactory.build(
        kind=EventKind.CALL, property_name="outcome", journey_stage=stages.decision
    )
    with pytest.raises(ValidationError) as error:
        rule.full_clean()
    assert "property_value" in error.value.message_dict


@pytest.fixture
def post(api_client, marketer):
    AccountFactory(name="Acme", domain="acme.com")
    client = api_client(marketer)
    return lambda body: client.post(BULK, body, format="json")


@pytest.mark.parametrize(
    ("kind", "direction"),
    [
        ("email_sent", "seller"),
        ("call", "seller"),
        ("meeting", "seller"),
        ("asset_shared", "seller"),
        ("content_download", "buyer"),
        ("page_view", "buyer"),
        ("demo_request", "buyer"),
        ("email_click", "buyer"),
    ],
)
def test_the_bulk_api_takes_the_direction_from_the_kind(post, kind, direction):
    response = post([_event(1, kind=kind)])

    assert response.status_code == 200, response.json()
    assert Event.objects.get().direction == direction


def test_the_bulk_api_takes_an_explicit_direction_and_names_a_wrong_one(post):
    response = post(
        [
            _event(1, kind="call", direction="buyer"),
            _event(2, kind="page_view", direction="seller"),
            _event(3, kind="call", direction="inbound"),
        ]
    )

    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert body["errors"][0]["item"] == 3
    assert "direction" in body["errors"][0]["errors"]
    assert dict(Event.objects.values_list("external_id", "direction")) == {
        "evt-1": "buyer",
        "evt-2": "seller",
    }


def test_coverage_counts_what_the_reps_did(django_assert_num_queries):
    account = AccountFactory()
    ann, bob = ContactFactory(account=account), ContactFactory(account=account)
    for contact in (ann, bob):
        _signal(contact, EventKind.EMAIL_SENT, 3, direction=Direction.SELLER)
    _signal(ann, EventKind.CALL, 2, direction=Direction.SELLER)
    _signal(ann, EventKind.CALL, 200, direction=Direction.SELLER)  # outside the window
    _signal(bob, EventKind.PAGE_VIEW, 1)  # the buyer's own: not coverage

    with django_assert_num_queries(2):
        coverage = account_coverage(account_id=account.pk, at=NOW)

    assert (coverage.touches, coverage.people) == (3, 2)
    assert coverage.last_touch == days_ago(2)
    assert coverage.by_kind == [("Email sent by a rep", 2), ("Call", 1)]
