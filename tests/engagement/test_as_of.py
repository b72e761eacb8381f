"""Recompute as of a past moment: history replays as it stood then."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.accounts.models import Contact
from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    ContactScore,
    Event,
    EventKind,
    Handoff,
    InferredStageChange,
)
from apps.engagement.services import as_of_moment, scores_recompute
from apps.personas.models import BuyingRole
from tests.engagement.conftest import days_ago
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    HandoffFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = days_ago(30)
TOMORROW = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)


@pytest.fixture
def world(stages, scoring):
    """Two accounts with plain and repeat rules; events before and after AS_OF."""
    scoring.mql_threshold = 15
    scoring.mqa_threshold = 40
    scoring.save()
    SignalRuleFactory(kind=EventKind.PAGE_VIEW, journey_stage=stages.awareness, weight=2)
    SignalRuleFactory(
        kind=EventKind.PRICING_PAGE_VIEW, journey_stage=stages.consideration, weight=4, cap=20
    )
    SignalRuleFactory(
        kind=EventKind.MEETING,
        journey_stage=stages.decision,
        weight=6,
        repeat_count=2,
        repeat_window_days=14,
    )
    for n, account in enumerate([AccountFactory(fit_score=60), AccountFactory(fit_score=20)]):
        for role in (BuyingRole.CHAMPION, BuyingRole.ECONOMIC_BUYER):
            contact = ContactFactory(account=account, buying_role=role)
            for days, kind in [
                (60, EventKind.PAGE_VIEW),
                (45 + n, EventKind.PRICING_PAGE_VIEW),
                (40, EventKind.MEETING),
                (35, EventKind.MEETING),
                (31, EventKind.PRICING_PAGE_VIEW),
                # After AS_OF: must not count in a replay.
                (20, EventKind.MEETING),
                (10, EventKind.MEETING),
                (5, EventKind.PRICING_PAGE_VIEW),
            ]:
                EventFactory(
                    account=account, contact=contact, kind=kind, occurred_at=days_ago(days)
                )
        EventFactory(account=account, kind=EventKind.PAGE_VIEW, occurred_at=days_ago(50))
        EventFactory(account=account, kind=EventKind.PAGE_VIEW, occurred_at=days_ago(3))


def stored() -> dict:
    """Every score, stage, change (with its evidence), snapshot and handoff a run wrote."""
    score_fields = ["fit", "engagement", "score", "stage", "stage_evidence", "stage_since"]
    return {
        "contacts": list(
            ContactScore.objects.order_by("contact").values(
                "contact", "account", "score_week_ago", "computed_at", *score_fields
            )
        ),
        "accounts": list(
            AccountScore.objects.order_by("account").values(
                "account",
                "engaged_contacts",
                "engaged_roles",
                "committee_coverage",
                "computed_at",
                *score_fields,
            )
        ),
        "changes": list(
            InferredStageChange.objects.order_by("account", "contact", "to_stage").values(
                "account",
                "contact",
                "from_stage",
                "to_stage",
                "is_forward",
                "changed_at",
                "score",
                "stage_evidence",
                "committee_coverage",
                "evidence",
            )
        ),
        "snapshots": list(AccountScoreSnapshot.objects.values("account", "day", "score", "stage")),
        "handoffs": list(
            Handoff.objects.order_by("kind", "contact").values(
                "kind", "account", "contact", "score", "stage", "raised_at", "status"
            )
        ),
    }


def forget_scores() -> None:
    for model in (ContactScore, AccountScore, AccountScoreSnapshot, InferredStageChange, Handoff):
        model.objects.all().delete()


def test_an_as_of_recompute_equals_a_recompute_run_at_that_time(world, monkeypatch):
    scores_recompute(at=AS_OF)
    replayed = stored()

    forget_scores()
    Event.objects.filter(occurred_at__gt=AS_OF).delete()
    monkeypatch.setattr(timezone, "now", lambda: AS_OF)
    scores_recompute()
    live_then = stored()

    assert replayed["contacts"] and replayed["changes"] and replayed["handoffs"]
    assert any(change["evidence"] for change in replayed["changes"])
    assert replayed == live_then


def test_events_after_the_as_of_time_do_not_count(world):
    scores_recompute(at=AS_OF)
    before = {s.contact_id: s.score for s in ContactScore.objects.all()}
    EventFactory.create_batch(
        3,
        account=ContactScore.objects.first().account,
        contact=ContactScore.objects.first().contact,
        kind=EventKind.PRICING_PAGE_VIEW,
        occurred_at=AS_OF + datetime.timedelta(seconds=1),
    )
    forget_scores()

    scores_recompute(at=AS_OF)

    assert {s.contact_id: s.score for s in ContactScore.objects.all()} == before
    last_events = {row["last_event"] for c in stored()["changes"] for row in c["evidence"]}
    assert Event.objects.filter(pk__in=last_events, occurred_at__gt=AS_OF).count() == 0


def test_known_then_counts_only_the_events_received_by_then(stages, scoring):
    SignalRuleFactory(kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10)
    contact = ContactFactory()
    on_time, late = [
        EventFactory(
            account=contact.account,
            contact=contact,
            kind=EventKind.DEMO_REQUEST,
            occurred_at=days_ago(40),
        )
        for _ in range(2)
    ]
    Event.objects.filter(pk=on_time.pk).update(received_at=days_ago(39))
    Event.objects.filter(pk=late.pk).update(received_at=days_ago(20))  # imported later

    scores_recompute(at=AS_OF)
    everything = ContactScore.objects.get(contact=contact).engagement
    scores_recompute(at=AS_OF, known_then=True)
    known = ContactScore.objects.get(contact=contact).engagement

    assert everything == pytest.approx(2 * known)


def test_a_handoff_raised_after_the_as_of_time_does_not_block_one_then(world):
    champion = Contact.objects.filter(buying_role=BuyingRole.CHAMPION).first()
    HandoffFactory(
        contact=champion, status="accepted", raised_at=days_ago(10), decided_at=days_ago(9)
    )

    scores_recompute(at=AS_OF)

    assert Handoff.objects.filter(contact=champion, raised_at=AS_OF).count() == 1


def test_the_command_replays_history_as_of_a_date(world, capsys):
    call_command("recompute_scores", "--as-of", AS_OF.date().isoformat())

    end_of_day = as_of_moment(as_of=AS_OF.date())
    assert end_of_day == datetime.datetime.combine(
        AS_OF.date(), datetime.time.max, tzinfo=datetime.UTC
    )
    assert set(ContactScore.objects.values_list("computed_at", flat=True)) == {end_of_day}
    assert "Scored 4 contacts and 2 accounts as of" in capsys.readouterr().out


@pytest.mark.parametrize(
    "value, message",
    [("2026-13-01", "is no date"), (TOMORROW.isoformat(), "future")],
    ids=["not a date", "tomorrow"],  # not the time: pytest-xdist's processes must agree on ids
)
def test_the_command_refuses_a_bad_or_future_as_of(world, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("recompute_scores", "--as-of", value)
    assert not ContactScore.objects.exists()
