"""Incremental rescoring of touched accounts, coalesced in a waiting list, and the nightly run."""

import datetime
import json

import pytest
from django.conf import settings
from django.utils import timezone

from apps.engagement import tasks
from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    ContactScore,
    EventKind,
    RecomputeRequest,
    WebhookDelivery,
)
from apps.engagement.selectors import score_slices
from apps.engagement.services import (
    scores_recompute,
    scores_recompute_pending,
    signals_housekeeping,
)
from tests.factories import (
    AccountFactory,
    AccountScoreSnapshotFactory,
    ContactFactory,
    EventFactory,
    RecomputeRequestFactory,
    ScoringSettingsFactory,
    SignalRuleFactory,
    UserFactory,
    WebhookDeliveryFactory,
    WebhookSourceFactory,
)
from tests.waiting import wait_for_progress


@pytest.mark.django_db
def test_waiting_accounts_are_rescored_in_batches_and_only_they(stages, scoring):
    SignalRuleFactory(kind=EventKind.MEETING, journey_stage=stages.decision, weight=10)
    waiting = [RecomputeRequestFactory().account for _ in range(3)]
    untouched = AccountFactory()
    for account in [*waiting, untouched]:
        contact = ContactFactory(account=account)
        EventFactory(account=account, contact=contact, kind=EventKind.MEETING)

    done = scores_recompute_pending(batch_size=2)

    assert done == 3
    assert not RecomputeRequest.objects.exists()
    assert set(AccountScore.objects.values_list("account", flat=True)) == {a.pk for a in waiting}
    assert ContactScore.objects.filter(stage=stages.decision).count() == 3
    assert scores_recompute_pending() == 0  # a repeat finds nothing to do


@pytest.mark.django_db
def test_the_tasks_call_their_services(stages, scoring, monkeypatch):
    waiting = RecomputeRequestFactory()
    ContactFactory(account=waiting.account)
    ContactFactory()

    assert tasks.recompute_pending_scores.apply().get() == 1  # accounts
    assert ContactScore.objects.count() == 1

    slices = []
    monkeypatch.setattr(tasks.recompute_score_slice, "delay", lambda **kw: slices.append(kw))
    tasks.recompute_all_scores.apply().get()
    assert slices == score_slices()
    scored = [tasks.recompute_score_slice.apply(kwargs=kwargs).get() for kwargs in slices]
    assert scored == [1, 1]  # each contact in exactly one slice
    assert ContactScore.objects.count() == 2


@pytest.mark.django_db
def test_a_full_run_is_cut_in_ranges_of_about_as_many_accounts_open_at_both_ends():
    ids = [AccountFactory().pk for _ in range(5)]

    assert score_slices(parts=2) == [
        {"part": 0, "parts": 2, "after": None, "through": ids[1]},
        {"part": 1, "parts": 2, "after": ids[1], "through": None},
    ]
    assert [(s["after"], s["through"]) for s in score_slices(parts=3)] == [
        (None, ids[0]),
        (ids[0], ids[2]),
        (ids[2], None),
    ]


@pytest.mark.django_db
def test_fewer_accounts_than_slices_still_cover_every_account():
    assert score_slices(parts=2) == [{"part": 0, "parts": 2, "after": None, "through": None}]
    only = AccountFactory()
    assert score_slices(parts=3) == [{"part": 0, "parts": 3, "after": None, "through": None}]
    AccountFactory()
    assert score_slices(parts=3) == [
        {"part": 0, "parts": 3, "after": None, "through": only.pk},
        {"part": 1, "parts": 3, "after": only.pk, "through": None},
    ]


@pytest.mark.django_db
def test_slices_score_each_account_once_and_an_account_made_after_the_cut_too(stages, scoring):
    SignalRuleFactory(kind=EventKind.MEETING, journey_stage=stages.decision, weight=10)
    contacts = [ContactFactory() for _ in range(4)]
    slices = score_slices(parts=2)
    late = ContactFactory()  # created after the cut: the last slice is open above
    for contact in [*contacts, late]:
        EventFactory(account=contact.account, contact=contact, kind=EventKind.MEETING)

    scored = [scores_recompute(**kwargs).contacts for kwargs in slices]

    assert scored == [2, 3]
    assert ContactScore.objects.filter(stage=stages.decision).count() == 5


@pytest.mark.django_db
def test_housekeeping_drops_old_snapshots_and_deliveries(scoring):
    now = timezone.now()
    AccountScoreSnapshotFactory(day=(now - datetime.timedelta(days=91)).date())
    recent = AccountScoreSnapshotFactory(day=(now - datetime.timedelta(days=30)).date())
    feed = WebhookSourceFactory(tolerance_seconds=300)
    WebhookDeliveryFactory(webhook_source=feed, received_at=now - datetime.timedelta(hours=1))
    fresh = WebhookDeliveryFactory(webhook_source=feed, received_at=now)

    signals_housekeeping(at=now)

    assert list(AccountScoreSnapshot.objects.all()) == [recent]
    assert list(WebhookDelivery.objects.all()) == [fresh]


def test_the_nightly_recompute_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["engagement-recompute-all-scores"]
    assert entry["task"] == tasks.recompute_all_scores.name


@pytest.mark.worker
def test_a_worker_rescores_after_an_intake(celery_worker_process, api_client):
    ScoringSettingsFactory(stage_threshold=5)
    rule = SignalRuleFactory(kind=EventKind.DEMO_REQUEST, weight=8)
    contact = ContactFactory(email="ann@acme.com")
    feed = UserFactory(role="marketer")
    celery_worker_process()
    body = [
        {
            "id": "demo-1",
            "kind": "demo_request",
            "occurred_at": timezone.now().isoformat(),
            "source": "web",
            "email": "ann@acme.com",
        }
    ]

    response = api_client(feed).post(
        "/api/v1/events/bulk/", json.dumps(body), content_type="application/json"
    )

    assert response.json()["accepted"] == 1
    # The one thing that moves is the score appearing, so the stall limit is the whole wait.
    wait_for_progress(ContactScore.objects.filter(contact=contact).exists, bool)
    score = ContactScore.objects.get(contact=contact)
    assert score.stage == rule.journey_stage
    assert score.engagement == pytest.approx(8, rel=0.01)
    assert not RecomputeRequest.objects.exists()
