import io
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Contact
from apps.accounts.services import contacts_buying_cycle_start
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.mentions import Mentions, url_without_query
from apps.core.services import model_create, model_update
from apps.engagement import backtest, ingestion, scoring, webhooks
from apps.engagement.models import (
    AccountScoreSnapshot,
    Backtest,
    Event,
    Handoff,
    InferredStageChange,
    RecomputeRequest,
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
from apps.engagement.tasks import recompute_pending_scores, run_backtest
from apps.users.models import User
from apps.users.selectors import user_sells

logger = logging.getLogger(__name__)

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
# Accounts per incremental recompute transaction.
RECOMPUTE_BATCH = 500
SNAPSHOT_DAYS_KEPT = 90
NDJSON = "application/x-ndjson"


# -- rules and settings -------------------------------------------------------------------------


@transaction.atomic
def signal_rule_create(*, data: dict) -> SignalRule:
    return model_create(model=SignalRule, data=data)


@transaction.atomic
def signal_rule_update(*, rule: SignalRule, data: dict) -> SignalRule:
    return model_update(instance=rule, fields=SIGNAL_RULE_FIELDS, data=data)[0]


@transaction.atomic
def signal_rule_delete(*, rule: SignalRule) -> None:
    """Remove a rule; stage changes it explained keep its description in their evidence."""
    rule.delete()


@transaction.atomic
def scoring_settings_update(*, data: dict) -> ScoringSettings:
    settings, _ = ScoringSettings.objects.get_or_create(pk=ScoringSettings.SINGLETON_ID)
    return model_update(instance=settings, fields=SCORING_SETTINGS_FIELDS, data=data)[0]


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
) -> scoring.RecomputeResult:
    """Scores, stages, stage changes and handoffs for these accounts; with none named, for
    every account, or for one slice of a full run (`selectors.score_slices`).

    With `at` in the past it replays history: the events that had occurred by then, decayed to
    then (and, with `known_then`, only those Waymark had received by then), with the handoffs
    raised by then; the stage changes and handoffs it writes are dated `at`."""
    model = scoring_model(settings=scoring_settings())
    ids = None if account_ids is None else tuple(account_ids)
    scope = scoring.Scope(account_ids=ids, part=part, parts=parts, after=after, through=through)
    return scoring.recompute(
        model=model, at=at or timezone.now(), scope=scope, known_then=known_then
    )


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


def backtest_scorers() -> list[backtest.Scorer]:
    """What a backtest compares: the current rules and the plain activity count. An earlier
    rule set, once rule sets are kept, is one more `backtest.rules_scorer` here."""
    model = scoring_model(settings=scoring_settings())
    return [backtest.rules_scorer(model=model), backtest.activity_scorer()]


@transaction.atomic
def backtest_start(
    *,
    as_of: date | datetime,
    horizon_days: int,
    outcome: str = Backtest.Outcome.OPPORTUNITY_CREATED,
    known_then: bool = False,
    user: User | None = None,
    in_background: bool | None = None,
) -> Backtest:
    """A new backtest, run now when the contacts are few (up to
    `BACKTEST_BACKGROUND_CONTACTS`, or when `in_background` is False), else queued for a
    Celery worker after commit (status `queued`; poll it for `status`)."""
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
        requested_by=user,
    )
    if in_background is None:
        in_background = Contact.objects.count() > settings.BACKTEST_BACKGROUND_CONTACTS
    if in_background:
        transaction.on_commit(lambda: run_backtest.delay(run.pk))
        return run
    return _backtest_compute(run)


def backtest_run(*, backtest_id: int) -> Backtest | None:
    """Run a queued backtest (on a worker); None when it is no longer queued."""
    with transaction.atomic():
        run = (
            Backtest.objects.select_for_update(skip_locked=True)
            .filter(pk=backtest_id, status=Backtest.Status.QUEUED)
            .first()
        )
        if run is None:
            return None
        run.status = Backtest.Status.RUNNING
        run.save(update_fields=["status", "updated_at"])
    return _backtest_compute(run)


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
            run.results = backtest.backtest(replay=replay, scorers=backtest_scorers())
    except Exception as error:  # kept on the run for the page; the log has the traceback
        logger.exception("Backtest %s failed", run.pk)
        run.status, run.failure = Backtest.Status.FAILED, str(error)
        run.save(update_fields=["status", "failure", "updated_at"])
        return run
    run.status, run.finished_at = Backtest.Status.DONE, timezone.now()
    run.save(update_fields=["status", "finished_at", "results", "updated_at"])
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
def handoff_decide(*, handoff: Handoff, user: User, accept: bool, reason: str = "") -> Handoff:
    """Its owner (or a sales manager, or an admin) accepts or rejects an MQL or MQA, once; a
    rejection says why and recycles the person or account."""
    locked = (
        Handoff.objects.select_for_update(of=("self",)).select_related("owner").get(pk=handoff.pk)
    )
    _decision_check(handoff=locked, user=user)
    reason = _rejection_reason(accept=accept, reason=reason)
    return _decide(locked=locked, user=user, accept=accept, reason=reason, now=timezone.now())


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
    return model_update(instance=locked, fields=["owner"], data={"owner": owner})[0]


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
