"""The dispatcher: runs the due steps of enrolments in chunks (see `due_steps_dispatch`)."""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import cache, lru_cache
from smtplib import SMTPException, SMTPRecipientsRefused
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Contact
from apps.core.validators import fold_to_single_line
from apps.engagement.models import Event, EventKind
from apps.notifications.models import Notification
from apps.nurture.business_time import CAP_WINDOW, SendWindow, cap_frees_at
from apps.nurture.calendars import Calendars
from apps.nurture.emails import (
    merge_values,
    sequence_email,
    sequence_mail_connection,
)
from apps.nurture.merge_fields import MergeTemplate
from apps.nurture.models import (
    Enrollment,
    ExitReason,
    Step,
    StepVariant,
    SuppressedAddress,
    Touch,
)
from apps.nurture.services import _ended
from apps.nurture.sweep import db_datetime
from apps.nurture.variants import VariantDraw
from apps.pipeline.models import Opportunity, OpportunityStall, PipelineStage
from apps.users.models import User

logger = logging.getLogger(__name__)

# Buyer signals that end a sequence, read from engagement events after the enrolment began
# (apps.engagement stores them; replies and bounces arrive from the email provider's feed).
EXIT_SIGNALS = {
    EventKind.DEMO_REQUEST.value: ExitReason.DEMO_REQUESTED,
    EventKind.EMAIL_REPLY.value: ExitReason.REPLIED,
    EventKind.EMAIL_BOUNCE.value: ExitReason.BOUNCED,
}
# Kinds of touch that count against a contact's weekly cap: what reaches the person.
CAPPED_KINDS = (Step.Kind.EMAIL, Step.Kind.TASK)
# A step whose email could not leave (mail server down, a timeout) is tried again later, twice
# as late after each failure in a row: 5 minutes, 10, 20, … at most 4 hours.
SEND_RETRY_FIRST = timedelta(minutes=5)
SEND_RETRY_MOST = timedelta(hours=4)
# pg_advisory_xact_lock key that queues the dispatcher's claims.
CLAIM_LOCK_KEY = 7_100_002
_T_TOUCH = Touch._meta.db_table
_T_ENROLLMENT = Enrollment._meta.db_table
# Where each kind of step that ran is counted in a `DispatchResult`.
_RAN = {Step.Kind.EMAIL: "sent", Step.Kind.TASK: "assigned", Step.Kind.WAIT: "waited"}


# -- the dispatcher ---------------------------------------------------------------------------


@dataclass
class DispatchResult:
    sent: int = 0  # emails
    assigned: int = 0  # rep tasks put on a task list
    waited: int = 0  # wait steps passed
    moved: int = 0  # put later: delay not over, quiet hours, holiday, frequency cap
    exited: int = 0
    completed: int = 0
    failed: int = 0  # steps that can never be sent: their enrolments ended, owners told

    def add(self, other: "DispatchResult") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def due_steps_dispatch(
    *, now: datetime | None = None, batch_size: int | None = None, time_budget: float = 50.0
) -> DispatchResult:
    """Run the due steps, batch after batch, until none is due or `time_budget` seconds passed.

    Exactly once: each batch is claimed under `SELECT … FOR UPDATE SKIP LOCKED` and leased to
    this run (`claim`, `claimed_until`), so concurrent runs take disjoint rows. A batch's steps
    then run in chunks (`NURTURE_DISPATCH_CHUNK`), each in a transaction of its own: one
    statement advances the chunk's enrolments (only while this run still holds them) and
    inserts their Touches (unique per enrolment and step), the chunk's emails are sent over the
    run's one mail connection, and the transaction commits. A refused email is taken back out
    of the record before the commit.

    Speed, whatever the disk: two round trips and one wait for the disk a chunk, not a step.
    Messages are written without the email package when plain (`emails.SequenceEmail`).

    The crash window this leaves:
    - the dispatcher's process dies (SIGKILL, lost machine): its open chunk's transaction rolls
      back, so the emails that chunk handed to the mail server before the crash are sent again
      once the lease runs out, with the same Message-IDs, for receivers and providers to drop;
      at most one chunk of emails per crash. Committed chunks are never sent again.
      (tests/nurture/test_real_stack.py kills a worker mid-chunk.)
    - PostgreSQL itself crashes: a committed chunk is on disk; the open one is as above.
    Nothing is lost either way. One commit a step would narrow the window to one email, at one
    disk wait and round trip an email: the dispatcher's rate would then be the disk's.
    """
    result = DispatchResult()
    started = time.monotonic()
    size = batch_size or settings.NURTURE_DISPATCH_BATCH
    mail = _Sender(sequence_mail_connection())
    base = SendWindow.from_settings()
    calendars: dict[int, Calendars] = {}  # by year: the company's holidays read once a run
    passed: set[int] = set()  # steps this run had to leave alone: not claimed again by it
    try:
        while time.monotonic() - started < time_budget:
            at = now or timezone.now()
            token, ids = _claim_due(at=at, size=size, passed=passed)
            if not ids:
                break
            if at.year not in calendars:
                calendars[at.year] = Calendars(base=base, year=at.year)
            # Stop well before the lease runs out, or another run could take rows still ours.
            deadline = min(
                started + time_budget, time.monotonic() + settings.NURTURE_CLAIM_SECONDS * 0.8
            )
            batch = _Batch(token=token, ids=ids, at=at, calendars=calendars[at.year], mail=mail)
            result.add(batch.run(deadline=deadline))
            passed |= batch.passed
    finally:
        mail.close()
    return result


@transaction.atomic
def _claim_due(*, at: datetime, size: int, passed: set[int]) -> tuple[UUID, list[int]]:
    """Lease up to `size` due enrolments to one run, never two runs the same contact at once.

    Claims queue behind one advisory lock (a claim takes milliseconds), so each sees the claims
    committed before it and skips contacts another run holds: with every touch to a contact
    coming from one run at a time, the frequency cap counted when a batch loads stays exact.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK_KEY])
    held_elsewhere = Enrollment.objects.filter(
        contact=OuterRef("contact"), claimed_until__gte=at
    ).exclude(pk=OuterRef("pk"))
    due = (
        Enrollment.objects.select_for_update(skip_locked=True)
        .filter(status=Enrollment.Status.ACTIVE, due_at__lte=at)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=at))
        .exclude(Exists(held_elsewhere))
        .exclude(pk__in=passed)
        .order_by("due_at")
        .values_list("pk", flat=True)[:size]
    )
    token = uuid4()
    ids = list(due)
    if ids:
        lease = timedelta(seconds=settings.NURTURE_CLAIM_SECONDS)
        Enrollment.objects.filter(pk__in=ids).update(claim=token, claimed_until=at + lease)
    return token, ids


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=2048)
def _compiled(text: str) -> MergeTemplate:
    return MergeTemplate.compile(text)


@dataclass(frozen=True)
class _Move:
    due_at: datetime
    holiday_move: str = ""  # the buyer's holidays that put it this late, if any


@dataclass(frozen=True)
class _Exit:
    reason: str


@dataclass(frozen=True)
class _Complete:
    """No step left: the contact went through the whole sequence."""


@dataclass(frozen=True)
class _Failed:
    """The step can never be sent as it stands (a header it cannot carry, a bad address)."""

    why: str
    tell: int | None  # the user to notify


def send_retry_delay(attempts: int) -> timedelta:
    """How long a step waits after its email failed to leave `attempts` times in a row."""
    return min(SEND_RETRY_FIRST * 2 ** min(attempts - 1, 16), SEND_RETRY_MOST)


class _Skip(Exception):
    """Leave the step to whoever holds it now (lease lost, enrolment ended meanwhile)."""


class _Divert(Exception):
    """Settle the step another way after all (refused recipient, a step that cannot be sent)."""

    def __init__(self, outcome: _Exit | _Failed):
        self.outcome = outcome


class _Undeliverable(Exception):
    """The mail backend turned the message down for a reason of its own, not the connection's:
    a header with a line break, an address it cannot encode. Sending it again would not help."""


class _Sender:
    """The run's mail connection: opened for its first email, closed when the run ends (Django's
    SMTP backend would otherwise connect and say goodbye around every single message)."""

    def __init__(self, backend: BaseEmailBackend):
        self.backend = backend
        self.opened = False

    def send(self, message: EmailMessage) -> None:
        if not self.opened:
            self.backend.open()  # a server that is down raises SMTPException or OSError
            self.opened = True
        try:
            self.backend.send_messages([message])
        except (SMTPException, OSError):
            raise
        except Exception as error:
            raise _Undeliverable(str(error)) from error

    def close(self) -> None:
        self.backend.close()


class _Batch:
    """One claimed batch: decide every row with a constant number of queries, then run steps."""

    def __init__(
        self,
        *,
        token: UUID,
        ids: list[int],
        at: datetime,
        calendars: Calendars,
        mail: _Sender,
    ):
        self.token, self.ids, self.at, self.mail = token, ids, at, mail
        self.calendars = calendars
        self.result = DispatchResult()
        self.passed: set[int] = set()
        self.settled: list[tuple[int, _Move | _Exit | _Complete | _Failed]] = []
        self.ledger = _Ledger(token=token, at=at)
        self.chunk_size = settings.NURTURE_DISPATCH_CHUNK
        self.cap = settings.NURTURE_TOUCHES_PER_WEEK

    def run(self, *, deadline: float) -> DispatchResult:
        rows = list(
            Enrollment.objects.filter(pk__in=self.ids, claim=self.token)
            .select_related("contact__account")
            .only(*_ROW_FIELDS)
            .annotate(suppressed_as=Subquery(_suppressed.values("reason")))
        )
        if not rows:
            return self.result
        self._load(rows)
        chunk: list[_Pending] = []
        try:
            for row in rows:
                if time.monotonic() > deadline:
                    break
                outcome = self._decide(row) or self._prepare(row, chunk)
                if outcome is not None:
                    self.settled.append((row.pk, outcome))
                if len(chunk) == self.chunk_size:
                    self._run_chunk(chunk)
                    chunk = []
            self._run_chunk(chunk)
        finally:
            with transaction.atomic():
                self._settle(self.settled)
                # Rows not reached go back to the pool at once, not after the lease.
                Enrollment.objects.filter(pk__in=self.ids, claim=self.token).update(
                    claim=None, claimed_until=None
                )
        return self.result

    def _load(self, rows: list[Enrollment]) -> None:
        """What deciding and composing the batch's steps reads besides the rows themselves,
        each kind in one query: steps, deals and owners are shared by many rows."""
        self.rows = {row.pk: row for row in rows}
        self.steps, self.following = _sequence_steps({row.sequence_id for row in rows})
        self.deals = _deals({row.opportunity_id for row in rows})
        owner_ids = {row.enrolled_by_id for row in rows} | {
            r.contact.account.owner_id for r in rows
        }
        self.users = _users(owner_ids | {deal.owner_id for deal in self.deals.values()})
        self.ended_stalls = _ended_stalls({row.stall_id for row in rows})
        self.draws = _variant_draws({self.steps[r.next_step_id] for r in rows if r.next_step_id})
        contact_ids = {row.contact_id for row in rows}
        self.signals = _exit_signals(contact_ids, since=min(r.enrolled_at for r in rows))
        self.recent = _recent_touches(contact_ids, at=self.at)

    def _decide(self, row: Enrollment) -> _Move | _Exit | _Complete | None:
        """Exit, move later, or run now (None)."""
        step = self.steps.get(row.next_step_id)
        if step is None:
            return _Complete()
        reason = self._exit_reason(row)
        if reason:
            return _Exit(reason)
        tz, window = _zone(row.contact.time_zone), self._window(row.contact)
        since = row.waiting_since or row.enrolled_at

        def plan(window: SendWindow) -> datetime:
            ready = window.after_delay(since, tz, days=step.delay_days, hours=step.delay_hours)
            return window.next_open(max(ready, self.at), tz)

        when = plan(window)
        if when > self.at:
            return _Move(when, window.holiday_move(since=since, due=when, tz=tz, plan=plan))
        if step.kind != Step.Kind.WAIT:
            recent = self.recent[row.contact_id]
            frees = cap_frees_at(recent, cap=self.cap, now=self.at)
            if frees is not None:
                # Held back by the cap after a holiday moved it: the holiday still did.
                return _Move(window.next_open(frees, tz), row.holiday_move)
            recent.append(self.at)
        return None

    def _window(self, contact: Contact) -> SendWindow:
        """The send window with the buyer's holidays: their country's, else their account's."""
        return self.calendars.window(*contact.holiday_place)

    def _exit_reason(self, row: Enrollment) -> str:
        contact = row.contact
        if contact.consent == Contact.Consent.OPTED_OUT:
            return ExitReason.UNSUBSCRIBED
        if row.suppressed_as:
            # Enrolled before the address was suppressed, or through a path that did not look.
            return SuppressedAddress.exit_reason_for(row.suppressed_as)
        for kind, occurred_at in self.signals.get(contact.pk, ()):
            if occurred_at >= row.enrolled_at:
                return EXIT_SIGNALS[kind]
        deal = self.deals.get(row.opportunity_id)
        if deal is not None:
            if deal.stage.outcome == PipelineStage.Outcome.WON:
                return ExitReason.WON
            if deal.stage.outcome == PipelineStage.Outcome.LOST:
                return ExitReason.LOST
            if deal.stage_entered_at > row.enrolled_at:
                return ExitReason.ADVANCED
        if row.stall_id in self.ended_stalls:
            return ExitReason.NO_LONGER_STALLED
        return ""

    def _settle(self, settled: list[tuple[int, _Move | _Exit | _Complete | _Failed]]) -> None:
        """Write the batch's moves, exits and completions: a few statements for the batch.

        Failed steps are rare: each ends its enrolment with its own reason and tells its owner.
        """
        mine = Enrollment.objects.filter(claim=self.token)
        moves = {pk: o for pk, o in settled if isinstance(o, _Move)}
        if moves:
            mine.filter(pk__in=moves).update(
                due_at=Case(*(When(pk=pk, then=Value(o.due_at)) for pk, o in moves.items())),
                holiday_move=Case(
                    *(When(pk=pk, then=Value(o.holiday_move)) for pk, o in moves.items())
                ),
            )
        exits: dict[str, list[int]] = defaultdict(list)
        for pk, outcome in settled:
            if isinstance(outcome, _Exit):
                exits[outcome.reason].append(pk)
        for reason, pks in exits.items():
            mine.filter(pk__in=pks).update(**_ended(reason, self.at))
        completed = [pk for pk, o in settled if isinstance(o, _Complete)]
        if completed:
            mine.filter(pk__in=completed).update(
                status=Enrollment.Status.COMPLETED, ended_at=self.at, due_at=None
            )
        notices = []
        for pk, outcome in settled:
            if not isinstance(outcome, _Failed):
                continue
            ended = _ended(ExitReason.FAILED, self.at) | {"failure": outcome.why[:300]}
            if not mine.filter(pk=pk).update(**ended):
                continue
            self.result.failed += 1
            if outcome.tell is not None:
                notices.append(self._failure_notice(pk, outcome))
        Notification.objects.bulk_create(notices)
        self.result.moved += len(moves)
        self.result.exited += sum(map(len, exits.values()))
        self.result.completed += len(completed)

    def _failure_notice(self, pk: int, failed: _Failed) -> Notification:
        row = self.rows[pk]
        step = self.steps[row.next_step_id]
        return Notification(
            recipient_id=failed.tell,
            kind=Notification.Kind.STEP_FAILED,
            text=(
                f"{step.sequence}: step {step.position} could not be sent to {row.contact}, "
                f"who left the sequence. {failed.why}"
            )[:300],
            link=reverse("nurture:contact_timeline", args=[row.contact_id]),
            subject_type=ContentType.objects.get_for_model(Enrollment),
            subject_id=pk,
            created_at=self.at,
        )

    def _prepare(self, row: Enrollment, chunk: list["_Pending"]) -> _Failed | None:
        """Compose the row's step and add it to the chunk; a step that cannot be composed fails."""
        step, contact = self.steps[row.next_step_id], row.contact
        deal = self.deals.get(row.opportunity_id)
        owner = self.users.get(
            (deal.owner_id if deal else None) or contact.account.owner_id or row.enrolled_by_id
        )
        try:
            variant = self._variant(row)
            subject, message = self._compose(row, step, deal, owner, variant)
        except Exception as error:
            # Whatever merging or building the email trips over is in the stored data: it
            # would trip again on every run, and must not hold up the steps behind it.
            return self._failure(step, row, owner, error)
        following = self.following.get(step.pk)
        due, holiday_move = self._next_due(contact, following)
        assignee = owner.pk if owner and step.kind == Step.Kind.TASK else None
        record = _StepRecord(
            enrollment=row.pk,
            step=step.pk,
            kind=step.kind,
            variant=variant.pk if variant else None,
            subject=subject[:200],
            assignee=assignee,
            moved=row.holiday_move,
            next_step=following.pk if following else None,
            due=due,
            holiday_move=holiday_move[:300],
        )
        chunk.append(_Pending(row=row, owner=owner, record=record, message=message))
        return None

    def _next_due(self, contact: Contact, following: Step | None) -> tuple[datetime | None, str]:
        """When the step after the one running now falls due, and the holidays that moved it."""
        if following is None:
            return None, ""
        tz, window = _zone(contact.time_zone), self._window(contact)

        def plan(window: SendWindow) -> datetime:
            return window.after_delay(
                self.at, tz, days=following.delay_days, hours=following.delay_hours
            )

        due = plan(window)
        return due, window.holiday_move(since=self.at, due=due, tz=tz, plan=plan)

    def _run_chunk(self, chunk: list["_Pending"]) -> None:
        """Record the chunk's steps, send their emails, commit: one transaction, two round trips.

        A step whose email is refused is taken back out of the record before the commit and
        settled another way; when the mail server is down, the steps not sent yet are taken back
        and the run stops after committing the ones that left.
        """
        if not chunk:
            return
        ran: list[_Pending] = []
        down: Exception | None = None
        with transaction.atomic():
            recorded = self.ledger.record([item.record for item in chunk])
            take_back: list[_Pending] = [i for i in chunk if recorded.get(i.row.pk) is False]
            for position, item in enumerate(chunk):
                if not recorded.get(item.row.pk):
                    self.passed.add(item.row.pk)
                    continue
                try:
                    if item.message is not None:
                        self.mail.send(item.message)
                except SMTPRecipientsRefused as refused:
                    logger.info(
                        "Nurture email to contact %s bounced: %s", item.row.contact_id, refused
                    )
                    take_back.append(item)
                    self.settled.append((item.row.pk, _Exit(ExitReason.BOUNCED)))
                except _Undeliverable as error:
                    take_back.append(item)
                    failure = self._failure(
                        self.steps[item.record.step], item.row, item.owner, error
                    )
                    self.settled.append((item.row.pk, failure))
                except (SMTPException, OSError) as error:
                    down = error
                    take_back += [i for i in chunk[position:] if recorded.get(i.row.pk)]
                    break
                else:
                    ran.append(item)
            self.ledger.take_back(
                [item.row for item in take_back],
                ours={pk for pk, touched in recorded.items() if touched},
            )
            if down is not None:
                # The mail server is down or slow: this step waits longer each time.
                row = chunk[position].row
                Enrollment.objects.filter(pk=row.pk, claim=self.token).update(
                    due_at=self.at + send_retry_delay(row.send_attempts + 1),
                    send_attempts=row.send_attempts + 1,
                    claim=None,
                    claimed_until=None,
                )
        for item in ran:
            kind = item.record.kind
            setattr(self.result, _RAN[kind], getattr(self.result, _RAN[kind]) + 1)
            if item.record.next_step is None:
                self.result.completed += 1
        if down is not None:
            raise down

    def _variant(self, row: Enrollment) -> StepVariant | None:
        """The A/B variant this enrolment gets at its step; None for a step without variants."""
        draw = self.draws.get(row.next_step_id)
        return draw.pick(enrollment_id=row.pk, step_id=row.next_step_id) if draw else None

    def _compose(
        self,
        row: Enrollment,
        step: Step,
        deal: Opportunity | None,
        owner: User | None,
        variant: StepVariant | None,
    ) -> tuple[str, EmailMessage | None]:
        """The step's subject (or task title) and, for an email step, its message; from the
        enrolment's A/B variant when the step has variants."""
        contact = row.contact
        text = variant or step
        values = merge_values(contact=contact, opportunity=deal, owner=owner, asset=step.asset)
        # A merged value stored before names had to be single-line must not break the header.
        subject = fold_to_single_line(_compiled(text.subject).render(values))
        if step.kind != Step.Kind.EMAIL:
            return subject, None
        tracked = not contact.declines_tracking
        return subject, sequence_email(
            enrollment_id=row.pk,
            step_id=step.pk,
            contact=contact,
            subject=subject,
            body=_compiled(text.body),
            values=values,
            reply_to=owner.email if owner else "",
            track_opens=tracked and step.sequence.track_opens,
            track_clicks=tracked and step.sequence.track_clicks,
        )

    def _failure(
        self, step: Step, row: Enrollment, owner: User | None, error: Exception
    ) -> _Failed:
        logger.warning("Nurture step %s failed for enrolment %s: %r", step.pk, row.pk, error)
        why = f"Step {step.position} ({step.get_kind_display().lower()}): {error}"
        return _Failed(why=why, tell=owner.pk if owner else None)


@dataclass(frozen=True)
class _StepRecord:
    """What the ledger writes for a step that runs: the enrolment advanced, and its Touch."""

    enrollment: int
    step: int
    kind: str
    variant: int | None  # the A/B variant sent, if the step has variants
    subject: str
    assignee: int | None
    moved: str  # the Touch's note: the holidays that put this step later, if any
    next_step: int | None  # None: the step was the last, the enrolment completes
    due: datetime | None
    holiday_move: str  # the buyer's holidays that put `due` later, if any


@dataclass(frozen=True)
class _Pending:
    row: Enrollment
    owner: User | None
    record: _StepRecord
    message: EmailMessage | None


class _Ledger:
    """Writes a chunk's step records in the chunk's transaction, before its emails leave.

    A record advances the enrolment only while this run still holds it and inserts the Touch
    (unique per enrolment and step); a row where either cannot happen is left alone. On
    PostgreSQL the whole chunk is one statement.
    """

    def __init__(self, *, token: UUID, at: datetime):
        self.params = {"claim": _uuid(token), "at": db_datetime(at)}
        self.postgres = connection.vendor == "postgresql"

    def record(self, records: list[_StepRecord]) -> dict[int, bool]:
        """For each enrolment advanced: whether its Touch was inserted (False: one existed)."""
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(_RECORD_CHUNK, self.params | _columns(records))
                return dict(cursor.fetchall())
            # SQLite has no data-modifying WITH: two statements a step.
            recorded = {}
            for record in records:
                params = self.params | _row(record)
                cursor.execute(_ADVANCE, params)
                if cursor.rowcount == 1:
                    cursor.execute(_TOUCH, params)
                    recorded[record.enrollment] = cursor.rowcount == 1
            return recorded

    def take_back(self, rows: list[Enrollment], *, ours: set[int]) -> None:
        """Undo these rows' records in the open transaction: as they were, still claimed.

        `ours`: the rows whose Touch this chunk inserted (not one that was there before)."""
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {_T_TOUCH} WHERE enrollment_id = %s AND step_id = %s",
                [(row.pk, row.next_step_id) for row in rows if row.pk in ours],
            )
            cursor.executemany(
                f"""UPDATE {_T_ENROLLMENT} SET next_step_id = %s, waiting_since = %s,
                    due_at = %s, holiday_move = %s, status = 'active', ended_at = NULL,
                    claim = %s, claimed_until = %s
                WHERE id = %s""",
                [
                    (
                        row.next_step_id,
                        db_datetime(row.waiting_since),
                        db_datetime(row.due_at),
                        row.holiday_move,
                        self.params["claim"],
                        db_datetime(row.claimed_until),
                        row.pk,
                    )
                    for row in rows
                ],
            )


def _row(record: _StepRecord) -> dict[str, Any]:
    return {
        "id": record.enrollment,
        "step": record.step,
        "kind": record.kind,
        "variant": record.variant,
        "subject": record.subject,
        "assignee": record.assignee,
        "moved": record.moved,
        "next_step": record.next_step,
        "due": db_datetime(record.due),
        "holiday_move": record.holiday_move,
        "status": "active" if record.next_step else "completed",
    }


def _columns(records: list[_StepRecord]) -> dict[str, list]:
    rows = [_row(record) for record in records]
    return {name: [row[name] for row in rows] for name in rows[0]}


_ADVANCE = f"""UPDATE {_T_ENROLLMENT}
    SET next_step_id = %(next_step)s, waiting_since = %(at)s, due_at = %(due)s,
        holiday_move = %(holiday_move)s, status = %(status)s,
        ended_at = CASE WHEN %(status)s = 'completed' THEN %(at)s END,
        send_attempts = 0, claim = NULL, claimed_until = NULL
    WHERE id = %(id)s AND claim = %(claim)s AND status = 'active' AND next_step_id = %(step)s"""
_TOUCH = f"""INSERT INTO {_T_TOUCH}
        (enrollment_id, step_id, variant_id, kind, subject, sent_at, assignee_id, holiday_move)
    VALUES (%(id)s, %(step)s, %(variant)s, %(kind)s, %(subject)s, %(at)s, %(assignee)s,
        %(moved)s)
    ON CONFLICT DO NOTHING"""
_RECORD_CHUNK = f"""
WITH chunk AS (
    SELECT * FROM unnest(
        %(id)s::bigint[], %(step)s::bigint[], %(kind)s::text[], %(variant)s::bigint[],
        %(subject)s::text[], %(assignee)s::bigint[], %(moved)s::text[], %(next_step)s::bigint[],
        %(due)s::timestamptz[], %(holiday_move)s::text[], %(status)s::text[]
    ) AS c (
        id, step, kind, variant, subject, assignee, moved, next_step, due, holiday_move, status
    )
), advanced AS (
    UPDATE {_T_ENROLLMENT} e
    SET next_step_id = c.next_step, waiting_since = %(at)s, due_at = c.due,
        holiday_move = c.holiday_move, status = c.status,
        ended_at = CASE WHEN c.status = 'completed' THEN %(at)s::timestamptz END,
        send_attempts = 0, claim = NULL, claimed_until = NULL
    FROM chunk c
    WHERE e.id = c.id AND e.claim = %(claim)s AND e.status = 'active' AND e.next_step_id = c.step
    RETURNING e.id
), touched AS (
    INSERT INTO {_T_TOUCH}
        (enrollment_id, step_id, variant_id, kind, subject, sent_at, assignee_id, holiday_move)
    SELECT c.id, c.step, c.variant, c.kind, c.subject, %(at)s, c.assignee, c.moved
    FROM chunk c JOIN advanced a ON a.id = c.id
    ON CONFLICT DO NOTHING
    RETURNING enrollment_id
)
SELECT a.id, t.enrollment_id IS NOT NULL FROM advanced a
LEFT JOIN touched t ON t.enrollment_id = a.id"""


def _uuid(value: UUID) -> UUID | str:
    """A UUID as the backend stores it: native in PostgreSQL, 32 hex digits in SQLite."""
    return value if connection.vendor == "postgresql" else value.hex


# What a batch reads of each enrolment, its contact and the contact's account.
_ROW_FIELDS = (
    "sequence",
    "contact",
    "opportunity",
    "stall",
    "enrolled_by",
    "next_step",
    "waiting_since",
    "due_at",
    "holiday_move",
    "enrolled_at",
    "send_attempts",
    "claimed_until",
    *(
        f"contact__{name}"
        for name in (
            "first_name",
            "last_name",
            "title",
            "email",
            "consent",
            "declines_tracking",
            "time_zone",
            "country",
            "subdivision",
        )
    ),
    *(f"contact__account__{name}" for name in ("name", "owner", "country", "subdivision")),
)


# Why an enrolment's address is suppressed, if it is (the rows' `suppressed_as`).
_suppressed = SuppressedAddress.objects.filter(email=OuterRef("contact__email")).order_by()


def _sequence_steps(sequence_ids: set[int]) -> tuple[dict[int, Step], dict[int, Step | None]]:
    """The steps of these sequences (with their sequence and asset) by id, and for each the one
    after it (None after the last)."""
    steps = Step.objects.filter(sequence_id__in=sequence_ids).select_related("sequence", "asset")
    by_id: dict[int, Step] = {}
    following: dict[int, Step | None] = {}
    previous: Step | None = None
    for step in steps.order_by("sequence", "position"):
        by_id[step.pk] = step
        if previous is not None:
            following[previous.pk] = step if step.sequence_id == previous.sequence_id else None
        previous = step
    if previous is not None:
        following[previous.pk] = None
    return by_id, following


# Each of these reads nothing from the database when it is given no ids (a None id is none).


def _deals(ids: set[int | None]) -> dict[int, Opportunity]:
    deals = Opportunity.objects.select_related("stage").only(
        "name", "owner", "stage_entered_at", "stage__outcome"
    )
    return deals.in_bulk(ids - {None})


def _users(ids: set[int | None]) -> dict[int, User]:
    """The owners who sign and answer the batch's emails and get its tasks."""
    return User.objects.only("email", "first_name", "last_name").in_bulk(ids - {None})


def _ended_stalls(ids: set[int | None]) -> set[int]:
    """Which of these deal stalls are over (the deal moved or heard from its buyers again)."""
    ended = OpportunityStall.objects.filter(pk__in=ids - {None}, ended_at__isnull=False)
    return set(ended.values_list("pk", flat=True))


def _variant_draws(steps: set[Step]) -> dict[int, VariantDraw]:
    """For each of these steps that has A/B variants, what to choose from: one query."""
    variants: dict[int, list[StepVariant]] = defaultdict(list)
    for variant in StepVariant.objects.filter(step__in=steps):
        variants[variant.step_id].append(variant)
    winners = {step.pk: step.winner_id for step in steps}
    return {pk: VariantDraw.of(found, winner_id=winners[pk]) for pk, found in variants.items()}


def _exit_signals(contact_ids: set[int], *, since: datetime) -> dict[int, list[tuple[str, Any]]]:
    """Each contact's exit signals since `since`, oldest first: (event kind, when)."""
    signals: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    events = Event.objects.filter(
        contact_id__in=contact_ids, kind__in=EXIT_SIGNALS, occurred_at__gte=since
    ).values_list("contact_id", "kind", "occurred_at")
    for contact_id, kind, occurred_at in events.order_by("occurred_at"):
        signals[contact_id].append((kind, occurred_at))
    return signals


def _recent_touches(contact_ids: set[int], *, at: datetime) -> dict[int, list[datetime]]:
    recent: dict[int, list[datetime]] = defaultdict(list)
    touches = Touch.objects.filter(
        enrollment__contact_id__in=contact_ids, kind__in=CAPPED_KINDS, sent_at__gt=at - CAP_WINDOW
    ).order_by()
    for contact_id, sent_at in touches.values_list("enrollment__contact_id", "sent_at"):
        recent[contact_id].append(sent_at)
    return recent
