"""The stall sweep's SQL: a fixed handful of set-based statements, whatever the row count.

Read by `apps.nurture.services.stall_sweep`. It reads `engagement_event` directly (owned by
apps.engagement) for the last buyer activity of each account, through its (account,
occurred_at) index. Written for PostgreSQL and SQLite alike (`make run` on a laptop), so it uses
temporary tables and window functions rather than data-modifying CTEs, LATERAL or DISTINCT ON.

Last activity of a deal = the latest of its account's engagement events (CRM activities come
in as events too), the touches of its enrolments, and its last stage change
(`stage_entered_at`). A deal stays stalled until it moves, closes, or its buyers act again:
our own nurture touches keep a quiet deal from being flagged anew, but do not end a stall, or
every sequence would stop itself after its first email.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from apps.accounts.models import Contact
from apps.engagement.models import Event
from apps.journeys.models import JourneyStage
from apps.notifications.models import Notification
from apps.nurture.models import (
    Enrollment,
    ExitReason,
    Sequence,
    Step,
    SuppressedAddress,
    Touch,
)
from apps.pipeline.models import Opportunity, OpportunityStall, PipelineStage, StallReason

# pg_try_advisory_xact_lock key: one sweep at a time; a second one at the same time skips.
SWEEP_LOCK_KEY = 7_100_001

T = {
    "opportunity": Opportunity._meta.db_table,
    "stall": OpportunityStall._meta.db_table,
    "event": Event._meta.db_table,
    "touch": Touch._meta.db_table,
    "enrollment": Enrollment._meta.db_table,
    "contact": Contact._meta.db_table,
    "sequence": Sequence._meta.db_table,
    "step": Step._meta.db_table,
    "journey_stage": JourneyStage._meta.db_table,
    "notification": Notification._meta.db_table,
    "suppressed": SuppressedAddress._meta.db_table,
    # Temporary tables of one sweep, private to its database session.
    "rule": "nurture_sweep_rule",
    "ended": "nurture_sweep_ended",
    "new": "nurture_sweep_new",
}


@dataclass(frozen=True)
class SweepCounts:
    stalled: int
    unstalled: int
    enrolled: int
    exited: int


class _Dialect:
    def __init__(self) -> None:
        self.postgres = connection.vendor == "postgresql"
        self.datetime_type = connection.data_types["DateTimeField"]

    @property
    def fence(self) -> str:
        """Keeps a subquery from being merged into its parent, so that an expression the parent
        uses several times (the last activity) is computed once per row."""
        return "OFFSET 0" if self.postgres else "LIMIT -1 OFFSET 0"

    def plus_days(self, moment: str, days: str) -> str:
        if self.postgres:
            return f"({moment} + ({days}) * INTERVAL '1 day')"
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', {moment}, '+' || ({days}) || ' days')"

    def greatest(self, first: str, *nullable: str) -> str:
        """The latest of `first` (never NULL) and the others, NULLs left out."""
        if self.postgres:
            return f"GREATEST({', '.join((first, *nullable))})"
        return f"MAX({', '.join([first, *(f'COALESCE({e}, {first})' for e in nullable)])})"


def db_datetime(value: datetime | None):
    """A date-time as a raw query's parameter: as is for PostgreSQL, UTC text for SQLite."""
    return None if value is None else connection.ops.adapt_datetimefield_value(value)


def _stalled(sql: _Dialect, *, with_touches: bool) -> str:
    """Whether deal `o` breaks its stage's rule `r` (NULL-safe: no rule, not stalled)."""
    quiet = f"""NOT EXISTS (
        SELECT 1 FROM {T["event"]} e
        WHERE e.account_id = o.account_id AND e.occurred_at > r.quiet_before)"""
    if with_touches:
        quiet += f""" AND NOT EXISTS (
        SELECT 1 FROM {T["touch"]} t JOIN {T["enrollment"]} en ON en.id = t.enrollment_id
        WHERE en.opportunity_id = o.id AND t.sent_at > r.quiet_before)"""
    return f"""(
        (r.over_time_before IS NOT NULL AND o.stage_entered_at <= r.over_time_before)
        OR (r.quiet_before IS NOT NULL AND o.stage_entered_at <= r.quiet_before AND {quiet}))"""


def run_sweep(*, now: datetime, link_prefix: str, link_suffix: str) -> SweepCounts | None:
    """One sweep inside the caller's transaction; None when another sweep holds the lock."""
    sql = _Dialect()
    with connection.cursor() as cursor:
        if sql.postgres:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK_KEY])
            if not cursor.fetchone()[0]:
                return None
        for table in ("rule", "ended", "new"):
            cursor.execute(f"DROP TABLE IF EXISTS {T[table]}")
        _load_rules(cursor, sql, now=now)
        ended, exited = _unstall(cursor, sql, now=now)
        stalled = _mark_new_stalls(cursor, sql, now=now)
        enrolled = 0
        if stalled:
            _notify_owners(cursor, now=now, link_prefix=link_prefix, link_suffix=link_suffix)
            enrolled = _enrol_committees(cursor, now=now)
        for table in ("rule", "ended", "new"):
            cursor.execute(f"DROP TABLE {T[table]}")
    return SweepCounts(stalled=stalled, unstalled=ended, enrolled=enrolled, exited=exited)


def _load_rules(cursor, sql: _Dialect, *, now: datetime) -> None:
    """Each open stage's limits as cut-off moments, so the big statements compare plain values."""
    dt = sql.datetime_type
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {T["rule"]} (
            stage_id BIGINT PRIMARY KEY, journey_stage_id BIGINT,
            over_time_before {dt}, quiet_before {dt}, time_days INTEGER, quiet_days INTEGER)"""
    )
    rules = PipelineStage.objects.filter(outcome=PipelineStage.Outcome.OPEN).exclude(
        max_days_in_stage=None, max_days_without_activity=None
    )
    rows = []
    for stage in rules.order_by("pk"):
        time_days, quiet_days = stage.max_days_in_stage, stage.max_days_without_activity
        # Stalled once the whole days exceed the limit, as `Opportunity.days_in_stage` counts.
        rows.append(
            [
                stage.pk,
                stage.journey_stage_id,
                None if time_days is None else db_datetime(now - timedelta(days=time_days + 1)),
                None if quiet_days is None else db_datetime(now - timedelta(days=quiet_days + 1)),
                time_days,
                quiet_days,
            ]
        )
    if rows:
        cursor.executemany(f"INSERT INTO {T['rule']} VALUES (%s, %s, %s, %s, %s, %s)", rows)


def _unstall(cursor, sql: _Dialect, *, now: datetime) -> tuple[int, int]:
    """End the stalls of deals that moved, closed or heard from their buyers again."""
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {T["ended"]} AS
        SELECT o.id FROM {T["opportunity"]} o
        LEFT JOIN {T["rule"]} r ON r.stage_id = o.stage_id
        WHERE o.stalled_since IS NOT NULL AND NOT {_stalled(sql, with_touches=False)}"""
    )
    params = {"now": db_datetime(now), "exit": ExitReason.NO_LONGER_STALLED}
    cursor.execute(
        f"""UPDATE {T["stall"]} SET ended_at = %(now)s
        WHERE ended_at IS NULL AND opportunity_id IN (SELECT id FROM {T["ended"]})""",
        params,
    )
    cursor.execute(
        f"""UPDATE {T["enrollment"]}
        SET status = 'exited', exit_reason = %(exit)s, ended_at = %(now)s,
            claim = NULL, claimed_until = NULL
        WHERE status = 'active' AND stall_id IN (
            SELECT s.id FROM {T["stall"]} s JOIN {T["ended"]} d ON d.id = s.opportunity_id
            WHERE s.ended_at = %(now)s)""",
        params,
    )
    exited = cursor.rowcount
    cursor.execute(
        f"""UPDATE {T["opportunity"]} SET stalled_since = NULL, stall_reason = ''
        WHERE id IN (SELECT id FROM {T["ended"]})"""
    )
    return cursor.rowcount, exited


def _mark_new_stalls(cursor, sql: _Dialect, *, now: datetime) -> int:
    """Find the deals that broke their rule since the last sweep, mark them, open their stall.

    The rule is checked with existence tests (one index probe per deal); the last activity that
    dates the stall is looked up only for the few deals it flags.
    """
    last_activity = sql.greatest(
        "o.stage_entered_at",
        f"(SELECT MAX(e.occurred_at) FROM {T['event']} e WHERE e.account_id = o.account_id)",
        f"""(SELECT MAX(t.sent_at) FROM {T["touch"]} t
            JOIN {T["enrollment"]} en ON en.id = t.enrollment_id
            WHERE en.opportunity_id = o.id)""",
    )
    over_time_since = sql.plus_days("c.stage_entered_at", "c.time_days + 1")
    quiet_since = sql.plus_days("c.last_activity", "c.quiet_days + 1")
    cursor.execute(
        f"""CREATE TEMPORARY TABLE {T["new"]} AS
        SELECT c.id, c.account_id, c.owner_id, c.name, c.stage_entered_at, c.journey_stage_id,
            CASE WHEN c.over_time AND c.quiet THEN %(both)s
                 WHEN c.over_time THEN %(time)s ELSE %(quiet)s END AS reason,
            CASE WHEN c.over_time AND c.quiet THEN
                    CASE WHEN {over_time_since} < {quiet_since}
                         THEN {over_time_since} ELSE {quiet_since} END
                 WHEN c.over_time THEN {over_time_since}
                 ELSE {quiet_since} END AS since
        FROM (
            SELECT b.*,
                (b.over_time_before IS NOT NULL
                    AND b.stage_entered_at <= b.over_time_before) AS over_time,
                (b.last_activity IS NOT NULL AND b.last_activity <= b.quiet_before) AS quiet
            FROM (
                SELECT o.id, o.account_id, o.owner_id, o.name, o.stage_entered_at,
                    r.journey_stage_id, r.time_days, r.quiet_days, r.over_time_before,
                    r.quiet_before,
                    CASE WHEN r.quiet_before IS NOT NULL AND o.stage_entered_at <= r.quiet_before
                         THEN {last_activity} END AS last_activity
                FROM {T["opportunity"]} o JOIN {T["rule"]} r ON r.stage_id = o.stage_id
                WHERE o.stalled_since IS NULL AND o.archived_at IS NULL
                    AND {_stalled(sql, with_touches=True)}
                {sql.fence}
            ) b
        ) c""",
        {
            "both": StallReason.BOTH,
            "time": StallReason.TIME_IN_STAGE,
            "quiet": StallReason.NO_ACTIVITY,
        },
    )
    cursor.execute(f"CREATE INDEX nurture_sweep_new_id ON {T['new']} (id)")
    this = f"{T['new']}.id = {T['opportunity']}.id"
    # Guarded by the stay in stage the sweep saw: a deal moved meanwhile is left alone...
    cursor.execute(
        f"""UPDATE {T["opportunity"]}
        SET stalled_since = (SELECT since FROM {T["new"]} WHERE {this}),
            stall_reason = (SELECT reason FROM {T["new"]} WHERE {this})
        WHERE stalled_since IS NULL AND id IN (SELECT id FROM {T["new"]})
            AND stage_entered_at = (SELECT stage_entered_at FROM {T["new"]} WHERE {this})"""
    )
    # ...and forgotten, so that it gets no stall, alert or enrolment.
    cursor.execute(
        f"""DELETE FROM {T["new"]} WHERE NOT EXISTS (
            SELECT 1 FROM {T["opportunity"]} o
            WHERE o.id = {T["new"]}.id AND o.stalled_since = {T["new"]}.since)"""
    )
    cursor.execute(
        f"""INSERT INTO {T["stall"]} (opportunity_id, reason, started_at)
        SELECT id, reason, since FROM {T["new"]}"""
    )
    return cursor.rowcount


def _notify_owners(cursor, *, now: datetime, link_prefix: str, link_suffix: str) -> None:
    """An in-app notification per new stall (its subject), in the owner's inbox; the owner's
    email goes out from a task. The same rows `apps.notifications.services.notify` writes."""
    reasons = " ".join(
        f"WHEN '{value}' THEN '{label.replace(chr(39), chr(39) * 2)}'"
        for value, label in StallReason.choices
    )
    cursor.execute(
        f"""INSERT INTO {T["notification"]}
            (recipient_id, kind, text, link, subject_type_id, subject_id, created_at)
        SELECT n.owner_id, %(kind)s,
            SUBSTR(n.name || ' has stalled: ' || CASE n.reason {reasons} END || '.', 1, 300),
            %(prefix)s || CAST(n.id AS TEXT) || %(suffix)s, %(stall_type)s, s.id, %(now)s
        FROM {T["new"]} n
        JOIN {T["stall"]} s ON s.opportunity_id = n.id AND s.ended_at IS NULL""",
        {
            "kind": Notification.Kind.STALL,
            "stall_type": ContentType.objects.get_for_model(OpportunityStall).pk,
            "prefix": link_prefix,
            "suffix": link_suffix,
            "now": db_datetime(now),
        },
    )


def _enrol_committees(cursor, *, now: datetime) -> int:
    """Enrol each stalled deal's committee (opted-out, suppressed and archived contacts left
    out) in the active, unarchived sequence that fits: of the deal's journey stage before its
    parent stage, then persona and role, role, generic. The partial unique index turns a second
    active enrolment into nothing."""
    cursor.execute(
        f"""INSERT INTO {T["enrollment"]}
            (sequence_id, contact_id, opportunity_id, stall_id, status, next_step_id,
             waiting_since, due_at, enrolled_at, exit_reason)
        SELECT m.sequence_id, m.contact_id, m.opportunity_id, m.stall_id, 'active',
            (SELECT sp.id FROM {T["step"]} sp WHERE sp.sequence_id = m.sequence_id
             ORDER BY sp.position LIMIT 1),
            %(now)s, %(now)s, %(now)s, ''
        FROM (
            SELECT q.id AS sequence_id, c.id AS contact_id, n.id AS opportunity_id,
                s.id AS stall_id,
                ROW_NUMBER() OVER (
                    PARTITION BY n.id, c.id
                    ORDER BY CASE WHEN q.journey_stage_id = js.id THEN 0 ELSE 1 END,
                        CASE WHEN q.persona_id IS NULL THEN 1 ELSE 0 END,
                        CASE WHEN q.buying_role = '' THEN 1 ELSE 0 END,
                        q.id
                ) AS fit
            FROM {T["new"]} n
            JOIN {T["stall"]} s ON s.opportunity_id = n.id AND s.ended_at IS NULL
            JOIN {T["journey_stage"]} js ON js.id = n.journey_stage_id
            JOIN {T["contact"]} c ON c.account_id = n.account_id AND c.consent <> %(opted_out)s
                AND c.archived_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM {T["suppressed"]} x WHERE x.email = c.email)
            JOIN {T["sequence"]} q ON q.is_active AND q.archived_at IS NULL
                AND (q.journey_stage_id = js.id OR q.journey_stage_id = js.parent_id)
                AND (q.buying_role = '' OR q.buying_role = c.buying_role)
                AND (q.persona_id IS NULL OR q.persona_id = c.persona_id)
            WHERE EXISTS (SELECT 1 FROM {T["step"]} sp WHERE sp.sequence_id = q.id)
        ) m
        WHERE m.fit = 1
        ON CONFLICT DO NOTHING""",
        {"now": db_datetime(now), "opted_out": Contact.Consent.OPTED_OUT},
    )
    return cursor.rowcount
