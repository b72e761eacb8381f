"""Marketing–sales alignment: SLA breaches with their owners, rates, turnaround, recovery."""

import datetime

import pytest
from django.test import override_settings

from apps.analytics.alignment import alignment_figures
from apps.content.models import EnablementRequest
from apps.engagement.models import Handoff
from apps.pipeline.models import PipelineStage
from tests.factories import (
    AssetShareFactory,
    ContactFactory,
    EnablementRequestFactory,
    EnrollmentFactory,
    EventFactory,
    HandoffFactory,
    OpportunityFactory,
    OpportunityStallFactory,
    PipelineStageFactory,
    StageChangeFactory,
    TouchFactory,
    UserFactory,
)

UTC = datetime.UTC
NOW = datetime.datetime(2026, 3, 31, 12, tzinfo=UTC)
FIRST, LAST = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)


def at(day, hour=9):
    return datetime.datetime(2026, 3, day, hour, tzinfo=UTC)


def decided(raised, hours, status, owner=None, reason=""):
    return HandoffFactory(
        raised_at=raised,
        decided_at=raised + datetime.timedelta(hours=hours),
        status=status,
        owner=owner,
        reason=reason,
    )


@pytest.fixture
def handoffs(db):
    rep = UserFactory(first_name="Rita", last_name="Rep")
    other = UserFactory(first_name="Omar", last_name="Other")
    decided(at(2), 3, Handoff.Status.ACCEPTED, rep)  # within the 24 h
    decided(at(3), 10, Handoff.Status.ACCEPTED, rep)  # within
    late = decided(at(4), 50, Handoff.Status.ACCEPTED, other)  # breach: decided late
    decided(at(5), 2, Handoff.Status.REJECTED, rep, reason="No budget ")
    decided(at(6), 4, Handoff.Status.REJECTED, other, reason="no budget")
    decided(at(7), 30, Handoff.Status.REJECTED, rep, reason="Wrong persona")  # breach
    waiting = HandoffFactory(raised_at=at(29), owner=None)  # pending 51 h at NOW: breach
    HandoffFactory(raised_at=at(31, 1), owner=rep)  # pending 11 h: fine
    decided(datetime.datetime(2026, 2, 1, tzinfo=UTC), 100, Handoff.Status.ACCEPTED)  # before
    return {"late": late, "waiting": waiting}


@override_settings(HANDOFF_SLA_HOURS=24)
def test_handoff_sla_breaches_are_listed_with_their_owner(handoffs):
    figures = alignment_figures(first_day=FIRST, last_day=LAST, now=NOW).handoffs
    assert figures.raised == 8
    assert (figures.accepted, figures.rejected, figures.pending) == (3, 3, 2)
    assert figures.acceptance_rate == 50.0
    assert figures.median_hours_to_accept == 10.0
    assert figures.within_sla == 4
    assert figures.breach_count == 3
    listed = [(b.id, b.owner, b.hours, b.status) for b in figures.breaches]
    assert listed == [
        (handoffs["waiting"].pk, "Marketing-ops queue", 51.0, "Pending"),
        (handoffs["late"].pk, "Omar Other", 50.0, "Accepted"),
        (listed[2][0], "Rita Rep", 30.0, "Rejected"),
    ]
    assert figures.reasons == [("no budget", 2), ("wrong persona", 1)]


@override_settings(HANDOFF_SLA_HOURS=60)
def test_a_longer_sla_has_no_breach(handoffs):
    figures = alignment_figures(first_day=FIRST, last_day=LAST, now=NOW).handoffs
    assert figures.breach_count == 0
    assert figures.breaches == []


@override_settings(ENABLEMENT_SLA_DAYS=5)
def test_enablement_turnaround_against_its_sla(db):
    marketer = UserFactory(first_name="Mia", last_name="Marketer")

    def request(created, *, status, changed=None, assignee=None, **kw):
        r = EnablementRequestFactory(status=status, assignee=assignee, **kw)
        EnablementRequest.objects.filter(pk=r.pk).update(
            created_at=created, status_changed_at=changed
        )
        return r

    request(at(1), status="delivered", changed=at(3), assignee=marketer)  # 2 days
    late = request(at(1), status="delivered", changed=at(10), assignee=marketer)  # 9 days
    request(at(2), status="declined", changed=at(20), decline_reason="Exists already")
    still = request(at(20), status="in_progress")  # 11 days open at NOW: breach
    request(at(29), status="new")  # 2 days open
    figures = alignment_figures(first_day=FIRST, last_day=LAST, now=NOW).enablement
    assert (figures.requested, figures.delivered, figures.declined, figures.open) == (5, 2, 1, 2)
    assert figures.median_days_to_deliver == 5.5
    assert figures.delivered_within_sla == 1
    assert figures.breach_count == 2
    assert [(b.id, b.owner) for b in figures.breaches] == [
        (still.pk, "Unassigned"),
        (late.pk, "Mia Marketer"),
    ]


@override_settings(STALL_RECOVERY_DAYS=30)
def test_stall_recovery_nurtured_against_not(db):
    def stall(*, moved_after_days=None, nurtured=False):
        s = OpportunityStallFactory(started_at=at(5))
        if moved_after_days is not None:
            StageChangeFactory(
                opportunity=s.opportunity,
                entered_at=at(5) + datetime.timedelta(days=moved_after_days),
                exited_at=at(5) + datetime.timedelta(days=moved_after_days),
            )
        if nurtured:
            TouchFactory(enrollment=EnrollmentFactory(stall=s, opportunity=s.opportunity))
        return s

    stall(moved_after_days=3, nurtured=True)
    stall(nurtured=True)
    stall(moved_after_days=45, nurtured=True)  # moved too late
    stall(moved_after_days=10)
    stall()
    recovery = alignment_figures(first_day=FIRST, last_day=LAST, now=NOW).recovery
    assert [(r.label, r.stalls, r.recovered, r.rate) for r in recovery] == [
        ("Nurtured", 3, 1, 33.3),
        ("Not nurtured", 2, 1, 50.0),
    ]


def test_assets_shared_per_stage_and_what_followed(db):
    discovery = PipelineStageFactory(name="Discovery", position=1)
    proposal = PipelineStageFactory(name="Proposal", position=2)
    won = PipelineStageFactory(name="Won", position=3, outcome=PipelineStage.Outcome.WON)
    deal = OpportunityFactory(stage=discovery, stage_entered_at=at(1))
    contact = ContactFactory(account=deal.account)
    AssetShareFactory(opportunity=deal, contact=contact, shared_at=at(2))
    AssetShareFactory(opportunity=deal, contact=contact, shared_at=at(9))
    deal.stage_changes.update(entered_at=at(1), exited_at=at(4))
    StageChangeFactory(opportunity=deal, stage=proposal, entered_at=at(4), exited_at=at(12))
    StageChangeFactory(opportunity=deal, stage=won, entered_at=at(12), exited_at=None)
    EventFactory(account=deal.account, contact=contact, occurred_at=at(3))
    rows = alignment_figures(first_day=FIRST, last_day=LAST, now=NOW).shares
    assert [(r.stage, r.shares, r.moved_on, r.won, r.engaged) for r in rows] == [
        ("Discovery", 1, 1, 1, 1),
        ("Proposal", 1, 1, 1, 0),
    ]


def test_page_lists_breaches_and_offers_csv(client, sales_manager, handoffs):
    client.force_login(sales_manager)
    response = client.get("/analytics/alignment/", {"start": "2026-03-01", "end": "2026-03-31"})
    assert response.status_code == 200
    assert b"Omar Other" in response.content
    csv = client.get(
        "/analytics/alignment/",
        {"start": "2026-03-01", "end": "2026-03-31", "table": "handoff-breaches", "format": "csv"},
    )
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "id,kind,subject,owner,started_at,ended_at,hours,status"
    assert len(lines) >= 3  # the pending breach grows with time; the two decided ones stay
    chart = client.get(
        "/analytics/alignment/",
        {"start": "2026-03-01", "end": "2026-03-31", "chart": "handoff-outcomes", "format": "csv"},
    )
    assert b"".join(chart.streaming_content).decode().splitlines()[1:] == [
        "Accepted,3",
        "Rejected,3",
        "Pending,2",
    ]


def test_a_rep_may_not_read_alignment(client, sales_rep, api_client):
    client.force_login(sales_rep)
    assert client.get("/analytics/alignment/").status_code == 403
    assert api_client(sales_rep).get("/api/v1/analytics/alignment/").status_code == 403


def test_api_gives_the_figures(api_client, marketer, handoffs):
    response = api_client(marketer).get(
        "/api/v1/analytics/alignment/", {"start": "2026-03-01", "end": "2026-03-31"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["handoffs"]["accepted"] == 3
    assert body["handoffs"]["reasons"][0] == ["no budget", 2]
    assert body["recovery"][0]["label"] == "Nurtured"
    bad = api_client(marketer).get(
        "/api/v1/analytics/alignment/", {"start": "2026-03-31", "end": "2026-03-01"}
    )
    assert bad.status_code == 400


def test_page_query_count_does_not_grow_with_rows(client, marketer, django_assert_max_num_queries):
    client.force_login(marketer)
    params = {"start": "2026-03-01", "end": "2026-03-31"}

    def add(n):
        for i in range(n):
            decided(at(2 + i), 40, Handoff.Status.REJECTED, UserFactory(), reason=f"r{i}")
            OpportunityStallFactory(started_at=at(3))
            AssetShareFactory(shared_at=at(4))
            EnablementRequestFactory(assignee=UserFactory())

    add(1)
    with django_assert_max_num_queries(40) as one:
        assert client.get("/analytics/alignment/", params).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/analytics/alignment/", params)
