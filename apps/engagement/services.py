import io
import json
import logging
import secrets
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import islice
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.services import contacts_buying_cycle_start
from apps.core.audit import acting_user
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.mentions import Mentions, url_without_query
from apps.core.run_locks import redelivered_run_lock, stranded_runs_send_again
from apps.core.services import model_create, model_update
from apps.engagement import backtest, ingestion, scoring, selectors, webhooks
from apps.engagement.models import (
    AccountScoreSnapshot,
    Backtest,
    Calibration,
    Event,
    Handoff,
    InferredStageChange,
    RecomputeRequest,
    RuleSet,
    ScoringSettings,
    SignalRule,
    WebhookDelivery,
    WebhookSource,
)
from apps.engagement.selectors import (
    handoff_decidable_by,
    handoff_reassignable_by,
    scoring_model,
    scoring_settings,
)
from apps.engagement.tasks import (
    recompute_all_scores,
    recompute_pending_scores,
    run_backtest,
    run_calibration,
)
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.users.models import User
from apps.users.selectors import user_sells

if TYPE_CHECKING:  # the module imports scikit-learn: only a worker's calibration loads it
    from apps.engagement.calibration import CalibrationResult, History, RuleProposal

logger = logging.getLogger(__name__)
# The advisory locks a worker holds while it runs one (apps/core/run_locks.py).
BACKTEST_LOCK = "engagement.backtest"
CALIBRATION_LOCK = "engagement.calibration"

SIGNAL_RULE_FIELDS = [
    "kind",
    "url_pattern",
    "property_name",
    "property_value",
    "journey_stage",
    "weight",
    "half_life_days",
    "cap",
    "repeat_count",
    "repeat_window_days",
    "is_active",
]
SCORING_SETTINGS_FIELDS = [
    f.name
    for f in ScoringSettings._meta.get_fields()
    if f.concrete and f.editable and not f.primary_key
] + ["target_personas"]
WEBHOOK_SOURCE_FIELDS = ["name", "source", "tolerance_seconds", "is_active"]
# A delivery to a name that is no active source is judged by a new source's tolerance.
UNKNOWN_SOURCE_TOLERANCE = WebhookSource._meta.get_field("tolerance_seconds").default
# The longest horizon a backtest looks ahead.
BACKTEST_MAX_HORIZON_DAYS = 730
# A calibration scores buyers at this many moments of its history.
CALIBRATION_MIN_CUTOFFS, CALIBRATION_MAX_CUTOFFS = 2, 24
# Accounts per incremental recompute transaction.
RECOMPUTE_BATCH = 500
SNAPSHOT_DAYS_KEPT = 90
NDJSON = "application/x-ndjson"


# -- rules and settings -------------------------------------------------------------------------
# Every change of the live rules (or of the stage threshold) stores a new rule set version in
# the same transaction: nothing changes scores silently (see "rule set versions" below).


@transaction.atomic
def signal_rule_create(*, data: dict) -> SignalRule:
    rule = model_create(model=SignalRule, data=data)
    _rules_changed(summary=f"Rule added: {rule} (weight {rule.weight})")
    return rule


@transaction.atomic
def signal_rule_update(*, rule: SignalRule, data: dict) -> SignalRule:
    before = scoring.rule_snapshot(rule)
    rule, changed = model_update(instance=rule, fields=SIGNAL_RULE_FIELDS, data=data)
    if changed:
        moves = _moves(before, scoring.rule_snapshot(rule))
        _rules_changed(summary=f"Rule changed: {rule}: {moves}")
    return rule


@transaction.atomic
def signal_rule_delete(*, rule: SignalRule) -> None:
    """Remove a rule; stage changes it explained keep its description in their evidence."""
    summary = f"Rule removed: {rule}"
    rule.delete()
    _rules_changed(summary=summary)


@transaction.atomic
def scoring_settings_update(*, data: dict) -> ScoringSettings:
    settings, _ = ScoringSettings.objects.get_or_create(pk=ScoringSettings.SINGLETON_ID)
    threshold = settings.stage_threshold
    settings = model_update(instance=settings, fields=SCORING_SETTINGS_FIELDS, data=data)[0]
    if settings.stage_threshold != threshold:
        _rules_changed(summary=f"Stage threshold {threshold} → {settings.stage_threshold}")
    return settings


# -- rule set versions -------------------------------------------------------------------------

# The summaries of the single rule changes of a larger change (a reset, the starter kit, an
# approval) while it runs: they store no version of their own; the whole change stores one.
_larger_change: ContextVar[list[str] | None] = ContextVar("rule_set_change", default=None)
RULE_FIELD_NAMES = {"half_life_days": "half-life", "journey_stage": "stage", "is_active": "active"}


def _moves(old: dict, new: dict) -> str:
    """ "weight 5.0 → 8.0, half-life 30 → 20": what moved between two rule snapshots."""
    return ", ".join(
        f"{RULE_FIELD_NAMES.get(name, name.replace('_', ' '))} {old[name]} → {new[name]}"
        for name in new
        if name not in ("id", "label") and old[name] != new[name]
    )


def _by(summary: str, user: User | None) -> str:
    return f"{summary} (by {user})" if user else summary


def _live_rules() -> tuple[list[dict], Decimal]:
    """The live rules as a rule set stores them, and the stage threshold."""
    rules = [scoring.rule_snapshot(rule) for rule in SignalRule.objects.order_by("pk")]
    return rules, scoring_settings().stage_threshold


def _holds_live_rules(rule_set: RuleSet) -> bool:
    rules, threshold = _live_rules()
    return rule_set.rules == rules and rule_set.stage_threshold == threshold


def _take_turn() -> None:
    """Changes of the rule sets take turns: the settings row is the lock (when it exists)."""
    list(ScoringSettings.objects.select_for_update().filter(pk=ScoringSettings.SINGLETON_ID))


def _next_version() -> int:
    return (RuleSet.objects.aggregate(last=Max("version"))["last"] or 0) + 1


def _activate(rule_set: RuleSet, *, at: datetime) -> None:
    RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).exclude(pk=rule_set.pk).update(
        status=RuleSet.Status.SUPERSEDED, updated_at=at
    )
    rule_set.status, rule_set.activated_at = RuleSet.Status.ACTIVE, at
    rule_set.save()


def rule_set_record(*, origin: str, summary: str, user: User | None = None) -> RuleSet | None:
    """Store the live rules and threshold as the new active version (the one before is
    superseded), in the caller's transaction; nothing when the active version holds them
    already. Returns the active version (None if there are no rules and no version yet)."""
    _take_turn()
    active = selectors.rule_set_active()
    if active is not None and _holds_live_rules(active):
        return active
    rules, threshold = _live_rules()
    if active is None and not rules:
        return None
    now = timezone.now()
    rule_set = RuleSet(
        version=_next_version(),
        origin=origin,
        summary=_by(summary, user),
        rules=rules,
        stage_threshold=threshold,
        based_on=active,
        decided_by=user,
        decided_at=now,
    )
    _activate(rule_set, at=now)
    return rule_set


def _rules_changed(*, summary: str) -> None:
    """One change of the live rules: a version of its own, unless part of a larger change."""
    larger = _larger_change.get()
    if larger is not None:
        larger.append(summary)
    else:
        rule_set_record(origin=RuleSet.Origin.EDITED, summary=summary, user=acting_user())


def signal_rules_changed_with(*, summary: str, user: User | None) -> None:
    """Live rules changed by a change elsewhere (a journey stage deleted with its rules, a
    published journey's stages taking over theirs): a version like any rule change."""
    larger = _larger_change.get()
    if larger is not None:
        larger.append(summary)
    else:
        rule_set_record(origin=RuleSet.Origin.EDITED, summary=summary, user=user or acting_user())


@contextmanager
def _one_change() -> Iterator[list[str]]:
    """Collects the summaries of the rule changes made inside, which store no version."""
    changes: list[str] = []
    token = _larger_change.set(changes)
    try:
        yield changes
    finally:
        _larger_change.reset(token)


@contextmanager
def rule_changes(*, origin: str, summary: str, user: User | None = None) -> Iterator[None]:
    """The rule and threshold changes inside make one version, stored at the end if anything
    changed (run it in a transaction): a reset to the template, the starter kit."""
    with _one_change() as changes:
        yield
    if changes:
        rule_set_record(origin=origin, summary=summary, user=user or acting_user())


def _to_decimal(value: float, *, least: str = "0") -> Decimal:
    return max(Decimal(str(value)).quantize(Decimal("0.01")), Decimal(least))


def _proposed(rule: dict, proposal: "RuleProposal") -> dict:
    """A live rule's snapshot with a proposal's numbers, rounded as the rule's fields store
    them: approving it gives exactly these numbers, so its scores reproduce."""
    half_life = SignalRule._meta.get_field("half_life_days")
    longest = max(v.limit_value for v in half_life.validators if isinstance(v, MaxValueValidator))
    return rule | {
        "weight": float(_to_decimal(proposal.new_weight)),
        "half_life_days": min(max(round(proposal.new_half_life_days), 1), longest),
        "cap": None if proposal.new_cap is None else float(_to_decimal(proposal.new_cap)),
    }


class _FiguresEncoder(DjangoJSONEncoder):
    """Times as ISO text, NumPy numbers (from the fitting) as plain ones."""

    def default(self, o: Any) -> Any:
        return o.item() if hasattr(o, "item") else super().default(o)


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=_FiguresEncoder))


@transaction.atomic
def rule_set_propose(
    *, result: "CalibrationResult", user: User | None = None, history: "History | None" = None
) -> RuleSet:
    """A calibration's result as a proposed version: the live rules with its weights,
    half-lives and caps, and its stage threshold. Changes nothing live until approved."""
    based_on = rule_set_record(
        origin=RuleSet.Origin.IN_PLACE if not RuleSet.objects.exists() else RuleSet.Origin.EDITED,
        summary="The rules as they stood when a calibration proposed changes",
    )
    rules, _ = _live_rules()
    proposals = {proposal.rule_id: proposal for proposal in result.rules}
    gone = proposals.keys() - {rule["id"] for rule in rules}
    if gone:
        raise ApplicationError(
            "The signal rules changed while the calibration ran (a rule it weighed is gone): "
            "run it again.",
            fields={"rules": [f"No live rule {pk}." for pk in sorted(gone)]},
        )
    proposed = [_proposed(r, proposals[r["id"]]) if r["id"] in proposals else r for r in rules]
    threshold = _to_decimal(result.new_threshold, least="0.01")
    moved = sum(old != new for old, new in zip(rules, proposed, strict=True))
    summary = f"Calibration proposes new numbers for {moved} of {len(rules)} rules"
    if based_on is not None and threshold != based_on.stage_threshold:
        summary += f" and stage threshold {based_on.stage_threshold} → {threshold}"
    evidence = {
        "rules": {
            str(p.rule_id): {
                "lift": p.lift,
                "lift_low": p.lift_low,
                "lift_high": p.lift_high,
                "events": p.events,
                "reason": p.reason,
            }
            for p in result.rules
        },
        "threshold_reason": result.threshold_reason,
        "metrics": result.metrics,
        "history": asdict(history) if history else None,
    }
    return RuleSet.objects.create(
        version=_next_version(),
        status=RuleSet.Status.PROPOSED,
        origin=RuleSet.Origin.CALIBRATION,
        summary=_by(summary, user),
        rules=proposed,
        stage_threshold=threshold,
        based_on=based_on,
        evidence=_json_safe(evidence),
        proposed_by=user,
    )


def _proposal(rule_set: RuleSet) -> RuleSet:
    locked = (
        RuleSet.objects.select_for_update(of=("self",))
        .select_related("based_on")
        .get(pk=rule_set.pk)
    )
    if locked.status != RuleSet.Status.PROPOSED:
        raise ApplicationError(
            f"Version {locked.version} is {locked.get_status_display().lower()}, not a proposal "
            "waiting for a decision.",
            fields={"status": ["Only a proposed rule set can be approved or declined."]},
        )
    return locked


@transaction.atomic
def rule_set_approve(*, rule_set: RuleSet, user: User | None) -> RuleSet:
    """Make a proposal the live rules: its numbers go onto the signal rules and the stage
    threshold, it becomes the active version (the one before superseded) and every buyer is
    rescored after commit. Refused when the live rules changed since it was made."""
    _take_turn()
    proposal = _proposal(rule_set)
    based_on = proposal.based_on
    if (
        based_on is None
        or based_on.status != RuleSet.Status.ACTIVE
        or not (_holds_live_rules(based_on))
    ):
        active = selectors.rule_set_active()
        raise ApplicationError(
            f"The signal rules changed since this proposal was made from version "
            f"{based_on.version if based_on else '?'} (now version "
            f"{active.version if active else '?'}): approving it would undo those changes. "
            "Run a new calibration to propose from the rules as they are now.",
            fields={"based_on": ["The live rules changed since this version."]},
        )
    live = SignalRule.objects.in_bulk([rule["id"] for rule in proposal.rules])
    with _one_change():
        for rule in proposal.rules:
            signal_rule_update(
                rule=live[rule["id"]],
                data={
                    "weight": _to_decimal(rule["weight"]),
                    "half_life_days": rule["half_life_days"],
                    "cap": None if rule["cap"] is None else _to_decimal(rule["cap"]),
                },
            )
        scoring_settings_update(data={"stage_threshold": proposal.stage_threshold})
    now = timezone.now()
    proposal.decided_by, proposal.decided_at = user, now
    _activate(proposal, at=now)
    transaction.on_commit(recompute_all_scores.delay)
    return proposal


@transaction.atomic
def rule_set_decline(*, rule_set: RuleSet, user: User | None, reason: str) -> RuleSet:
    """Turn a proposal down, saying why; the live rules stay as they are."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(
            "Say why the proposal is declined, so the next calibration can be judged against it.",
            fields={"reason": ["Required when declining."]},
        )
    proposal = _proposal(rule_set)
    return model_update(
        instance=proposal,
        fields=["status", "decided_by", "decided_at", "decline_reason"],
        data={
            "status": RuleSet.Status.DECLINED,
            "decided_by": user,
            "decided_at": timezone.now(),
            "decline_reason": reason,
        },
    )[0]


# -- intake ------------------------------------------------------------------------------------


@transaction.atomic
def events_ingest(
    *,
    items: Iterable[tuple[int, Any]],
    source: str | None = None,
    at: datetime | None = None,
) -> ingestion.IngestReport:
    """Store a batch of events (see `ingestion`); the touched accounts get rescored after commit.

    All or nothing: an oversize batch raises `OversizePayload` and keeps nothing.
    """
    report = ingestion.ingest(items=items, source=source, at=at or timezone.now())
    if report.accepted:
        transaction.on_commit(recompute_pending_scores.delay)
    return report


def accounts_rescore_later(*, account_ids: Iterable[int], at: datetime | None = None) -> int:
    """Queue these accounts for the incremental recompute (after the caller's commit), as new
    signals do: one waiting row per account however often asked. Returns how many."""
    at = at or timezone.now()
    pending = iter(sorted(set(account_ids)))
    queued = 0
    # A thousand model objects at a time: an import touching every account stays small.
    while batch := list(islice(pending, 1_000)):
        RecomputeRequest.objects.bulk_create(
            [RecomputeRequest(account_id=pk, requested_at=at) for pk in batch],
            update_conflicts=True,
            unique_fields=["account"],
            update_fields=["requested_at"],
        )
        queued += len(batch)
    if queued:
        transaction.on_commit(recompute_pending_scores.delay)
    return queued


def parse_items(*, stream, content_type: str):
    """The items of a body: NDJSON streamed line by line, anything else read as a JSON array."""
    if content_type.split(";")[0].strip().lower() in (NDJSON, "application/jsonl"):
        return ingestion.ndjson_items(stream, limit=ingestion.MAX_BODY_BYTES)
    return ingestion.json_array_items(stream)


@transaction.atomic
def webhook_receive(
    *,
    name: str,
    signature_header: str,
    body: bytes,
    content_type: str,
    at: datetime | None = None,
) -> ingestion.IngestReport:
    """A signed delivery from a webhook source: checked, remembered (so it cannot be replayed)
    and stored with the source's own `source`. Raises `SignatureRejected` or `DeliveryReplayed`;
    neither stores anything.

    A name that is no active source is checked against a secret nobody has, so it fails as a
    wrong signature does: the answer does not tell which sources exist.
    """
    at = at or timezone.now()
    source = WebhookSource.objects.filter(name=name, is_active=True).first()
    signed_at, signature = webhooks.verify(
        header=signature_header,
        secret=source.secret if source else secrets.token_hex(32),
        body=body,
        now=at,
        tolerance_seconds=source.tolerance_seconds if source else UNKNOWN_SOURCE_TOLERANCE,
    )
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                webhook_source=source, signature=signature, signed_at=signed_at, received_at=at
            )
    except IntegrityError as error:
        raise webhooks.DeliveryReplayed("This delivery was received before.") from error
    items = parse_items(stream=io.BytesIO(body), content_type=content_type)
    return events_ingest(items=items, source=source.source, at=at)


@transaction.atomic
def webhook_source_create(*, data: dict) -> WebhookSource:
    """A new webhook source with a fresh secret to share with the sender."""
    return model_create(model=WebhookSource, data={**data, "secret": secrets.token_hex(32)})


@transaction.atomic
def webhook_source_update(*, source: WebhookSource, data: dict) -> WebhookSource:
    return model_update(instance=source, fields=WEBHOOK_SOURCE_FIELDS, data=data)[0]


@transaction.atomic
def webhook_source_rotate_secret(*, source: WebhookSource) -> WebhookSource:
    return model_update(instance=source, fields=["secret"], data={"secret": secrets.token_hex(32)})[
        0
    ]


# -- scores ------------------------------------------------------------------------------------


def as_of_moment(*, as_of: date | datetime, now: datetime | None = None) -> datetime:
    """The moment a replay of history stands at: a date means the end of that day (its events
    count); a time must not lie in the future, whose events nobody has seen."""
    if not isinstance(as_of, datetime):
        midnight = datetime.combine(as_of + timedelta(days=1), time.min)
        as_of = timezone.make_aware(midnight) - timedelta(microseconds=1)
    elif timezone.is_naive(as_of):
        as_of = timezone.make_aware(as_of)
    if as_of > (now or timezone.now()):
        raise ApplicationError(
            "The as-of time lies in the future; pick a moment that has passed.",
            fields={"as_of": ["Must not be in the future."]},
        )
    return as_of


@transaction.atomic
def scores_recompute(
    *,
    account_ids: Sequence[int] | None = None,
    part: int = 0,
    parts: int = 1,
    after: int | None = None,
    through: int | None = None,
    at: datetime | None = None,
    known_then: bool = False,
    rule_set: int | None = None,
) -> scoring.RecomputeResult:
    """Scores, stages, stage changes and handoffs for these accounts; with none named, for
    every account, or for one slice of a full run (`selectors.score_slices`).

    With `at` in the past it replays history: the events that had occurred by then, decayed to
    then (and, with `known_then`, only those Waymark had received by then), with the handoffs
    raised by then, under the rule set version in force then; the stage changes and handoffs
    it writes are dated `at`. `rule_set` (a version number) recomputes with that version's
    rules instead of the live ones. Every score and change records its version."""
    stored = None if rule_set is None else _applied_rule_set(rule_set)
    model = selectors.recompute_model(rule_set=stored, at=at)
    ids = None if account_ids is None else tuple(account_ids)
    scope = scoring.Scope(account_ids=ids, part=part, parts=parts, after=after, through=through)
    return scoring.recompute(
        model=model, at=at or timezone.now(), scope=scope, known_then=known_then
    )


def _applied_rule_set(version: int) -> RuleSet:
    """A version scores may be recomputed with: one that was in force at some time."""
    rule_set = RuleSet.objects.filter(version=version).first()
    if rule_set is None:
        raise ApplicationError(
            f"There is no rule set version {version}.", fields={"rule_set": ["No such version."]}
        )
    if rule_set.activated_at is None:
        raise ApplicationError(
            f"Version {version} was never approved, so no score was computed with it: "
            "backtest it instead.",
            fields={"rule_set": ["Only an active or superseded version."]},
        )
    return rule_set


def scores_recompute_pending(*, batch_size: int = RECOMPUTE_BATCH) -> int:
    """Rescore the accounts waiting in `RecomputeRequest`, a batch per transaction, until none
    is left; returns how many. Safe to run in several workers at once.

    A claimed request stays row-locked until its batch commits: an intake touching the account
    meanwhile waits, then files a new request, so no event is left unscored.
    """
    done = 0
    while True:
        with transaction.atomic():
            claimed = list(
                RecomputeRequest.objects.select_for_update(skip_locked=True)
                .order_by("requested_at")
                .values_list("account_id", flat=True)[:batch_size]
            )
            if not claimed:
                return done
            scores_recompute(account_ids=claimed)
            RecomputeRequest.objects.filter(account_id__in=claimed).delete()
        done += len(claimed)


@transaction.atomic
def signals_housekeeping(*, at: datetime | None = None) -> None:
    """Drop score snapshots older than the trend needs and webhook deliveries too old to be
    replayed (any delivery that old is refused for its time anyway)."""
    at = at or timezone.now()
    AccountScoreSnapshot.objects.filter(day__lt=(at - timedelta(days=SNAPSHOT_DAYS_KEPT))).delete()
    longest = max(WebhookSource.objects.values_list("tolerance_seconds", flat=True), default=0)
    WebhookDelivery.objects.filter(received_at__lt=at - timedelta(seconds=longest)).delete()


# -- backtests ---------------------------------------------------------------------------------


def backtest_scorers(*, compare_with: RuleSet | None = None) -> list[backtest.Scorer]:
    """What a backtest compares: the current rules and the plain activity count, and a
    proposal or an earlier version (`compare_with`) beside them."""
    settings = scoring_settings()
    scorers = [backtest.rules_scorer(model=scoring_model(settings=settings))]
    if compare_with is not None:
        proposed = compare_with.status == RuleSet.Status.PROPOSED
        scorers.append(
            backtest.rules_scorer(
                model=selectors.rule_set_model(rule_set=compare_with, settings=settings),
                name="proposal" if proposed else f"v{compare_with.version:d}",
                label=f"{'Proposal' if proposed else 'Rule set'} v{compare_with.version}",
            )
        )
    return [*scorers, backtest.activity_scorer()]


@transaction.atomic
def backtest_start(
    *,
    as_of: date | datetime,
    horizon_days: int,
    outcome: str = Backtest.Outcome.OPPORTUNITY_CREATED,
    known_then: bool = False,
    compare_with: RuleSet | None = None,
    user: User | None = None,
    in_background: bool | None = None,
) -> Backtest:
    """A new backtest, run now when the contacts are few (up to
    `BACKTEST_BACKGROUND_CONTACTS`, or when `in_background` is False), else queued for a
    Celery worker after commit (status `queued`; poll it for `status`). `compare_with` (a
    proposal or an earlier rule set version) is scored beside the current rules."""
    at = as_of_moment(as_of=as_of)
    if outcome not in Backtest.Outcome.values:
        raise ApplicationError(
            f"Unknown outcome {outcome!r}.",
            fields={"outcome": [f"One of: {', '.join(Backtest.Outcome.values)}."]},
        )
    if not 1 <= horizon_days <= BACKTEST_MAX_HORIZON_DAYS:
        raise ApplicationError(
            f"The horizon is {horizon_days} days; it must be 1 to {BACKTEST_MAX_HORIZON_DAYS}.",
            fields={"horizon_days": [f"From 1 to {BACKTEST_MAX_HORIZON_DAYS} days."]},
        )
    if at + timedelta(days=horizon_days) > timezone.now():
        raise ApplicationError(
            "The horizon runs past today, so the outcomes are not all known yet: pick an "
            "earlier as-of date or a shorter horizon.",
            fields={"horizon_days": ["The as-of date plus the horizon must have passed."]},
        )
    run = Backtest.objects.create(
        as_of=at,
        horizon_days=horizon_days,
        outcome=outcome,
        known_then=known_then,
        compare_with=compare_with,
        requested_by=user,
    )
    if in_background is None:
        in_background = Contact.objects.count() > settings.BACKTEST_BACKGROUND_CONTACTS
    if in_background:
        transaction.on_commit(lambda: run_backtest.delay(run.pk))
        return run
    return _backtest_compute(run)


def backtest_run(*, backtest_id: int) -> Backtest | None:
    """Run a queued backtest on a worker, or one left running by a worker that died
    (apps/core/run_locks.py); None when it is finished or another worker is running it now."""
    with redelivered_run_lock(BACKTEST_LOCK, backtest_id) as ours:
        run = _claimed(Backtest, backtest_id) if ours else None
        return _backtest_compute(run) if run else None


def stranded_runs_resend(*, now: datetime | None = None) -> int:
    """Send backtests and calibrations whose task was lost (apps/core/run_locks.py) to a worker
    again; returns how many."""
    now = now or timezone.now()
    return sum(
        stranded_runs_send_again(
            model.objects.filter(status__in=[model.Status.QUEUED, model.Status.RUNNING]),
            lock=lock,
            working=model.Status.RUNNING,
            sent_field="updated_at",
            task=task,
            now=now,
        )
        for model, task, lock in (
            (Backtest, run_backtest, BACKTEST_LOCK),
            (Calibration, run_calibration, CALIBRATION_LOCK),
        )
    )


def _claimed(model: type[Backtest] | type[Calibration], pk: int) -> Backtest | Calibration | None:
    """The run, marked running, if it is queued or orphaned (running, its lock free: the
    caller holds it)."""
    waiting = (model.Status.QUEUED, model.Status.RUNNING)
    if not model.objects.filter(pk=pk, status__in=waiting).update(
        status=model.Status.RUNNING, updated_at=timezone.now()
    ):
        return None
    return model.objects.get(pk=pk)


def _backtest_compute(run: Backtest) -> Backtest:
    """Work out the numbers (writing nothing but temporary tables) and keep them on the run;
    a failure is kept on the run too, with its message."""
    replay = backtest.Replay(
        as_of=run.as_of,
        horizon_days=run.horizon_days,
        outcome=run.outcome,
        known_then=run.known_then,
    )
    try:
        with transaction.atomic():
            scorers = backtest_scorers(compare_with=run.compare_with)
            run.results = backtest.backtest(replay=replay, scorers=scorers)
    except Exception as error:  # kept on the run for the page; the log has the traceback
        logger.exception("Backtest %s failed", run.pk)
        run.status, run.failure = Backtest.Status.FAILED, str(error)
        run.save(update_fields=["status", "failure", "updated_at"])
        return run
    run.status, run.finished_at = Backtest.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at", "results", "updated_at"])
    return run


# -- calibrations ------------------------------------------------------------------------------


def _moment(value: date | datetime, field: str) -> datetime:
    """A history bound as `as_of_moment` reads it, its error under this field's name."""
    try:
        return as_of_moment(as_of=value)
    except ApplicationError as error:
        raise ApplicationError(
            error.message, fields={field: ["Must not be in the future."]}
        ) from error


@transaction.atomic
def calibration_start(
    *,
    start: date | datetime,
    end: date | datetime,
    horizon_days: int,
    outcome: str = Backtest.Outcome.OPPORTUNITY_CREATED,
    cutoffs: int = Calibration._meta.get_field("cutoffs").default,
    user: User | None = None,
) -> Calibration:
    """A calibration from the history between `start` and `end`, queued for a Celery worker
    after commit (the fitting never runs in a request); it ends in a proposed rule set."""
    start_at, end_at = _moment(start, "start"), _moment(end, "end")
    if outcome not in Backtest.Outcome.values:
        raise ApplicationError(
            f"Unknown outcome {outcome!r}.",
            fields={"outcome": [f"One of: {', '.join(Backtest.Outcome.values)}."]},
        )
    if not 1 <= horizon_days <= BACKTEST_MAX_HORIZON_DAYS:
        raise ApplicationError(
            f"The horizon is {horizon_days} days; it must be 1 to {BACKTEST_MAX_HORIZON_DAYS}.",
            fields={"horizon_days": [f"From 1 to {BACKTEST_MAX_HORIZON_DAYS} days."]},
        )
    if not CALIBRATION_MIN_CUTOFFS <= cutoffs <= CALIBRATION_MAX_CUTOFFS:
        raise ApplicationError(
            f"{cutoffs} moments: a calibration scores buyers at {CALIBRATION_MIN_CUTOFFS} to "
            f"{CALIBRATION_MAX_CUTOFFS} moments.",
            fields={"cutoffs": [f"From {CALIBRATION_MIN_CUTOFFS} to {CALIBRATION_MAX_CUTOFFS}."]},
        )
    if start_at >= end_at:
        raise ApplicationError(
            "The history starts after it ends: pick a start before the end.",
            fields={"start": ["Must be before the end."]},
        )
    if end_at + timedelta(days=horizon_days) > timezone.now():
        raise ApplicationError(
            "The horizon after the end of the history runs past today, so its outcomes are not "
            "all known yet: pick an earlier end or a shorter horizon.",
            fields={"end": ["The end plus the horizon must have passed."]},
        )
    run = Calibration.objects.create(
        start=start_at,
        end=end_at,
        horizon_days=horizon_days,
        outcome=outcome,
        cutoffs=cutoffs,
        requested_by=user,
    )
    transaction.on_commit(lambda: run_calibration.delay(run.pk))
    return run


def calibration_run(*, calibration_id: int) -> Calibration | None:
    """Run a queued calibration on a worker, or one left running by a worker that died
    (apps/core/run_locks.py), and propose its result as a rule set; None when it is finished
    or another worker is running it now. A failure is kept on the run, with its message."""
    with redelivered_run_lock(CALIBRATION_LOCK, calibration_id) as ours:
        run = _claimed(Calibration, calibration_id) if ours else None
        return _calibration_compute(run) if run else None


def _calibration_compute(run: Calibration) -> Calibration:
    from apps.engagement import calibration  # scikit-learn: on the worker only

    history = calibration.History(
        start=run.start,
        end=run.end,
        horizon_days=run.horizon_days,
        outcome=run.outcome,
        cutoffs=run.cutoffs,
    )
    try:
        # The proposal and the run's end in one transaction: a worker killed between the two
        # would leave a proposal that a second run repeats.
        with transaction.atomic():
            result = calibration.calibrate(model=selectors.recompute_model(), history=history)
            run.proposal = rule_set_propose(result=result, user=run.requested_by, history=history)
            run.results = _json_safe(result.metrics)
            run.status, run.finished_at = Calibration.Status.DONE, timezone.now()
            run.save(update_fields=["status", "finished_at", "results", "proposal", "updated_at"])
    except Exception as error:  # kept on the run for the page; the log has the traceback
        logger.exception("Calibration %s failed", run.pk)
        run.status, run.failure = Calibration.Status.FAILED, str(error)
        run.save(update_fields=["status", "failure", "updated_at"])
    return run


# -- handoffs ----------------------------------------------------------------------------------


def _decision_check(*, handoff: Handoff, user: User) -> None:
    if not handoff_decidable_by(handoff=handoff, user=user):
        whose = f"{handoff.owner}'s" if handoff.owner_id else "in the marketing-ops queue"
        raise NotPermitted(
            f"This handoff is {whose}: only its owner or a sales manager can accept or reject it.",
            fields={"owner": ["Ask for it to be reassigned to you."]},
        )
    if handoff.status != Handoff.Status.PENDING:
        raise ApplicationError(
            f"This handoff was already {handoff.get_status_display().lower()}.",
            fields={"status": ["Only a pending handoff can be accepted or rejected."]},
        )


def _rejection_reason(*, accept: bool, reason: str) -> str:
    reason = reason.strip()
    if not accept and not reason:
        raise ApplicationError(
            "Say why it is rejected, so marketing can tune the scoring.",
            fields={"reason": ["Required when rejecting."]},
        )
    return reason


def _decide(*, locked: Handoff, user: User, accept: bool, reason: str, now) -> Handoff:
    """Record the decision on a locked, checked handoff; a rejection recycles the person (or
    the account's people): a new buying cycle starts, their earlier signals stop counting."""
    if not accept:
        if locked.contact_id:
            contacts_buying_cycle_start(by_contact={locked.contact_id: now})
        else:
            contacts_buying_cycle_start(by_account={locked.account_id: now})
        accounts_rescore_later(account_ids=[locked.account_id], at=now)
    status = Handoff.Status.ACCEPTED if accept else Handoff.Status.REJECTED
    return model_update(
        instance=locked,
        fields=["status", "decided_by", "decided_at", "reason"],
        data={"status": status, "decided_by": user, "decided_at": now, "reason": reason},
    )[0]


@transaction.atomic
def handoff_decide(
    *, handoff: Handoff, user: User, accept: bool, reason: str = "", at: datetime | None = None
) -> Handoff:
    """Its owner (or a sales manager, or an admin) accepts or rejects an MQL or MQA, once; a
    rejection says why and recycles the person or account. `at` dates a decision recorded
    after the fact (a history replayed, the demo world's); now by default."""
    locked = (
        Handoff.objects.select_for_update(of=("self",)).select_related("owner").get(pk=handoff.pk)
    )
    _decision_check(handoff=locked, user=user)
    reason = _rejection_reason(accept=accept, reason=reason)
    return _decide(locked=locked, user=user, accept=accept, reason=reason, now=at or timezone.now())


@dataclass(frozen=True)
class HandoffDecisions:
    decided: list[Handoff]
    refused: dict[int, str]  # handoff id: why it was left as it was


@transaction.atomic
def handoffs_decide(
    *, handoff_ids: Iterable[int], user: User, accept: bool, reason: str = ""
) -> HandoffDecisions:
    """Accept or reject many handoffs in one transaction: those the user may decide are
    decided; each other one is left alone with the reason (another rep's, already decided,
    gone)."""
    reason = _rejection_reason(accept=accept, reason=reason)
    ids = set(handoff_ids)
    locked = list(
        Handoff.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    refused = dict.fromkeys(ids - {h.pk for h in locked}, "No such handoff.")
    decided, now = [], timezone.now()
    for handoff in locked:
        try:
            _decision_check(handoff=handoff, user=user)
        except ApplicationError as error:
            refused[handoff.pk] = error.message
        else:
            decided.append(
                _decide(locked=handoff, user=user, accept=accept, reason=reason, now=now)
            )
    return HandoffDecisions(decided=decided, refused=refused)


@transaction.atomic
def handoff_reassign(*, handoff: Handoff, owner: User | None, by: User) -> Handoff:
    """A sales manager, marketer or admin hands a pending handoff to a rep or manager, or back
    to the marketing-ops queue (`owner` None)."""
    if not handoff_reassignable_by(user=by):
        raise NotPermitted(
            "Only a sales manager, marketing or an admin can reassign handoffs.",
            fields={"owner": ["Ask a sales manager to reassign it."]},
        )
    locked = Handoff.objects.select_for_update().get(pk=handoff.pk)
    if locked.status != Handoff.Status.PENDING:
        raise ApplicationError(
            f"This handoff was already {locked.get_status_display().lower()}.",
            fields={"status": ["Only a pending handoff can be reassigned."]},
        )
    if owner is not None and not (owner.is_active and user_sells(user=owner)):
        raise ApplicationError(
            "A handoff goes to someone in sales.",
            fields={"owner": [f"{owner} is not an active sales rep or manager."]},
        )
    handoff, changed = model_update(instance=locked, fields=["owner"], data={"owner": owner})
    if changed and owner is not None:
        notify(
            recipient=owner,
            kind=Notification.Kind.HANDOFF,
            subject=handoff,
            text=(
                f"{by} handed you the {handoff.get_kind_display()} for "
                f"{handoff.contact or handoff.account} to accept or reject."
            ),
            url=reverse("signals:handoff_list"),
        )
    return handoff


@transaction.atomic
def contact_signals_erase(*, contact: Contact, mentions: Mentions) -> dict[str, int]:
    """Blank a person's part of the signals for GDPR erasure; returns rows changed per table.

    Their events keep kind, source, direction, time, account, asset, the page's path and the
    properties a signal rule reads (what scores and stages are computed from, so the account's
    numbers stay as they were); other properties, query strings and fragments go. Anonymous
    visits of their account and handoff reasons or stage evidence that name them are rewritten.
    """
    read_by_rules = set(
        SignalRule.objects.exclude(property_name="").values_list("property_name", flat=True)
    )
    changed = []
    for event in Event.objects.filter(contact=contact).only("url", "properties"):
        kept = {k: v for k, v in event.properties.items() if k in read_by_rules}
        url = url_without_query(event.url)
        if (url, kept) != (event.url, event.properties):
            event.url, event.properties = url, mentions.scrub(kept)
            changed.append(event)
    Event.objects.bulk_update(changed, ["url", "properties"], batch_size=500)
    anonymous = Event.objects.filter(account_id=contact.account_id, contact__isnull=True)
    return {
        "events": len(changed) + mentions.scrub_rows(anonymous, ["url", "properties"]),
        "handoffs": mentions.scrub_rows(
            Handoff.objects.filter(account_id=contact.account_id), ["reason"]
        ),
        "inferred stage changes": mentions.scrub_rows(
            InferredStageChange.objects.filter(account_id=contact.account_id), ["evidence"]
        ),
    }
