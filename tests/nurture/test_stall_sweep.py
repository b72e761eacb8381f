import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Contact
from apps.engagement.models import EventKind
from apps.notifications.models import Notification
from apps.nurture.models import Enrollment, ExitReason
from apps.nurture.services import stall_alerts_send, stall_sweep
from apps.personas.models import BuyingRole
from apps.pipeline.models import OpportunityStall, StallReason
from apps.pipeline.services import opportunity_move_stage
from tests.factories import (
    AccountFactory,
    ContactFactory,
    EventFactory,
    OpportunityFactory,
    PersonaFactory,
    SequenceFactory,
)
from tests.nurture.conftest import NOW, days_ago, email_step

pytestmark = pytest.mark.django_db


def test_a_deal_over_its_stage_time_is_marked_with_reason_and_since(world):
    deal = world.deal(entered_days_ago=40)
    EventFactory(account=world.account, occurred_at=days_ago(1))

    result = stall_sweep(now=NOW)

    deal.refresh_from_db()
    assert (result.stalled, deal.stall_reason) == (1, StallReason.TIME_IN_STAGE)
    # 30 days allowed: stalled once the 31st whole day began.
    assert deal.stalled_since == days_ago(40) + datetime.timedelta(days=31)
    (stall,) = OpportunityStall.objects.filter(opportunity=deal)
    assert (stall.reason, stall.started_at, stall.ended_at) == (
        StallReason.TIME_IN_STAGE,
        deal.stalled_since,
        None,
    )


def test_a_quiet_deal_is_stalled_since_its_last_activity_plus_the_limit(world):
    deal = world.deal(entered_days_ago=20)
    EventFactory(account=world.account, occurred_at=days_ago(16))
    EventFactory(account=AccountFactory(), occurred_at=days_ago(1))  # another account's

    stall_sweep(now=NOW)

    deal.refresh_from_db()
    assert deal.stall_reason == StallReason.NO_ACTIVITY
    assert deal.stalled_since == days_ago(16) + datetime.timedelta(days=15)


@pytest.mark.parametrize(
    ("entered_days_ago", "event_days_ago"),
    [
        pytest.param(20, 3, id="recent buyer activity"),
        pytest.param(10, None, id="entered its stage lately"),
        pytest.param(30.5, 2, id="within its stage time"),
    ],
)
def test_an_active_deal_is_not_stalled(world, entered_days_ago, event_days_ago):
    deal = world.deal(entered_days_ago=entered_days_ago)
    if event_days_ago is not None:
        EventFactory(account=world.account, occurred_at=days_ago(event_days_ago))

    assert stall_sweep(now=NOW).stalled == 0
    deal.refresh_from_db()
    assert (deal.stalled_since, deal.stall_reason) == (None, "")


def test_closed_deals_and_stages_without_rules_are_left_alone(world):
    world.deal(stage=world.won, entered_days_ago=400)
    world.deal(stage=world.proposal, entered_days_ago=400, name="No limits here")

    assert stall_sweep(now=NOW).stalled == 0


def test_the_committee_is_enrolled_in_the_stage_sequence_role_variant_first(world):
    opted_out = ContactFactory(account=world.account, consent=Contact.Consent.OPTED_OUT)
    deal = world.deal(entered_days_ago=40)

    result = stall_sweep(now=NOW)

    enrolled = {
        e.contact: e for e in Enrollment.objects.filter(opportunity=deal).select_related("stall")
    }
    assert set(enrolled) == {world.champion, world.buyer}
    assert opted_out not in enrolled
    assert enrolled[world.champion].sequence == world.generic
    assert enrolled[world.buyer].sequence == world.economic
    first = enrolled[world.buyer]
    assert (first.status, first.next_step.position, first.due_at) == ("active", 1, NOW)
    assert first.stall.opportunity == deal
    assert result.enrolled == 2


def test_persona_variant_beats_the_role_variant_and_the_parent_stage_is_a_fallback(world):
    cfo = PersonaFactory(name="CFO")
    world.buyer.persona = cfo
    world.buyer.save()
    for_cfos = SequenceFactory(
        name="For CFOs",
        journey_stage=world.shortlist,
        persona=cfo,
        buying_role=BuyingRole.ECONOMIC_BUYER,
        is_active=True,
    )
    email_step(for_cfos, 1)
    # A deal whose journey stage has no sequence of its own gets its parent stage's.
    world.generic.is_active = world.economic.is_active = False
    world.generic.save()
    world.economic.save()
    parent = SequenceFactory(
        name="Consideration", journey_stage=world.consideration, is_active=True
    )
    email_step(parent, 1)
    world.deal(entered_days_ago=40)

    stall_sweep(now=NOW)

    by_contact = dict(Enrollment.objects.values_list("contact_id", "sequence_id"))
    assert by_contact == {world.buyer.pk: for_cfos.pk, world.champion.pk: parent.pk}


def test_a_contact_already_active_in_the_sequence_is_not_enrolled_twice(world):
    world.deal(entered_days_ago=40, name="First")
    world.deal(entered_days_ago=40, name="Second")

    result = stall_sweep(now=NOW)

    assert result.stalled == 2
    assert Enrollment.objects.filter(contact=world.champion, status="active").count() == 1
    assert Enrollment.objects.count() == 2


def test_sweeping_again_changes_nothing(world):
    world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)

    again = stall_sweep(now=NOW + datetime.timedelta(hours=1))

    assert (again.stalled, again.enrolled, again.unstalled) == (0, 0, 0)
    assert OpportunityStall.objects.count() == Notification.objects.count() == 1


def test_the_owner_is_alerted_once_in_app_and_by_email(world, django_capture_on_commit_callbacks):
    deal = world.deal(entered_days_ago=40)
    with django_capture_on_commit_callbacks() as callbacks:
        stall_sweep(now=NOW)
    assert len(callbacks) == 1  # the alert task, queued once the sweep commits

    (note,) = Notification.objects.all()
    assert note.recipient == world.owner
    assert note.text == "Acme rollout has stalled: Over its stage time and no recent activity."
    assert note.link == f"/opportunities/{deal.pk}/"
    assert (note.kind, note.subject) == (Notification.Kind.STALL, OpportunityStall.objects.get())

    assert stall_alerts_send(now=NOW) == 1
    assert stall_alerts_send(now=NOW) == 0
    (alert,) = mail.outbox
    assert alert.to == [world.owner.email]
    assert "Acme rollout" in alert.subject and f"/opportunities/{deal.pk}/" in alert.body


def test_buyer_activity_ends_the_stall_and_its_enrolments(world):
    deal = world.deal(entered_days_ago=20)
    stall_sweep(now=NOW)
    EventFactory(
        account=world.account,
        contact=world.champion,
        kind=EventKind.PRICING_PAGE_VIEW,
        occurred_at=NOW + datetime.timedelta(days=1),
    )

    result = stall_sweep(now=NOW + datetime.timedelta(days=1, hours=1))

    deal.refresh_from_db()
    assert (result.unstalled, result.exited) == (1, 2)
    assert (deal.stalled_since, deal.stall_reason) == (None, "")
    assert OpportunityStall.objects.get().ended_at is not None
    assert set(Enrollment.objects.values_list("status", "exit_reason")) == {
        ("exited", ExitReason.NO_LONGER_STALLED)
    }


def test_moving_the_deal_ends_its_stall_at_once(world):
    deal = world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)

    deal = opportunity_move_stage(
        opportunity=deal, stage=world.proposal, changed_by=world.owner, at=NOW
    )

    assert (deal.stalled_since, deal.stall_reason) == (None, "")
    assert OpportunityStall.objects.get().ended_at == NOW


def test_the_sweep_runs_the_same_statements_for_one_deal_or_many(world):
    def statements() -> int:
        with CaptureQueriesContext(connection) as queries:
            stall_sweep(now=NOW)
        return len(queries)

    world.deal(entered_days_ago=40)
    one = statements()
    OpportunityStall.objects.all().delete()
    Enrollment.objects.all().delete()
    for n in range(12):
        account = AccountFactory()
        ContactFactory.create_batch(3, account=account)
        OpportunityFactory(
            account=account, stage=world.discovery, stage_entered_at=days_ago(40 + n)
        )
    world.account.opportunities.update(stalled_since=None, stall_reason="")

    many = statements()

    assert one == many
    assert Enrollment.objects.count() == 2 + 12 * 3
