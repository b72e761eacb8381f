"""`make bench` for the dashboards' read side (apps/core/bench.py); registered by
`apps/analytics/benchmarks.py`, run alone with `manage.py bench dashboards`.

One world, written set-based: 10,000 accounts, 100,000 contacts with their scores and stage
history (two changes each, the accounts' own too), 1,000,000 events over the last 30 days and
1,000,000 opportunities (100 per account) across five pipeline stages, each with its stage
history. No stage KPI or live campaign: their measures (apps/campaigns/kpi_progress.py) take
minutes each over a million events (a reach count ran over 3 minutes), a cost of their own.

- `snapshot_vs_sql`: today's snapshot of buyers per journey stage and deals per pipeline stage
  (`snapshot_day`, its KPIs apart) against a bare `INSERT … SELECT … GROUP BY` of the same rows
  into scratch tables, in the same run (median of `RUNS`). Target: within 2 ×.
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
from apps.analytics.models import JourneyStageSnapshot, PipelineStageSnapshot
from apps.core.bench import BenchReport, benchmark, scaled, stopwatch
from apps.journeys.models import Journey, JourneyStage, Phase
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


def _bare_sql() -> float:
    """The same rows as today's stage and pipeline snapshot, grouped into scratch tables by a
    bare INSERT … SELECT … GROUP BY each, committed."""
    with stopwatch() as elapsed, transaction.atomic(), connection.cursor() as cursor:
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


def _median(measure, runs: int = RUNS) -> float:
    measure()  # warm
    return statistics.median(measure() for _ in range(runs))


@benchmark
def dashboards(report: BenchReport) -> None:
    marketer = _world()
    today = timezone.now().date()
    ours = _median(lambda: _stage_and_pipeline_snapshot(today))
    bare = _median(_bare_sql)
    report.line("snapshot_s", ours)
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
