"""`make bench` for buyer signals (apps/core/bench.py).

One world: 10,000 accounts, 100,000 contacts (written with set-based SQL) and 1,000,000 events,
a fifth of them anonymous visits named only by the company's domain, over the last 90 days: in
the monthly partitions of the events table (apps/engagement/partitions.py).
`BENCH_SCALE` shrinks the world (0.1: a tenth of each), to check a change on a busy machine;
the targets are for the full size.

- `ingest_vs_copy`: the events sent to a running server (gunicorn, two workers) through the bulk
  API as NDJSON, 10,000 a request from two senders, against a raw PostgreSQL COPY of the same
  rows into the same table with its indexes, in the same run: throughput over throughput.
- `ingest_peak_rss_mb` / `ingest_rss_growth_mb`: the largest resident size of a server worker
  after taking the million events, and how far it grew from its size after one small request:
  flat memory means streaming, not a list of a million objects.
- `recompute_vs_sql`: the full recompute from the events (scores, stages, stage changes with
  their evidence, account scores, snapshots, handoffs; committed), run as the nightly task runs
  it (its two slices side by side, one per worker), against one SQL aggregate over the same
  events computing each contact's score (decayed points per rule, capped, phase-weighted),
  both with the same session settings. `nightly_recompute_vs_sql`: the same a day later, with
  the scores in place. Each timing, the baseline's as ours, is the best of `RUNS` (the scores
  cleared before each first run).
- `calibrate_seconds`: a calibration (six cutoffs over the window, each contact's per-rule
  evidence for every candidate half-life in one pass, the fits, then the validation cutoffs
  scored by the recompute's statements with both rule sets) against 1 in 10 accounts' earlier
  deals; `calibrate_vs_recompute` sets it against the full recompute.
- `backtest_vs_recompute`: a backtest (every contact and account scored as of 30 days ago by
  the rules and by the activity count, on temporary tables, against the deals 1 in 50 accounts
  opened since, with AUC, deciles and stage agreement) against that full recompute: best of
  `RUNS` over best of `RUNS`.
"""

import datetime
import http.client
import json
import random
import tempfile
import threading
from itertools import islice
from pathlib import Path

from django.db import connection, transaction

from apps.accounts.models import Account
from apps.core.bench import (
    BenchReport,
    GunicornServer,
    benchmark,
    scaled,
    stopwatch,
    timed_copy,
)
from apps.engagement import ingestion, scoring
from apps.engagement.models import Backtest, Event, EventKind, SignalRule
from apps.engagement.partitions import event_partitions_upkeep
from apps.engagement.selectors import score_slices
from apps.engagement.services import backtest_start, scores_recompute
from apps.journeys.models import Journey, JourneyStage, Phase
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import Role, User
from apps.users.services import api_token_issue, user_create

ACCOUNTS = scaled(10_000)
CONTACTS = scaled(100_000)
EVENTS = scaled(1_000_000)
ANONYMOUS_SHARE = 0.2
WINDOW_DAYS = 90
SENDERS = 2
WORKERS = 2
# Each timing of the recompute and of its baseline is the best of this many runs.
RUNS = 3
COLUMNS = (
    "account_id",
    "contact_id",
    "kind",
    "source",
    "occurred_at",
    "received_at",
    "url",
    "properties",
    "external_id",
)
# Kind, weight in the mix, path on the website (None: no URL).
KINDS = (
    (EventKind.PAGE_VIEW, 30, "/blog/close-faster"),
    (EventKind.EMAIL_OPEN, 14, None),
    (EventKind.EMAIL_CLICK, 8, "/lp/automation"),
    (EventKind.PRODUCT_PAGE_VIEW, 14, "/product/invoice-capture"),
    (EventKind.CONTENT_DOWNLOAD, 9, "/resources/benchmark"),
    (EventKind.WEBINAR_ATTENDED, 4, None),
    (EventKind.PRICING_PAGE_VIEW, 8, "/pricing"),
    (EventKind.DEMO_REQUEST, 3, "/demo"),
    (EventKind.MEETING, 4, None),
    (EventKind.INTENT_SURGE, 4, None),
    (EventKind.CRM_ACTIVITY, 2, None),
)
RULES = (
    # kind, URL contains, stage slug, weight, half-life in days, cap, repeat count, window
    (EventKind.PAGE_VIEW, "/blog", "awareness", 1, 14, 10, 1, None),
    (EventKind.INTENT_SURGE, "", "awareness", 2, 21, 20, 1, None),
    (EventKind.CONTENT_DOWNLOAD, "", "problem", 3, 30, 30, 1, None),
    (EventKind.WEBINAR_ATTENDED, "", "consideration", 4, 30, None, 1, None),
    (EventKind.PRODUCT_PAGE_VIEW, "", "shortlist", 2.5, 21, 25, 1, None),
    (EventKind.PRODUCT_PAGE_VIEW, "/product", "consideration", 6, 14, 24, 3, 14),
    (EventKind.DEMO_REQUEST, "", "shortlist", 8, 45, None, 1, None),
    (EventKind.MEETING, "", "business-case", 5, 30, None, 1, None),
    (EventKind.PRICING_PAGE_VIEW, "/pricing", "validation", 6, 21, 36, 1, None),
    (EventKind.CRM_ACTIVITY, "", "validation", 3, 21, 15, 1, None),
)


def _world() -> str:
    """Journey, rules, accounts and contacts; returns the API token of the feed's user."""
    feed = user_create(
        username="signals-bench-feed", email="feed@bench.test", password=None, role=Role.MARKETER
    )
    journey = Journey.objects.create(
        key="signals-bench", name="Signals bench", owner=feed, status="published"
    )
    stages: dict[str, JourneyStage] = {}
    for slug, phase, position, parent in (
        ("awareness", Phase.AWARENESS, 1, None),
        ("problem", Phase.AWARENESS, 1, "awareness"),
        ("consideration", Phase.CONSIDERATION, 2, None),
        ("shortlist", Phase.CONSIDERATION, 1, "consideration"),
        ("business-case", Phase.CONSIDERATION, 2, "consideration"),
        ("decision", Phase.DECISION, 3, None),
        ("validation", Phase.DECISION, 1, "decision"),
    ):
        stages[slug] = JourneyStage.objects.create(
            journey=journey,
            parent=stages.get(parent),
            name=slug.title(),
            slug=slug,
            phase=phase,
            position=position,
        )
    SignalRule.objects.bulk_create(
        SignalRule(
            kind=kind,
            url_pattern=pattern,
            journey_stage=stages[stage],
            weight=weight,
            half_life_days=half_life,
            cap=cap,
            repeat_count=repeat,
            repeat_window_days=window,
        )
        for kind, pattern, stage, weight, half_life, cap, repeat, window in RULES
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_account (created_at, updated_at, name, domain, industry,
                   region, tier, is_target, fit_score)
               SELECT now(), now(), 'Bench account ' || n, 'bench' || n || '.example', '', '',
                      1 + n %% 3, n %% 4 = 0, n %% 101
               FROM generate_series(1, %s) n""",
            [ACCOUNTS],
        )
        cursor.execute(
            """INSERT INTO accounts_contact (created_at, updated_at, account_id, first_name,
                   last_name, email, title, buying_role, consent, time_zone)
               SELECT now(), now(), a.id, 'Pat', 'Bench ' || n,
                      'p' || n || '@' || a.domain, '',
                      (ARRAY['economic_buyer', 'technical_evaluator', 'champion', 'procurement',
                             'end_user', 'influencer', ''])[1 + n %% 7],
                      'unknown', 'UTC'
               FROM generate_series(0, %s - 1) n
               JOIN accounts_account a ON a.domain = 'bench' || (1 + n %% %s) || '.example'""",
            [CONTACTS, ACCOUNTS],
        )
        cursor.execute("ANALYZE")
    return api_token_issue(user=feed)[1]


def _write_events(folder: Path, now: datetime.datetime) -> tuple[Path, Path]:
    """The same million events twice, streamed to disk: COPY text (ids resolved) and NDJSON
    (buyers named by email or domain, as a sender would)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.account_id, c.email, a.domain FROM accounts_contact c "
            "JOIN accounts_account a ON a.id = c.account_id WHERE a.domain LIKE 'bench%' "
            "ORDER BY c.id"
        )
        people = cursor.fetchall()
    rng = random.Random(6)
    kinds = [kind for kind, _, _ in KINDS]
    weights = [weight for _, weight, _ in KINDS]
    paths = {kind: path for kind, _, path in KINDS}
    received = now.isoformat()
    copy_path, ndjson_path = folder / "events.copy", folder / "events.ndjson"
    with copy_path.open("w") as copy_file, ndjson_path.open("w") as ndjson_file:
        for n in range(EVENTS):
            contact_id, account_id, email, domain = people[rng.randrange(len(people))]
            kind = rng.choices(kinds, weights)[0]
            anonymous = kind == EventKind.INTENT_SURGE or rng.random() < ANONYMOUS_SHARE
            occurred = now - datetime.timedelta(seconds=rng.randrange(WINDOW_DAYS * 86_400))
            url = f"https://waymark.example{paths[kind]}" if paths[kind] else ""
            item = {"id": f"bench-{n}", "kind": kind, "occurred_at": occurred.isoformat(),
                    "source": "web", "url": url}  # fmt: skip
            item["domain" if anonymous else "email"] = domain if anonymous else email
            ndjson_file.write(json.dumps(item) + "\n")
            copy_file.write(
                "\t".join(
                    [
                        str(account_id),
                        "\\N" if anonymous else str(contact_id),
                        kind,
                        "web",
                        item["occurred_at"],
                        received,
                        url,
                        "{}",
                        item["id"],
                    ]
                )
                + "\n"
            )
    return copy_path, ndjson_path


def _post(port: int, token: str, body: bytes) -> dict:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Content-Type": "application/x-ndjson", "Authorization": f"Token {token}"}
    client.request("POST", "/api/v1/events/bulk/", body=body, headers=headers)
    response = client.getresponse()
    report = json.loads(response.read())
    client.close()
    if response.status != 200:
        raise RuntimeError(f"bulk API answered {response.status}: {report}")
    return report


def _send(port: int, token: str, path: Path) -> tuple[float, int]:
    """All events, `ingestion.MAX_EVENTS` a request, from `SENDERS` threads taking turns at the
    file; returns the seconds it took and how many were accepted."""
    lock, accepted = threading.Lock(), []

    def sender(source) -> None:
        while True:
            with lock:
                lines = list(islice(source, ingestion.MAX_EVENTS))
            if not lines:
                return
            accepted.append(_post(port, token, b"".join(lines))["accepted"])

    with stopwatch() as elapsed, path.open("rb") as source:
        threads = [threading.Thread(target=sender, args=(source,)) for _ in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return elapsed(), sum(accepted)


def _scoring_aggregate(at: datetime.datetime) -> float:
    """One statement: every contact's capped, decayed, phase-weighted points (the score without
    stages, accounts or writes), with the recompute's own session settings."""
    from apps.engagement.selectors import scoring_model, scoring_settings

    model = scoring_model(settings=scoring_settings())
    values, params = scoring._values(
        [
            (
                r.id,
                r.kind,
                r.like,
                r.weight,
                r.half_life_days * scoring.DAY_SECONDS,
                r.cap,
                model.phase_multipliers[model.stages[r.stage_id].phase],
            )
            for r in model.rules
            if r.repeat_count == 1
        ],
        ("BIGINT", "VARCHAR(32)", "VARCHAR(210)", *["DOUBLE PRECISION"] * 4),
    )
    with stopwatch() as elapsed, transaction.atomic(), connection.cursor() as cursor:
        scoring._Dialect().prepare(cursor)
        cursor.execute(
            f"""SELECT COUNT(*), SUM(score) FROM (
                    SELECT contact_id, SUM(multiplier * CASE WHEN cap < points THEN cap
                                                              ELSE points END) AS score
                    FROM (SELECT e.contact_id, r.rule_id, MIN(r.multiplier) AS multiplier,
                                 MIN(r.cap) AS cap,
                                 MIN(r.weight) * SUM(power(2.0, (date_part('epoch', e.occurred_at)
                                     - %s) / r.half_life)) AS points
                          FROM engagement_event e
                          JOIN (VALUES {values}) AS r(rule_id, kind, pattern, weight,
                                                      half_life, cap, multiplier)
                            ON r.kind = e.kind AND (r.pattern = '' OR lower(e.url) LIKE r.pattern)
                          WHERE e.contact_id IS NOT NULL AND e.occurred_at <= %s
                          GROUP BY e.contact_id, r.rule_id) per_rule
                    GROUP BY contact_id) per_contact""",
            [at.timestamp(), *params, at],
        )
        cursor.fetchone()
    return elapsed()


@benchmark
def signals(report: BenchReport) -> None:
    now = datetime.datetime.now(datetime.UTC)
    token = _world()
    # The months the events fall in have their partitions, as a live table's would.
    event_partitions_upkeep(at=now, since=now - datetime.timedelta(days=WINDOW_DAYS))
    with tempfile.TemporaryDirectory() as folder:
        copy_path, ndjson_path = _write_events(Path(folder), now)
        copy_seconds = timed_copy(table="engagement_event", columns=COLUMNS, path=copy_path)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE engagement_event CASCADE")
            cursor.execute("VACUUM ANALYZE engagement_event")
        server = GunicornServer(workers=WORKERS)
        try:
            warm_up = ndjson_path.open("rb").readline()
            _post(server.port, token, warm_up.replace(b"bench-0", b"warm-up"))
            idle_mb = server.rss_mb("VmRSS")
            ingest_seconds, accepted = _send(server.port, token, ndjson_path)
            peak_mb = server.rss_mb("VmHWM")
        finally:
            server.stop()
    if accepted != EVENTS or Event.objects.count() != EVENTS + 1:
        raise RuntimeError(f"only {accepted} of {EVENTS} events were accepted")
    report.line("ingest_events_per_s", EVENTS / ingest_seconds)
    report.line("copy_events_per_s", EVENTS / copy_seconds)
    report.line("ingest_vs_copy", copy_seconds / ingest_seconds, target=">= 0.25")
    report.line("ingest_peak_rss_mb", peak_mb)
    report.line("ingest_rss_growth_mb", peak_mb - idle_mb, target="flat: small against 1M events")

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE engagement_event")
    aggregate_seconds = min(_scoring_aggregate(now) for _ in range(RUNS))
    first_runs, nightly_runs = [], []
    for _ in range(RUNS):
        _clear_scores()
        first_runs.append(_full_recompute(now))
        nightly_runs.append(_full_recompute(now + datetime.timedelta(days=1)))
    first_seconds, nightly_seconds = min(first_runs), min(nightly_runs)
    report.line("scoring_aggregate_seconds", aggregate_seconds)
    report.line("recompute_seconds", first_seconds)
    report.line("recompute_vs_sql", first_seconds / aggregate_seconds, target="<= 2")
    report.line("nightly_recompute_vs_sql", nightly_seconds / aggregate_seconds, target="<= 2")

    _plant_deals(now)
    backtest_seconds = min(_backtest(now) for _ in range(RUNS))
    report.line("backtest_seconds", backtest_seconds)
    report.line("backtest_vs_recompute", backtest_seconds / first_seconds, target="<= 3")

    _plant_deal_history(now)
    calibrate_seconds = _calibrate(now)
    report.line("calibrate_seconds", calibrate_seconds, target="<= 60")
    report.line("calibrate_vs_recompute", calibrate_seconds / first_seconds)


def _clear_scores() -> None:
    """Back to no scores, stages, changes or handoffs: the state before the first run."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE engagement_contactscore, engagement_accountscore, "
            "engagement_accountscoresnapshot, engagement_inferredstagechange, engagement_handoff"
        )


def _full_recompute(at: datetime.datetime) -> float:
    """Every account scored as the nightly task does it: its slices side by side, one per
    worker (here a thread with its own connection each)."""
    scored: list[int] = []

    def work(kwargs: dict) -> None:
        try:
            scored.append(scores_recompute(**kwargs, at=at).contacts)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(kwargs,)) for kwargs in score_slices()]
    with stopwatch() as elapsed:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    if sum(scored) != CONTACTS:
        raise RuntimeError(f"scored {sum(scored)} contacts, not {CONTACTS}")
    return elapsed()


def _plant_deals(now: datetime.datetime) -> None:
    """A deal opened in the last 30 days by 1 in 50 accounts: the backtest's outcome."""
    owner = User.objects.get(username="signals-bench-feed")
    stage = PipelineStage.objects.create(name="Bench discovery", position=1, probability=10)
    Opportunity.objects.bulk_create(
        Opportunity(
            account_id=account_id,
            name=f"Bench deal {account_id}",
            owner=owner,
            stage=stage,
            stage_entered_at=now,
        )
        for account_id in Account.objects.order_by("pk").values_list("pk", flat=True)[::50]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pipeline_opportunity SET created_at = %s - (id %% 29 + 1) * interval '1 day'",
            [now],
        )
        cursor.execute("ANALYZE pipeline_opportunity")


def _plant_deal_history(now: datetime.datetime) -> None:
    """The calibration's outcomes over the whole window: 1 in 10 further accounts opened a
    deal 31 to 88 days ago and lost it two weeks later."""
    owner = User.objects.get(username="signals-bench-feed")
    stage = PipelineStage.objects.create(
        name="Bench lost",
        position=PipelineStage.objects.count() + 1,
        probability=0,
        outcome=PipelineStage.Outcome.LOST,
    )
    Opportunity.objects.bulk_create(
        Opportunity(
            account_id=account_id,
            name=f"Bench earlier deal {account_id}",
            owner=owner,
            stage=stage,
            stage_entered_at=now,
        )
        for account_id in Account.objects.order_by("pk").values_list("pk", flat=True)[5::10]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE pipeline_opportunity
               SET created_at = %s - (31 + id %% 58) * interval '1 day',
                   closed_at = %s - (17 + id %% 58) * interval '1 day'
               WHERE stage_id = %s""",
            [now, now, stage.pk],
        )
        cursor.execute("ANALYZE pipeline_opportunity")


def _calibrate(now: datetime.datetime) -> float:
    """One calibration over the window: six cutoffs from 85 to 30 days ago, each labelled by
    the deals opened in the 29 days after; the last two validate."""
    from apps.engagement.calibration import History, calibrate
    from apps.engagement.selectors import scoring_model, scoring_settings

    history = History(
        start=now - datetime.timedelta(days=85),
        end=now - datetime.timedelta(days=30),
        horizon_days=29,
        outcome=Backtest.Outcome.OPPORTUNITY_CREATED,
    )
    with stopwatch() as elapsed:
        result = calibrate(model=scoring_model(settings=scoring_settings()), history=history)
    if not result.metrics["positives"] or result.metrics["auc"]["calibrated"] is None:
        raise RuntimeError(f"the calibration learned from nothing: {result.metrics}")
    return elapsed()


def _backtest(now: datetime.datetime) -> float:
    """One backtest as of 30 days ago over the 29 days since, run in place as the command does."""
    with stopwatch() as elapsed:
        run = backtest_start(
            as_of=now - datetime.timedelta(days=30), horizon_days=29, in_background=False
        )
    if run.status != Backtest.Status.DONE or not run.results["buyers"]["account"]["positives"]:
        raise RuntimeError(f"the backtest did not finish with outcomes: {run.failure}")
    return elapsed()
