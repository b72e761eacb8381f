"""`make bench` for the dashboards' read side (apps/core/bench.py); registered by
`apps/analytics/benchmarks.py`, run alone with `manage.py bench dashboards`.

One world, written set-based: 10,000 accounts, 100,000 contacts with their scores and stage
history (two changes each, the accounts' own too), 1,000,000 events over the last 30 days and
1,000,000 opportunities (100 per account) across five pipeline stages, each with its stage
history; a live campaign per KPI (on the two upper tiers) and two stage KPIs (reach,
engagement rate) over every buyer.

- `snapshot_vs_sql`: today's whole snapshot (`snapshot_day`: buyers per journey stage, deals
  per pipeline stage, the seven KPI values; `snapshot_s`, the KPIs alone `snapshot_kpis_s`)
  against a bare `INSERT … SELECT … GROUP BY` of the stage and pipeline rows into scratch
  tables and each KPI's value by hand-written SQL over the rows its measure reads
  (`snapshot_bare_sql_s`), in the same run (median of `RUNS`). Target: within 2 ×.
- `snapshot_history_s`: yesterday's, rebuilt from the stage history (the nightly run).
- `dashboard_ms`: server time of the marketer's home page with 30 days of snapshots, median of
  `RUNS`, warm.
"""

import statistics
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from apps.analytics import snapshots
from apps.analytics.models import (
    CampaignKpiSnapshot,
    JourneyStageSnapshot,
    PipelineStageSnapshot,
    StageKpiSnapshot,
)
from apps.campaigns.models import Campaign
from apps.core.bench import BenchReport, benchmark, scaled, stopwatch
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey, JourneyStage, Phase, StageKpi
from apps.pipeline.models import PipelineStage
from apps.users.models import Role
from apps.users.services import user_create

ACCOUNTS = scaled(10_000)
CONTACTS = scaled(100_000)
EVENTS = scaled(1_000_000)
OPPORTUNITIES = scaled(1_000_000)
RUNS = 5
DAYS = 30


def _world():
    marketer = user_create(
        username="analytics-bench", email="analytics@bench.test", password=None, role=Role.MARKETER
    )
    journey = Journey.objects.create(
        key="analytics-bench", name="Analytics bench", owner=marketer, status="published"
    )
    stages = [
        JourneyStage.objects.create(
            journey=journey, name=name, slug=name.lower(), phase=phase, position=n
        )
        for n, (name, phase) in enumerate(
            [
                ("Awareness", Phase.AWARENESS),
                ("Consideration", Phase.CONSIDERATION),
                ("Decision", Phase.DECISION),
            ],
            start=1,
        )
    ]
    pipeline = [
        PipelineStage.objects.create(
            name=name, position=n, probability=p, outcome=outcome, journey_stage=stage
        )
        for n, (name, p, outcome, stage) in enumerate(
            [
                ("Discovery", 10, "open", stages[1]),
                ("Evaluation", 30, "open", stages[1]),
                ("Proposal", 60, "open", stages[2]),
                ("Won", 100, "won", stages[2]),
                ("Lost", 0, "lost", stages[2]),
            ],
            start=1,
        )
    ]
    ids = [s.pk for s in stages]
    pids = [s.pk for s in pipeline]
    # A live campaign per KPI, on the two upper tiers, and two stage KPIs over every buyer:
    # the snapshot measures each over the million events and deals.
    today = timezone.now().date()
    Campaign.objects.bulk_create(
        Campaign(
            name=f"Live {kpi.label}",
            owner=marketer,
            goal_stage=stages[1],
            kpi=kpi,
            kpi_target=100,
            channels=["email"],
            start_date=today - timedelta(days=20),
            end_date=today + timedelta(days=10),
            status=Campaign.Status.LIVE,
            segment_tiers=[1, 2],
        )
        for kpi in Kpi
    )
    StageKpi.objects.bulk_create(
        [
            StageKpi(stage=stages[0], kpi=Kpi.REACH, target=1000),
            StageKpi(stage=stages[1], kpi=Kpi.ENGAGEMENT_RATE, target=20),
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_account (created_at, updated_at, external_source, external_id,
                   name, domain, industry, region, tier, is_target, fit_score, fit_source)
               SELECT now(), now(), '', '', 'Account ' || n, 'abench' || n || '.example', '', '',
                      1 + n %% 3, n %% 4 = 0, n %% 101, 'learned'
               FROM generate_series(1, %s) n""",
            [ACCOUNTS],
        )
        cursor.execute(
            """INSERT INTO accounts_contact (created_at, updated_at, external_source, external_id,
                   account_id, first_name, last_name, email, title, buying_role, seniority,
                   consent, time_zone)
               SELECT now(), now(), '', '', a.id, 'Pat', 'Person ' || n,
                      'p' || n || '@' || a.domain, '', '', '', 'unknown', 'UTC'
               FROM generate_series(0, %s - 1) n
               JOIN accounts_account a ON a.domain = 'abench' || (1 + n %% %s) || '.example'""",
            [CONTACTS, ACCOUNTS],
        )
        # Scores: a stage for four in five buyers; the stage history behind it, two changes
        # each (placed 20 days ago, moved on or placed later 5 days ago).
        cursor.execute(
            """INSERT INTO engagement_contactscore (contact_id, account_id, fit, engagement, score,
                   stage_id, stage_evidence, computed_at)
               SELECT id, account_id, 0, 0, id %% 100,
                      (ARRAY[%s, %s, %s, NULL, %s])[1 + id %% 5], 0, now()
               FROM accounts_contact""",
            [*ids, ids[1]],
        )
        cursor.execute(
            """INSERT INTO engagement_accountscore (account_id, fit, engagement, score, stage_id,
                   stage_evidence, computed_at, engaged_contacts, engaged_roles,
                   committee_coverage, score_week_ago)
               SELECT id, 0, 0, id %% 100, (ARRAY[%s, %s, %s, NULL, %s])[1 + id %% 5], 0, now(),
                      0, 0, 0, id %% 90
               FROM accounts_account""",
            [*ids, ids[1]],
        )
        for table, key, account in (
            ("engagement_contactscore", "contact_id", "account_id"),
            ("engagement_accountscore", "NULL::bigint", "account_id"),
        ):
            cursor.execute(
                f"""INSERT INTO engagement_inferredstagechange (account_id, contact_id,
                        from_stage_id, to_stage_id, is_forward, changed_at, score,
                        stage_evidence, threshold, evidence)
                    SELECT {account}, {key}, NULL::bigint, %s, true,
                           now() - interval '20 days' - (score * interval '1 minute'),
                           0, 0, 0, '[]'::jsonb
                    FROM {table} WHERE stage_id IS NOT NULL
                    UNION ALL
                    SELECT {account}, {key}, %s, stage_id, true,
                           now() - interval '5 days' - (score * interval '1 minute'),
                           0, 0, 0, '[]'::jsonb
                    FROM {table} WHERE stage_id IS NOT NULL AND stage_id <> %s""",
                [ids[0], ids[0], ids[0]],
            )
        cursor.execute(
            """INSERT INTO engagement_event (account_id, contact_id, kind, source, direction,
                   occurred_at, received_at, url, properties, external_id)
               SELECT c.account_id, c.id,
                      (ARRAY['page_view', 'email_open', 'content_download', 'pricing_page_view',
                             'email_click'])[1 + n %% 5],
                      'web', 'buyer', now() - (n %% 43200) * interval '1 minute',
                      now() - (n %% 43200) * interval '1 minute', '', '{}'::jsonb, ''
               FROM generate_series(0, %s - 1) n
               JOIN accounts_contact c
                 ON c.id = (SELECT min(id) FROM accounts_contact) + n %% %s""",
            [EVENTS, CONTACTS],
        )
        cursor.execute(
            """INSERT INTO pipeline_opportunity (created_at, updated_at, external_source,
                   external_id, account_id, name, owner_id, stage_id, amount, currency,
                   stage_entered_at, stall_reason)
               SELECT now() - interval '40 days', now(), '', '', a.id, 'Deal ' || n, %s,
                      (ARRAY[%s, %s, %s, %s, %s])[1 + n %% 5], 1000 + n %% 9000, 'USD',
                      now() - (n %% 30) * interval '1 day', ''
               FROM generate_series(0, %s - 1) n
               JOIN accounts_account a ON a.id = (SELECT min(id) FROM accounts_account)
                                               + n %% %s""",
            [marketer.pk, *pids, OPPORTUNITIES, ACCOUNTS],
        )
        cursor.execute(
            """INSERT INTO pipeline_stagechange (opportunity_id, stage_id, entered_at, note)
               SELECT id, stage_id, stage_entered_at, '' FROM pipeline_opportunity"""
        )
        cursor.execute("ANALYZE")
    return marketer


# Each KPI's value by hand, over the rows its measure reads (`{segment}`: the campaign's
# accounts, or every one for a stage KPI).
_CONTACTS_IN = """
    SELECT COUNT(*) FROM accounts_contact c JOIN accounts_account a ON a.id = c.account_id
    WHERE {segment} AND c.id IN (%s)"""
_BARE_KPIS = {
    Kpi.REACH: _CONTACTS_IN
    % """SELECT contact_id FROM engagement_event WHERE occurred_at >= %(start)s
        AND occurred_at < %(end)s AND kind IN ('email_open', 'email_click', 'asset_shared')
        UNION ALL SELECT en.contact_id FROM nurture_touch t
        JOIN nurture_enrollment en ON en.id = t.enrollment_id
        WHERE t.sent_at >= %(start)s AND t.sent_at < %(end)s""",
    Kpi.ENGAGEMENT_RATE: "SELECT 100.0 * ("
    + _CONTACTS_IN
    % """SELECT contact_id FROM engagement_event WHERE occurred_at >= %(start)s
        AND occurred_at < %(end)s AND kind IN ('page_view', 'product_page_view',
        'pricing_page_view', 'content_download', 'webinar_attended', 'demo_request',
        'email_click', 'form_submit', 'meeting')"""
    + """) / NULLIF((SELECT COUNT(*) FROM accounts_contact c
        JOIN accounts_account a ON a.id = c.account_id WHERE {segment}), 0)""",
    Kpi.PIPELINE_INFLUENCE: """
    SELECT SUM(o.amount) FROM pipeline_opportunity o JOIN accounts_account a ON a.id = o.account_id
    WHERE {segment} AND EXISTS (
        SELECT 1 FROM pipeline_stagechange sc JOIN pipeline_pipelinestage s ON s.id = sc.stage_id
        LEFT JOIN pipeline_pipelinestage f ON f.id = sc.from_stage_id
        WHERE sc.opportunity_id = o.id AND sc.entered_at >= %(start)s AND sc.entered_at < %(end)s
            AND (f.id IS NULL OR (s.position > f.position AND s.outcome <> 'lost')))""",
    Kpi.CONVERSION_RATE: """
    SELECT 100.0 * COUNT(*) FILTER (WHERE s.outcome = 'won') / NULLIF(COUNT(*), 0)
    FROM pipeline_opportunity o JOIN accounts_account a ON a.id = o.account_id
    JOIN pipeline_pipelinestage s ON s.id = o.stage_id
    WHERE {segment} AND s.outcome IN ('won', 'lost')
        AND o.closed_at >= %(start)s AND o.closed_at < %(end)s""",
    Kpi.DEAL_VELOCITY: """
    SELECT AVG(o.closed_at - (SELECT MIN(sc.entered_at) FROM pipeline_stagechange sc
        WHERE sc.opportunity_id = o.id))
    FROM pipeline_opportunity o JOIN accounts_account a ON a.id = o.account_id
    JOIN pipeline_pipelinestage s ON s.id = o.stage_id
    WHERE {segment} AND s.outcome = 'won'
        AND o.closed_at >= %(start)s AND o.closed_at < %(end)s""",
}


def _bare_kpis(cursor, day) -> None:
    """Every live campaign's and stage KPI's value by hand, into a scratch table."""
    cursor.execute("CREATE TEMP TABLE bare_kpi (value numeric) ON COMMIT DROP")
    end = snapshots.day_end(day)
    for kpi, start, segment in [
        *(
            (c.kpi, c.start_date, "a.tier IN (1, 2)")
            for c in Campaign.objects.filter(status=Campaign.Status.LIVE)
        ),
        *(
            (k.kpi, day - timedelta(days=snapshots.KPI_WINDOW_DAYS - 1), "TRUE")
            for k in StageKpi.objects.all()
        ),
    ]:
        statement = _BARE_KPIS[kpi].replace("{segment}", segment)
        if kpi == Kpi.DEAL_VELOCITY:
            statement = f"SELECT EXTRACT(epoch FROM ({statement})) / 86400"
        cursor.execute(
            f"INSERT INTO bare_kpi {statement}",
            {"start": snapshots.day_end(start - timedelta(days=1)), "end": end},
        )


def _bare_sql() -> float:
    """The same rows as today's snapshot, grouped into scratch tables by a bare INSERT …
    SELECT … GROUP BY each (and each KPI's value by hand), committed."""
    with stopwatch() as elapsed, transaction.atomic(), connection.cursor() as cursor:
        _bare_kpis(cursor, timezone.now().date())
        cursor.execute(
            """CREATE TEMP TABLE bare_journey (stage_id bigint, contacts bigint, accounts bigint)
               ON COMMIT DROP"""
        )
        cursor.execute(
            """CREATE TEMP TABLE bare_pipeline (stage_id bigint, n bigint, amount numeric)
               ON COMMIT DROP"""
        )
        cursor.execute(
            """INSERT INTO bare_journey
               SELECT stage_id, SUM(c), SUM(a) FROM (
                   SELECT stage_id, 1 AS c, 0 AS a FROM engagement_contactscore
                   WHERE stage_id IS NOT NULL
                   UNION ALL
                   SELECT stage_id, 0, 1 FROM engagement_accountscore WHERE stage_id IS NOT NULL
               ) r GROUP BY stage_id"""
        )
        cursor.execute(
            """INSERT INTO bare_pipeline
               SELECT stage_id, COUNT(*), SUM(amount) FROM pipeline_opportunity
               WHERE archived_at IS NULL GROUP BY stage_id"""
        )
    return elapsed()


def _stage_and_pipeline_snapshot(day) -> float:
    """`snapshot_day`'s set-based part (its KPIs are timed apart), as it runs: one transaction
    that replaces the day's rows."""
    with stopwatch() as elapsed, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [snapshots.SNAPSHOT_LOCK_KEY])
        JourneyStageSnapshot.objects.filter(day=day).delete()
        PipelineStageSnapshot.objects.filter(day=day).delete()
        snapshots._write_journey(cursor, day)
        snapshots._write_pipeline(cursor, day)
    return elapsed()


def _full_snapshot(day) -> float:
    """`snapshot_day` as the beat task runs it, its KPIs included."""
    with stopwatch() as elapsed:
        snapshots.snapshot_day(day=day)
    return elapsed()


def _kpi_snapshot(day) -> float:
    """The KPI part alone: each live campaign's and each stage KPI's measure."""
    with stopwatch() as elapsed, transaction.atomic():
        CampaignKpiSnapshot.objects.filter(day=day).delete()
        StageKpiSnapshot.objects.filter(day=day).delete()
        snapshots._write_campaigns(day)
        snapshots._write_stage_kpis(day)
    return elapsed()


def _median(measure, runs: int = RUNS) -> float:
    measure()  # warm
    return statistics.median(measure() for _ in range(runs))


@benchmark
def dashboards(report: BenchReport) -> None:
    marketer = _world()
    today = timezone.now().date()
    ours = _median(lambda: _full_snapshot(today))
    bare = _median(_bare_sql)
    report.line("snapshot_s", ours)
    report.line("snapshot_kpis_s", _median(lambda: _kpi_snapshot(today), runs=3))
    report.line("snapshot_bare_sql_s", bare)
    report.line("snapshot_vs_sql", ours / bare, target="<= 2")
    yesterday = today - timedelta(days=1)
    report.line(
        "snapshot_history_s", _median(lambda: _stage_and_pipeline_snapshot(yesterday), runs=3)
    )
    # 30 days of snapshots for the dashboard, from the stage history.
    with stopwatch() as elapsed:
        for n in range(1, DAYS):
            _stage_and_pipeline_snapshot(today - timedelta(days=n))
    report.line("backfill_30_days_s", elapsed())
    client = Client()
    client.force_login(marketer)

    def page() -> float:
        started = time.perf_counter()
        response = client.get("/")
        if response.status_code != 200:
            raise RuntimeError(f"the marketer home answered {response.status_code}")
        return (time.perf_counter() - started) * 1000

    report.line("dashboard_ms", _median(page))
