from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.analytics.models import (
    CampaignKpiSnapshot,
    JourneyStageSnapshot,
    PipelineStageSnapshot,
    StageKpiSnapshot,
)
from apps.analytics.snapshots import KPI_WINDOW_DAYS, snapshot_backfill, snapshot_day
from apps.analytics.tasks import snapshot_day as snapshot_task
from apps.campaigns.models import Campaign
from apps.engagement.models import EventKind
from apps.journeys.kpis import Kpi
from tests.factories import (
    AccountFactory,
    AccountScoreFactory,
    CampaignFactory,
    ContactFactory,
    ContactScoreFactory,
    EventFactory,
    InferredStageChangeFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PipelineStageFactory,
    StageChangeFactory,
    StageKpiFactory,
)

pytestmark = pytest.mark.django_db


def journey_rows(day):
    return {
        (row.stage_id, row.contacts, row.accounts)
        for row in JourneyStageSnapshot.objects.filter(day=day)
    }


def pipeline_rows(day):
    return {
        (row.stage_id, row.opportunities, row.amount)
        for row in PipelineStageSnapshot.objects.filter(day=day)
    }


def test_today_counts_buyers_and_deals_as_they_stand_and_a_rerun_replaces_the_day():
    aware, decide = JourneyStageFactory(), JourneyStageFactory()
    for _ in range(3):
        ContactScoreFactory(stage=aware)
    ContactScoreFactory(stage=decide)
    ContactScoreFactory(stage=None)  # not placed: in no stage
    AccountScoreFactory(stage=decide)
    open_stage, won = PipelineStageFactory(), PipelineStageFactory()
    OpportunityFactory(stage=open_stage, amount=1000)
    OpportunityFactory(stage=open_stage, amount=500)
    OpportunityFactory(stage=won, amount=700)
    archived = OpportunityFactory(stage=won, amount=9999)
    archived.archived_at = timezone.now()
    archived.save()
    today = timezone.now().date()

    counts = snapshot_day(day=today)

    assert (counts.journey_stages, counts.pipeline_stages) == (2, 2)
    assert journey_rows(today) == {(aware.pk, 3, 0), (decide.pk, 1, 1)}
    assert pipeline_rows(today) == {(open_stage.pk, 2, Decimal(1500)), (won.pk, 1, Decimal(700))}

    ContactScoreFactory(stage=decide)
    OpportunityFactory(stage=won, amount=300)
    snapshot_day(day=today)

    assert journey_rows(today) == {(aware.pk, 3, 0), (decide.pk, 2, 1)}
    assert pipeline_rows(today) == {(open_stage.pk, 2, Decimal(1500)), (won.pk, 2, Decimal(1000))}
    assert JourneyStageSnapshot.objects.count() == 2


def test_a_past_day_is_rebuilt_from_the_stage_history():
    aware, consider = JourneyStageFactory(), JourneyStageFactory()
    now = timezone.now()
    today = now.date()
    three_ago = datetime.combine(today - timedelta(days=3), datetime.min.time(), tzinfo=UTC)
    contact = ContactFactory()
    account = contact.account
    # The person: aware three days ago, considering since yesterday.
    InferredStageChangeFactory(
        account=account, contact=contact, to_stage=aware, changed_at=three_ago
    )
    InferredStageChangeFactory(
        account=account,
        contact=contact,
        from_stage=aware,
        to_stage=consider,
        changed_at=three_ago + timedelta(days=2, hours=5),
    )
    # Their account: aware from three days ago, then its evidence faded two days ago.
    InferredStageChangeFactory(account=account, to_stage=aware, changed_at=three_ago)
    InferredStageChangeFactory(
        account=account, from_stage=aware, to_stage=None, changed_at=three_ago + timedelta(days=1)
    )
    # A deal: created in stage one three days ago, moved to stage two yesterday.
    one, two = PipelineStageFactory(), PipelineStageFactory()
    deal = OpportunityFactory(stage=two, amount=400, stage_entered_at=now)
    deal.stage_changes.all().delete()
    StageChangeFactory(
        opportunity=deal,
        stage=one,
        entered_at=three_ago,
        exited_at=three_ago + timedelta(days=2, hours=1),
    )
    StageChangeFactory(
        opportunity=deal,
        stage=two,
        from_stage=one,
        entered_at=three_ago + timedelta(days=2, hours=1),
        exited_at=None,
    )

    written = snapshot_backfill(start=today - timedelta(days=4), end=today - timedelta(days=1))

    assert [counts.day for counts in written] == [today - timedelta(days=n) for n in (4, 3, 2, 1)]
    assert journey_rows(today - timedelta(days=4)) == set()
    assert journey_rows(today - timedelta(days=3)) == {(aware.pk, 1, 1)}
    assert journey_rows(today - timedelta(days=2)) == {(aware.pk, 1, 0)}
    assert journey_rows(today - timedelta(days=1)) == {(consider.pk, 1, 0)}
    assert pipeline_rows(today - timedelta(days=4)) == set()
    assert pipeline_rows(today - timedelta(days=2)) == {(one.pk, 1, Decimal(400))}
    assert pipeline_rows(today - timedelta(days=1)) == {(two.pk, 1, Decimal(400))}

    # Idempotent: the same days again leave the same rows, not twice as many.
    before = JourneyStageSnapshot.objects.count(), PipelineStageSnapshot.objects.count()
    snapshot_backfill(start=today - timedelta(days=4), end=today - timedelta(days=1))
    assert (JourneyStageSnapshot.objects.count(), PipelineStageSnapshot.objects.count()) == before


def test_campaign_kpis_are_measured_up_to_the_day():
    today = timezone.now().date()
    live = CampaignFactory(
        status=Campaign.Status.LIVE,
        kpi=Kpi.REACH,
        kpi_target=50,
        kpi_baseline=5,
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=10),
    )
    CampaignFactory(
        status=Campaign.Status.DRAFT,
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=10),
    )
    account = AccountFactory()
    ContactFactory(account=account)

    snapshot_day(day=today)

    row = CampaignKpiSnapshot.objects.get()
    assert (row.campaign_id, row.day, row.kpi) == (live.pk, today, Kpi.REACH)
    assert (row.value, row.target, row.baseline) == (Decimal(0), Decimal(50), Decimal(5))


def test_stage_kpis_are_measured_over_the_window_before_the_day():
    today = timezone.now().date()
    stage_kpi = StageKpiFactory(kpi=Kpi.REACH, target=10)
    contact = ContactFactory()
    EventFactory(
        account=contact.account,
        contact=contact,
        kind=EventKind.EMAIL_OPEN,
        occurred_at=timezone.now() - timedelta(days=3),
    )
    old = ContactFactory()
    EventFactory(
        account=old.account,
        contact=old,
        kind=EventKind.EMAIL_OPEN,
        occurred_at=timezone.now() - timedelta(days=KPI_WINDOW_DAYS + 2),
    )

    assert snapshot_day(day=today).stage_kpis == 1
    row = StageKpiSnapshot.objects.get()
    assert (row.stage_kpi_id, row.value, row.target) == (stage_kpi.pk, Decimal(1), Decimal(10))


def test_the_command_writes_one_day_or_every_day_from_a_date(capsys):
    stage = JourneyStageFactory()
    ContactScoreFactory(stage=stage)
    today = timezone.now().date()

    call_command("analytics_snapshot", "--date", str(today))
    assert journey_rows(today) == {(stage.pk, 1, 0)}

    call_command("analytics_snapshot", "--backfill-from", str(today - timedelta(days=2)))
    assert set(JourneyStageSnapshot.objects.values_list("day", flat=True)) == {today}
    assert PipelineStageSnapshot.objects.count() == 0
    assert f"{today - timedelta(days=2)}: 0 journey stages" in capsys.readouterr().out

    call_command("analytics_snapshot", "--backfill-days", "3")
    assert f"{today - timedelta(days=2)}: 0 journey stages" in capsys.readouterr().out
    with pytest.raises(CommandError, match="from 1"):
        call_command("analytics_snapshot", "--backfill-days", "0")
    with pytest.raises(CommandError, match="'yesterday' is not a date"):
        call_command("analytics_snapshot", "--date", "yesterday")
    with pytest.raises(CommandError, match="is in the future"):
        call_command("analytics_snapshot", "--backfill-from", str(today + timedelta(days=1)))


def test_beat_runs_the_task_for_today_and_for_yesterday():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["analytics-snapshot-today"]["kwargs"] == {"days_ago": 0}
    assert schedule["analytics-snapshot-yesterday"]["kwargs"] == {"days_ago": 1}
    stage = JourneyStageFactory()
    AccountScoreFactory(stage=stage)

    result = snapshot_task.apply(kwargs={"days_ago": 0}).get()

    assert result["journey_stages"] == 1 and result["day"] == timezone.now().date().isoformat()
