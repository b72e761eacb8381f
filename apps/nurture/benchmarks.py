"""`make bench` for the nurture engine (apps/core/bench.py).

- `sweep_vs_scan`: the stall sweep (detect, mark, alert, enrol) over 1,000,000 open deals of
  which about 1 % are newly stalled, against hand-written SQL doing the bare minimum on the same
  data in the same run: one statement selecting the newly stalled deals, one INSERT … SELECT
  enrolling their committees. Each side runs in a transaction rolled back afterwards, so both
  see the same rows; the best of two runs counts for each.
- `dispatch_touches_per_s`: due email steps run by the dispatcher, per second, with Django's
  in-memory email backend (test settings), one process that has run the dispatcher before
  (`_warm_up`); `dispatch_cpu_ms_per_touch`: the process's CPU time per step, steadier than the
  rate on a shared machine.
- `dispatch_smtp_touches_per_s`: the same over SMTP to a sink on loopback (aiosmtpd in a
  process of its own), what users get.
- `dispatch_commit_ms`: what a synchronous commit that writes costs on this machine, measured
  before each dispatch run (the median of 200; `dispatch_smtp_commit_ms` for the SMTP one);
  `dispatch_round_trip_ms`: a `SELECT 1`. Together they say whether the disk or the CPU set the
  rate.

Bench data is written with set-based SQL (generate_series), never an ORM loop.
"""

import datetime
import socket
import subprocess
import sys
import time

from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from apps.core.bench import (
    BenchReport,
    benchmark,
    commit_ms,
    free_port,
    median_ms,
    scaled,
    stopwatch,
)
from apps.journeys.models import Journey, JourneyStage, Phase
from apps.nurture import tracking_benchmarks  # noqa: F401 (registers `email_tracking`)
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Sequence, Step, StepVariant
from apps.nurture.services import stall_alerts_send, stall_sweep
from apps.personas.models import BuyingRole
from apps.pipeline.models import PipelineStage
from apps.users.models import User

# A Wednesday noon in UTC: inside the default send window for contacts in UTC.
NOW = datetime.datetime(2030, 1, 16, 12, 0, tzinfo=datetime.UTC)
DEALS = 1_000_000
ACCOUNTS = 100_000  # ten deals each
CONTACTS_PER_ACCOUNT = 3
QUIET_EVERY = 100  # every 100th account went quiet: 1 % of the deals newly stalled
OWNERS = 200
DISPATCHED = scaled(10_000)


def _world() -> list[PipelineStage]:
    """Owners, a journey, five open pipeline stages with stall rules and their sequences."""
    User.objects.bulk_create(User(username=f"bench-owner-{n}") for n in range(OWNERS))
    owner = User.objects.order_by("pk").first()
    journey = Journey.objects.create(key="nurture-bench", name="Nurture bench", owner=owner)
    stages = []
    for n in range(5):
        journey_stage = JourneyStage.objects.create(
            journey=journey,
            name=f"Stage {n}",
            slug=f"stage-{n}",
            phase=Phase.CONSIDERATION,
            position=n,
        )
        for role in ("", BuyingRole.ECONOMIC_BUYER):
            sequence = Sequence.objects.create(
                name=f"Stage {n} {role}",
                journey_stage=journey_stage,
                buying_role=role,
                is_active=True,
            )
            Step.objects.create(
                sequence=sequence, position=1, kind="email", subject="Hi", body="Hi"
            )
        stages.append(
            PipelineStage.objects.create(
                name=f"Bench {n}",
                position=100 + n,
                probability=10 * (n + 1),
                journey_stage=journey_stage,
                max_days_in_stage=30,
                max_days_without_activity=14,
            )
        )
    return stages


def _execute(sql: str, params: dict | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})


def _accounts(count: int, *, label: str) -> int:
    """`count` accounts with consecutive ids; returns the first id."""
    _execute(
        """INSERT INTO accounts_account
            (name, domain, industry, region, tier, is_target, fit_score, external_source,
             external_id, created_at, updated_at)
        SELECT 'Account ' || n, %(label)s || n || '.bench', '', '', 3, FALSE, 0, '', '',
            %(now)s, %(now)s
        FROM generate_series(1, %(count)s) n""",
        {"count": count, "label": label, "now": NOW},
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(id) FROM accounts_account WHERE domain LIKE %s", [f"{label}%.bench"]
        )
        return cursor.fetchone()[0]


def _sweep_data(stages: list[PipelineStage]) -> None:
    params = {
        "now": NOW,
        "accounts": ACCOUNTS,
        "first_account": _accounts(ACCOUNTS, label="sweep"),
        "deals": DEALS,
        "contacts": ACCOUNTS * CONTACTS_PER_ACCOUNT,
        "quiet": QUIET_EVERY,
        "first_owner": User.objects.filter(username__startswith="bench-owner-")
        .order_by("pk")
        .values_list("pk", flat=True)
        .first(),
        "owners": OWNERS,
        "first_stage": stages[0].pk,
        "roles": list(BuyingRole.values),
    }
    _execute(
        """INSERT INTO accounts_contact
            (account_id, first_name, last_name, email, title, buying_role, consent, time_zone,
             external_source, external_id, created_at, updated_at)
        SELECT %(first_account)s + n %% %(accounts)s, 'Buyer', 'No ' || n,
            'buyer' || n || '@bench.example', '', (%(roles)s::text[])[1 + n %% 7], 'unknown',
            'UTC', '', '', %(now)s, %(now)s
        FROM generate_series(0, %(contacts)s - 1) n""",
        params,
    )
    # Active accounts were heard from yesterday; quiet ones last did something 40 days ago.
    _execute(
        """INSERT INTO engagement_event
            (account_id, kind, source, occurred_at, received_at, url, properties, external_id)
        SELECT %(first_account)s + n, 'page_view', 'web',
            %(now)s - CASE WHEN n %% %(quiet)s = 0 THEN INTERVAL '40 days'
                           ELSE INTERVAL '1 day' END,
            %(now)s, '', '{}', ''
        FROM generate_series(0, %(accounts)s - 1) n""",
        params,
    )
    # Every deal entered its stage 20 days ago: over the 14 quiet days, within the 30 allowed.
    _execute(
        """INSERT INTO pipeline_opportunity
            (account_id, name, owner_id, stage_id, amount, currency, stage_entered_at,
             stall_reason, external_source, external_id, created_at, updated_at)
        SELECT %(first_account)s + n %% %(accounts)s, 'Deal ' || n,
            %(first_owner)s + n %% %(owners)s, %(first_stage)s + n %% 5, 10000, 'USD',
            %(now)s - INTERVAL '20 days', '', '', '', %(now)s, %(now)s
        FROM generate_series(0, %(deals)s - 1) n""",
        params,
    )
    _execute("ANALYZE")


HAND_WRITTEN_SCAN = """
CREATE TEMPORARY TABLE bench_stalled AS
SELECT o.id, o.account_id, s.journey_stage_id
FROM pipeline_opportunity o JOIN pipeline_pipelinestage s ON s.id = o.stage_id
WHERE s.outcome = 'open' AND o.stalled_since IS NULL AND (
    (s.max_days_in_stage IS NOT NULL
        AND o.stage_entered_at <= %(now)s - (s.max_days_in_stage + 1) * INTERVAL '1 day')
    OR (s.max_days_without_activity IS NOT NULL
        AND o.stage_entered_at <= %(now)s - (s.max_days_without_activity + 1) * INTERVAL '1 day'
        AND NOT EXISTS (
            SELECT 1 FROM engagement_event e WHERE e.account_id = o.account_id
            AND e.occurred_at > %(now)s - (s.max_days_without_activity + 1) * INTERVAL '1 day')
        AND NOT EXISTS (
            SELECT 1 FROM nurture_touch t JOIN nurture_enrollment en ON en.id = t.enrollment_id
            WHERE en.opportunity_id = o.id
            AND t.sent_at > %(now)s - (s.max_days_without_activity + 1) * INTERVAL '1 day')))
"""
HAND_WRITTEN_ENROL = """
INSERT INTO nurture_enrollment
    (sequence_id, contact_id, opportunity_id, status, next_step_id, waiting_since, due_at,
     enrolled_at, exit_reason)
SELECT q.id, c.id, b.id, 'active',
    (SELECT sp.id FROM nurture_step sp WHERE sp.sequence_id = q.id ORDER BY sp.position LIMIT 1),
    %(now)s, %(now)s, %(now)s, ''
FROM bench_stalled b
JOIN accounts_contact c ON c.account_id = b.account_id AND c.consent <> 'opted_out'
JOIN nurture_sequence q ON q.journey_stage_id = b.journey_stage_id AND q.buying_role = ''
    AND q.is_active
ON CONFLICT DO NOTHING
"""


def _rolled_back(work) -> float:
    with stopwatch() as elapsed, transaction.atomic():
        work()
        seconds = elapsed()
        transaction.set_rollback(True)
    return seconds


def _hand_written() -> None:
    _execute(HAND_WRITTEN_SCAN, {"now": NOW})
    _execute(HAND_WRITTEN_ENROL, {"now": NOW})
    _execute("DROP TABLE bench_stalled")


def _ours() -> None:
    result = stall_sweep(now=NOW)
    # Other apps' bench data may add stalls of its own.
    assert result.stalled >= DEALS // QUIET_EVERY, result
    stall_alerts_send(now=NOW)
    mail.outbox.clear()


@benchmark
def nurture_stall_sweep(report: BenchReport) -> None:
    _sweep_data(_world())
    baseline = min(_rolled_back(_hand_written) for _ in range(2))
    ours = min(_rolled_back(_ours) for _ in range(2))
    with CaptureQueriesContext(connection) as queries:
        _rolled_back(lambda: stall_sweep(now=NOW))
    report.line("sweep_seconds", ours)
    report.line("sweep_scan_seconds", baseline)
    report.line("sweep_vs_scan", ours / baseline, target="<= 3")
    report.line("sweep_queries", len(queries), target="the same for any number of deals")


def _dispatch_data(*, label: str, count: int = DISPATCHED) -> None:
    """`count` fresh contacts, one due email step (with A/B variants) each, so the frequency
    cap lets every one through; each in one of five countries, so every step reads its buyer's
    holidays."""
    owner = User.objects.create(username=f"dispatch-bench-{label}")
    journey = Journey.objects.create(key=f"dispatch-{label}", name=f"Dispatch {label}", owner=owner)
    stage = JourneyStage.objects.create(
        journey=journey, name="Any", slug="any", phase=Phase.DECISION, position=1
    )
    sequence = Sequence.objects.create(
        name=f"Dispatch {label}", journey_stage=stage, is_active=True
    )
    step = Step.objects.create(
        sequence=sequence,
        position=1,
        kind=Step.Kind.EMAIL,
        subject="{{ contact.first_name }}, a question about {{ account.name }}",
        body="Hello {{ contact.first_name }},\n\nHow is the rollout going?",
    )
    # The step is an A/B test: every send picks its variant, the heavier path.
    StepVariant.objects.bulk_create(
        [
            StepVariant(step=step, label="A", subject=step.subject, body=step.body),
            StepVariant(
                step=step,
                label="B",
                subject="Quick question, {{ contact.first_name }}",
                body=step.body,
            ),
        ]
    )
    params = {
        "now": NOW,
        "count": count,
        "first_account": _accounts(100, label=f"dispatch-{label}"),
        "sequence": sequence.pk,
        "step": step.pk,
        "domain": f"%%@{label}.dispatch.bench",
        "label": label,
    }
    _execute(
        """INSERT INTO accounts_contact
            (account_id, first_name, last_name, email, title, buying_role, consent, time_zone,
             country, external_source, external_id, created_at, updated_at)
        SELECT %(first_account)s + n %% 100, 'Reader', 'No ' || n,
            'reader' || n || '@' || %(label)s || '.dispatch.bench', '', '', 'opted_in', 'UTC',
            (ARRAY['US', 'DE', 'GB', 'FR', 'JP'])[1 + n %% 5], '', '', %(now)s, %(now)s
        FROM generate_series(1, %(count)s) n""",
        params,
    )
    _execute(
        """INSERT INTO nurture_enrollment
            (sequence_id, contact_id, status, next_step_id, waiting_since, due_at, enrolled_at,
             exit_reason)
        SELECT %(sequence)s, c.id, 'active', %(step)s, %(now)s, %(now)s, %(now)s, ''
        FROM accounts_contact c WHERE c.email LIKE %(domain)s""",
        params,
    )
    _execute("ANALYZE")


def _warm_up() -> None:
    """A first dispatcher run over a few steps, as in a worker that has run before: the URLconf
    (for links) and the holiday calendars are loaded once a process, not once a run."""
    _dispatch_data(label="warm", count=50)
    assert due_steps_dispatch(now=NOW).sent == 50
    mail.outbox.clear()


def _timed_dispatch() -> tuple[int, float, float]:
    """Steps sent, wall seconds and CPU seconds of one dispatcher run over everything due."""
    cpu = time.process_time()
    with stopwatch() as elapsed:
        result = due_steps_dispatch(now=NOW, time_budget=600)
    return result.sent, elapsed(), time.process_time() - cpu


def _smtp_sink() -> tuple[subprocess.Popen, int]:
    """An aiosmtpd server on loopback in a process of its own, accepting and dropping mail."""
    port = free_port()
    command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink"]
    sink = subprocess.Popen([*command, "-l", f"127.0.0.1:{port}"])
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink, port
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise RuntimeError("the SMTP sink did not start")


@benchmark
def nurture_dispatch(report: BenchReport) -> None:
    # The bench database is set up outside any transaction: the dispatcher runs as in a worker.
    assert connection.get_autocommit()
    _warm_up()
    _dispatch_data(label="memory")
    commit, round_trip_ms = commit_ms(), median_ms("SELECT 1")
    sent, seconds, cpu = _timed_dispatch()
    assert sent == DISPATCHED and len(mail.outbox) == DISPATCHED, sent
    mail.outbox.clear()
    report.line("dispatch_touches_per_s", sent / seconds, target=">= 1000")
    report.line("dispatch_cpu_ms_per_touch", cpu / sent * 1000)
    report.line("dispatch_commit_ms", commit)
    report.line("dispatch_round_trip_ms", round_trip_ms)

    _dispatch_data(label="smtp")
    sink, port = _smtp_sink()
    try:
        config = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
        }
        with override_settings(NURTURE_EMAIL_CONFIG=config | {"EMAIL_PORT": port}):
            commit = commit_ms()
            sent, seconds, cpu = _timed_dispatch()
    finally:
        sink.terminate()
        sink.wait(timeout=30)
    assert sent == DISPATCHED and not mail.outbox, sent
    report.line("dispatch_smtp_touches_per_s", sent / seconds, target="printed")
    report.line("dispatch_smtp_cpu_ms_per_touch", cpu / sent * 1000)
    report.line("dispatch_smtp_commit_ms", commit)
