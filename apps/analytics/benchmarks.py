"""`make bench` for the read side (apps/core/bench.py).

- `attribution_vs_sql`: every attribution model (first, last, linear, U, W, time decay,
  Markov) for a quarter, for campaigns, channels and assets, over 1,000,000 touches, against
  one hand-written SQL statement computing the linear model per campaign over the same rows
  (the touch table the events' triggers fill) in the same run. Best of three each.

Bench data is written with set-based SQL (generate_series), never an ORM loop.
"""

import datetime

from django.db import connection

from apps.analytics import dashboard_benchmarks  # noqa: F401 (registers `dashboards`)
from apps.analytics.attribution import MODELS
from apps.analytics.attribution_paths import CREATED, Window, paths_extract
from apps.analytics.attribution_report import report_from_paths
from apps.campaigns.models import Campaign
from apps.content.models import Asset
from apps.core.bench import BenchReport, benchmark, scaled, stopwatch
from apps.journeys.kpis import Kpi
from apps.journeys.models import Journey, JourneyStage, Phase
from apps.pipeline.models import PipelineStage
from apps.users.models import User

UTC = datetime.UTC
FIRST_DAY, LAST_DAY = datetime.date(2030, 1, 1), datetime.date(2030, 3, 31)
QUARTER = Window.for_dates(FIRST_DAY, LAST_DAY)
NOW = datetime.datetime(2030, 4, 1, tzinfo=UTC)
ACCOUNTS = scaled(100_000)
# Events that are touches, twenty per account over the quarter and the 90 days before it: the
# paths read about 1,000,000 of them (a deal's 90-day window, a quiet account's quarter).
TOUCHES = scaled(2_000_000)
CAMPAIGNS = 60
ASSETS = 300
LOOKBACK = 90

# The linear model per campaign, by hand: each opportunity created in the quarter shares its
# one credit equally among its account's touches in the 90 days before, read from the same
# touch table as ours, the campaign by UTM code or sequence.
HAND_WRITTEN_LINEAR = """
WITH touch AS (
    SELECT t.account_id, t.occurred_at, COALESCE(c.id, sq.campaign_id) AS campaign_id
    FROM analytics_touch t
    LEFT JOIN campaigns_campaign c ON c.utm_code <> '' AND c.utm_code = t.utm_campaign
    LEFT JOIN nurture_sequence sq ON sq.id = t.sequence_id
    WHERE t.occurred_at >= %(touch_start)s AND t.occurred_at < %(end)s
),
credit AS (
    SELECT t.campaign_id, 1.0 / COUNT(*) OVER (PARTITION BY o.id) AS share
    FROM pipeline_opportunity o
    JOIN touch t ON t.account_id = o.account_id
        AND t.occurred_at > o.created_at - INTERVAL '90 days' AND t.occurred_at <= o.created_at
    WHERE o.created_at >= %(start)s AND o.created_at < %(end)s
)
SELECT campaign_id, SUM(share) FROM credit GROUP BY campaign_id
"""


def _execute(sql: str, params: dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})


def _world() -> dict:
    owner = User.objects.create(username="attribution-bench")
    journey = Journey.objects.create(key="attribution-bench", name="Attribution", owner=owner)
    stage = JourneyStage.objects.create(
        journey=journey, name="Consider", slug="consider", phase=Phase.CONSIDERATION, position=1
    )
    pipeline = PipelineStage.objects.create(name="Attribution bench", position=900, probability=10)
    Campaign.objects.bulk_create(
        Campaign(
            name=f"Campaign {n}",
            owner=owner,
            goal_stage=stage,
            kpi=Kpi.PIPELINE_INFLUENCE,
            kpi_target=1000,
            channels=["email"],
            start_date=FIRST_DAY - datetime.timedelta(days=90 - n),
            end_date=LAST_DAY,
            utm_code=f"c{n}",
        )
        for n in range(CAMPAIGNS)
    )
    Asset.objects.bulk_create(
        Asset(title=f"Asset {n}", asset_type="case_study", journey_stage=stage)
        for n in range(ASSETS)
    )
    campaigns = list(Campaign.objects.order_by("pk").values_list("pk", flat=True))
    assets = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    # Each campaign's content mix: five assets; a third of the assets are in no mix.
    Campaign.assets.through.objects.bulk_create(
        Campaign.assets.through(campaign_id=campaigns[n], asset_id=assets[(n * 5 + k) % 200])
        for n in range(CAMPAIGNS)
        for k in range(5)
    )
    return {
        "owner": owner.pk,
        "stage": pipeline.pk,
        "first_asset": assets[0],
    }


def _data(world: dict) -> None:
    _execute(
        """INSERT INTO accounts_account
            (name, domain, industry, region, tier, is_target, fit_score, external_source,
             external_id, created_at, updated_at)
        SELECT 'Account ' || n, 'attr' || n || '.bench', '', '', 3, FALSE, 0, '', '',
            %(now)s, %(now)s
        FROM generate_series(1, %(accounts)s) n""",
        {"accounts": ACCOUNTS, "now": NOW},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id) FROM accounts_account WHERE domain LIKE 'attr%%.bench'")
        first_account = cursor.fetchone()[0]
    params = {
        **world,
        "first_account": first_account,
        "accounts": ACCOUNTS,
        "touches": TOUCHES,
        "campaigns": CAMPAIGNS,
        "assets": ASSETS,
        "span": (QUARTER.end - QUARTER.start).total_seconds() + LOOKBACK * 86400,
        "start": QUARTER.start - datetime.timedelta(days=LOOKBACK),
        "quarter_start": QUARTER.start,
        "quarter_seconds": (QUARTER.end - QUARTER.start).total_seconds(),
        "now": NOW,
    }
    # Touches: 2 in 5 carry the UTM code in their properties, 1 in 5 in their URL, 2 in 5
    # name an asset (half of them also a UTM code); media are campaign channels or not.
    _execute(
        """INSERT INTO engagement_event
            (account_id, kind, source, occurred_at, received_at, url, asset_id, properties,
             external_id)
        SELECT %(first_account)s + n %% %(accounts)s,
            'page_view', (ARRAY['web', 'email', 'intent', 'crm'])[1 + n %% 4],
            %(start)s + make_interval(secs => (n::bigint * 7919 %% 1000003) / 1000003.0 * %(span)s),
            %(now)s,
            CASE WHEN n %% 5 = 2
                THEN 'https://x.example/p?utm_campaign=c' || (n / 7) %% %(campaigns)s
                    || '&utm_medium=' || (ARRAY['email', 'webinar', 'paid_social', 'x'])[1 + n %% 4]
                ELSE '' END,
            CASE WHEN n %% 5 IN (3, 4) THEN %(first_asset)s + (n / 11) %% %(assets)s END,
            CASE WHEN n %% 5 IN (0, 1, 4)
                THEN jsonb_build_object('utm_campaign', 'c' || (n / 13) %% %(campaigns)s,
                    'utm_medium', (ARRAY['email', 'event', 'direct_mail'])[1 + n %% 3])
                ELSE '{}'::jsonb END,
            ''
        FROM generate_series(0, %(touches)s - 1) n""",
        params,
    )
    # Half the accounts open a deal in the quarter; half of those had an MQL a week before.
    _execute(
        """INSERT INTO pipeline_opportunity
            (account_id, name, owner_id, stage_id, amount, currency, stage_entered_at,
             stall_reason, external_source, external_id, created_at, updated_at)
        SELECT %(first_account)s + n, 'Deal ' || n, %(owner)s, %(stage)s, 1000 + n %% 50000,
            'USD', %(now)s, '', '', '',
            %(quarter_start)s + make_interval(secs => (n::bigint * 104729 %% 100003) / 100003.0
                * %(quarter_seconds)s),
            %(now)s
        FROM generate_series(0, %(accounts)s - 1, 2) n""",
        params,
    )
    _execute(
        """INSERT INTO engagement_handoff
            (kind, account_id, score, threshold, raised_at, status, reason)
        SELECT 'mqa', o.account_id, 80, 60, o.created_at - INTERVAL '7 days', 'pending', ''
        FROM pipeline_opportunity o WHERE o.name LIKE 'Deal %%' AND o.account_id %% 4 = 0""",
        params,
    )
    _execute("ANALYZE")


def _hand_written() -> float:
    params = {
        "start": QUARTER.start,
        "end": QUARTER.end,
        "touch_start": QUARTER.start - datetime.timedelta(days=LOOKBACK),
    }
    with stopwatch() as elapsed, connection.cursor() as cursor:
        cursor.execute(HAND_WRITTEN_LINEAR, params)
        rows = cursor.fetchall()
    assert rows
    return elapsed()


def _ours() -> tuple[float, int, float]:
    with stopwatch() as elapsed:
        extracted = paths_extract(goal=CREATED, window=QUARTER, lookback_days=LOOKBACK)
        read = elapsed()
        for dimension in ("campaign", "channel", "asset"):
            report = report_from_paths(
                extracted,
                goal=CREATED,
                dimension=dimension,
                first_day=FIRST_DAY,
                last_day=LAST_DAY,
                lookback_days=LOOKBACK,
                half_life_days=7,
            )
            for model in MODELS:
                assert abs(report.total(model) - report.converting_count) < 1e-3 * max(
                    1, report.converting_count
                ), (dimension, model)
    return elapsed(), len(extracted.campaign), read


@benchmark
def attribution(report: BenchReport) -> None:
    _data(_world())
    baseline = min(_hand_written() for _ in range(3))
    runs = [_ours() for _ in range(3)]
    ours, touches, read = min(runs)
    report.line("attribution_touches", touches)
    report.line("attribution_seconds", ours)
    report.line("attribution_read_seconds", read)
    report.line("attribution_sql_linear_seconds", baseline)
    report.line("attribution_vs_sql", ours / baseline, target="<= 2")
