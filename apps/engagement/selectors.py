from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.core.csv_export import export_rows
from apps.engagement import scoring
from apps.engagement.backtest import BUYERS as BACKTEST_BUYERS
from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    Backtest,
    Calibration,
    ContactScore,
    Direction,
    Event,
    EventKind,
    Handoff,
    InferredStageChange,
    RuleSet,
    ScoringSettings,
    SignalRule,
)
from apps.journeys.models import JourneyStage
from apps.users.models import Role, User
from apps.users.selectors import SELLING_ROLES, bound_to_own_records, user_role

TIMELINE_LENGTH = 12
TREND_DAYS = 30
HOT_DAYS = 7
RECENT_EVENTS = 20
COVERAGE_DAYS = 90
# A backtest of a version without a calibration's history looks a quarter back.
BACKTEST_QUARTER_DAYS = 90


def scoring_settings() -> ScoringSettings:
    """The saved settings, or the defaults until someone saves them."""
    return ScoringSettings.objects.filter(pk=ScoringSettings.SINGLETON_ID).first() or (
        ScoringSettings()
    )


def scoring_settings_saved() -> bool:
    """Whether anyone (or the starter kit) has saved the settings yet."""
    return ScoringSettings.objects.filter(pk=ScoringSettings.SINGLETON_ID).exists()


def scoring_model(
    *, settings: ScoringSettings, rules: Iterable[SignalRule] | None = None
) -> scoring.ScoringModel:
    """What a recompute reads: the active rules (or `rules`), the stage order and settings."""
    if rules is None:
        rules = SignalRule.objects.filter(is_active=True)
    return scoring.load_scoring_model(settings=settings, rules=rules)


def rule_set_active() -> RuleSet | None:
    return RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()


def rule_set_active_at(*, at: datetime) -> RuleSet | None:
    """The version in force at `at`: the last one activated by then (None before the first)."""
    return (
        RuleSet.objects.filter(activated_at__lte=at)
        .exclude(status__in=[RuleSet.Status.PROPOSED, RuleSet.Status.DECLINED])
        .order_by("-activated_at", "-version")
        .first()
    )


def rule_set_model(
    *, rule_set: RuleSet, settings: ScoringSettings | None = None
) -> scoring.ScoringModel:
    """A stored version's rules and stage threshold, with today's other settings."""
    snapshot = {
        "rules": rule_set.rules,
        "stage_threshold": rule_set.stage_threshold,
        "version": rule_set.version,
    }
    return scoring.load_scoring_model(settings=settings or scoring_settings(), snapshot=snapshot)


def recompute_model(*, rule_set: RuleSet | None = None, at: datetime | None = None):
    """What a recompute runs with: the stored `rule_set`; else, replaying a moment `at` since
    which the rules changed, the version in force then; else the live rules, marked with the
    active version (before any version was kept: unmarked)."""
    settings = scoring_settings()
    if rule_set is None and at is not None:
        then = rule_set_active_at(at=at)
        if then is not None and then.status != RuleSet.Status.ACTIVE:
            rule_set = then
    if rule_set is not None:
        return rule_set_model(rule_set=rule_set, settings=settings)
    active = rule_set_active()
    return replace(
        scoring_model(settings=settings), rule_set_version=active.version if active else None
    )


def score_slices(*, parts: int = scoring.RECOMPUTE_SLICES) -> list[dict]:
    """A full recompute cut in `parts` slices of consecutive account ids, about as many
    accounts each, as keyword arguments of `services.scores_recompute`. The first slice is open
    below and the last above, so an account created meanwhile still falls in one."""
    ids = Account.objects.order_by("pk").values_list("pk", flat=True)
    count = ids.count()
    cuts = [ids[k * count // parts - 1] for k in range(1, parts) if k * count // parts > 0]
    ends = [None, *cuts, None]
    return [
        {"part": part, "parts": parts, "after": ends[part], "through": ends[part + 1]}
        for part in range(len(ends) - 1)
    ]


def event_ids_stored(*, source: str, external_ids: Iterable[str]) -> set[str]:
    """Which of these sender's ids `source` already sent, at any time. Ingestion skips only an
    id sent again with the same time (events are unique per source, id and time: the table is
    partitioned by month); a caller for whom a later event with the same id is a repeat (an
    email's second open) asks here first. One probe of the sender's-id index per month."""
    ids = [external_id for external_id in external_ids if external_id]
    if not ids:
        return set()
    if connection.vendor == "postgresql":
        # One array parameter: the same short statement however many ids (a tracking batch
        # asks for thousands), where `IN` sends, parses and plans a placeholder each.
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT external_id FROM {Event._meta.db_table}
                    WHERE source = %s AND external_id <> '' AND external_id = ANY(%s)""",
                [source, ids],
            )
            return {external_id for (external_id,) in cursor.fetchall()}
    stored = Event.objects.filter(source=source, external_id__in=ids).exclude(external_id="")
    return set(stored.values_list("external_id", flat=True))


def signal_rule_list() -> QuerySet[SignalRule]:
    return SignalRule.objects.select_related("journey_stage__parent").order_by(
        "journey_stage__phase", "kind", "url_pattern", "repeat_count", "pk"
    )


def signal_rule_preview(
    *, rule: SignalRule, remove: bool = False, at: datetime | None = None
) -> scoring.StageShift:
    """How many contacts would move stage if `rule` (new or edited, unsaved) were saved, or
    removed with `remove`: both rule sets are worked out for now, so only the rule counts."""
    current = list(SignalRule.objects.filter(is_active=True))
    proposed = [r for r in current if r.pk is None or r.pk != rule.pk]
    if not remove and rule.is_active:
        proposed.append(rule)
    settings = scoring_settings()
    before = scoring_model(settings=settings, rules=current)
    with transaction.atomic():
        shift = scoring.contact_stage_shift(
            before=before,
            after=before.with_rules(map(scoring.Rule.of, proposed)),
            at=at or timezone.now(),
        )
        transaction.set_rollback(True)  # only temporary tables were written
    return shift


# -- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceItem:
    """What one signal rule added to a stage at the moment of a change."""

    rule_id: int
    label: str
    stage_id: int
    stage_name: str
    events: int
    points: float
    last_event: Event | None


@dataclass(frozen=True)
class TimelineEntry:
    change: InferredStageChange
    evidence: list[EvidenceItem]


def _timeline(changes: list[InferredStageChange]) -> list[TimelineEntry]:
    """Changes with their evidence, the latest event of each rule fetched in one query."""
    event_ids = {item["last_event"] for c in changes for item in c.evidence if item["last_event"]}
    events = Event.objects.select_related("contact", "asset").in_bulk(event_ids)
    return [
        TimelineEntry(
            change=change,
            evidence=sorted(
                (
                    EvidenceItem(
                        rule_id=item["rule"],
                        label=item["label"],
                        stage_id=item["stage"],
                        stage_name=item["stage_name"],
                        events=item["events"],
                        points=item["points"],
                        last_event=events.get(item["last_event"]),
                    )
                    for item in change.evidence
                ),
                key=lambda item: -item.points,
            ),
        )
        for change in changes
    ]


def _changes() -> QuerySet[InferredStageChange]:
    return InferredStageChange.objects.select_related(
        "from_stage__parent", "to_stage__parent", "contact"
    ).order_by("-changed_at", "-pk")


@dataclass(frozen=True)
class StageExplanation:
    """Why a buyer is where they are: the change that put them there and its evidence."""

    stage_name: str | None
    since: datetime | None
    stage_evidence: float
    score: float
    entry: TimelineEntry | None


def stage_explanation(*, account_id: int, contact_id: int | None = None) -> StageExplanation:
    """ "Why is this account in Decision?" — for an account, or one of its contacts.

    Raises `AccountScore.DoesNotExist` / `ContactScore.DoesNotExist` before the first scoring.
    """
    if contact_id is None:
        state = AccountScore.objects.select_related("stage__parent").get(account_id=account_id)
        changes = _changes().filter(account_id=account_id, contact__isnull=True)
    else:
        state = ContactScore.objects.select_related("stage__parent").get(contact_id=contact_id)
        changes = _changes().filter(contact_id=contact_id)
    latest = changes.first()
    return StageExplanation(
        stage_name=str(state.stage) if state.stage else None,
        since=state.stage_since,
        stage_evidence=state.stage_evidence,
        score=state.score,
        entry=_timeline([latest])[0] if latest else None,
    )


# -- pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """What the sellers did with an account over the last `days`: seller-initiated events,
    shown beside the stage and never counted in it."""

    days: int
    touches: int
    people: int
    last_touch: datetime | None
    by_kind: list[tuple[str, int]]


def account_coverage(*, account_id: int, at: datetime | None = None) -> Coverage:
    """Two queries over the account's events of the last `COVERAGE_DAYS`."""
    events = Event.objects.filter(
        account_id=account_id,
        direction=Direction.SELLER,
        occurred_at__gte=(at or timezone.now()) - timedelta(days=COVERAGE_DAYS),
    )
    totals = events.aggregate(
        touches=Count("pk"), people=Count("contact", distinct=True), last=Max("occurred_at")
    )
    by_kind = events.values_list("kind").annotate(n=Count("pk")).order_by("-n", "kind")
    return Coverage(
        days=COVERAGE_DAYS,
        touches=totals["touches"],
        people=totals["people"],
        last_touch=totals["last"],
        by_kind=[(EventKind(kind).label, n) for kind, n in by_kind],
    )


@dataclass(frozen=True)
class AccountSignals:
    score: AccountScore | None
    coverage: Coverage
    trend: list[AccountScoreSnapshot]
    timeline: list[TimelineEntry]
    committee: list[ContactScore]
    handoffs: list[Handoff]
    threshold: float

    @property
    def trend_scores(self) -> list[float]:
        return [snapshot.score for snapshot in self.trend]


def account_signals(*, account_id: int) -> AccountSignals:
    """Score, stage, sellers' coverage, 30-day trend, the account's stage changes with their
    evidence, its people by score and its open handoffs: a fixed number of queries however
    many signals."""
    since = timezone.now().date() - timedelta(days=TREND_DAYS)
    changes = list(_changes().filter(account_id=account_id, contact__isnull=True)[:TIMELINE_LENGTH])
    return AccountSignals(
        score=AccountScore.objects.select_related("stage__parent")
        .filter(account_id=account_id)
        .first(),
        coverage=account_coverage(account_id=account_id),
        trend=list(
            AccountScoreSnapshot.objects.filter(account_id=account_id, day__gte=since).order_by(
                "day"
            )
        ),
        timeline=_timeline(changes),
        committee=list(
            ContactScore.objects.filter(contact__account_id=account_id)
            .select_related("contact", "stage__parent")
            .order_by("-score", "contact_id")
        ),
        handoffs=list(
            Handoff.objects.filter(account_id=account_id, status=Handoff.Status.PENDING)
            .select_related("contact")
            .order_by("-raised_at")
        ),
        threshold=float(scoring_settings().stage_threshold),
    )


@dataclass(frozen=True)
class ContactSignals:
    contact: Contact
    score: ContactScore | None
    timeline: list[TimelineEntry]
    recent_events: list[Event]
    handoffs: list[Handoff]
    threshold: float


def contact_signals(*, contact_id: int) -> ContactSignals:
    """A contact with score, stage, trend, stage changes with evidence, latest signals and
    handoffs. Raises `Contact.DoesNotExist` for an unknown id."""
    contact = Contact.objects.select_related("account", "persona").get(pk=contact_id)
    changes = list(_changes().filter(contact_id=contact_id)[:TIMELINE_LENGTH])
    return ContactSignals(
        contact=contact,
        score=ContactScore.objects.select_related("stage__parent")
        .filter(contact_id=contact_id)
        .first(),
        timeline=_timeline(changes),
        recent_events=list(
            Event.objects.filter(contact_id=contact_id)
            .select_related("asset")
            .order_by("-occurred_at", "-pk")[:RECENT_EVENTS]
        ),
        handoffs=list(Handoff.objects.filter(contact_id=contact_id).select_related("decided_by")),
        threshold=float(scoring_settings().stage_threshold),
    )


def hot_account_list(*, days: int = HOT_DAYS) -> QuerySet[AccountScore]:
    """Accounts whose stage moved forward in the last `days`, latest first, then those whose
    score rose over the last week, fastest first."""
    forward = InferredStageChange.objects.filter(
        account_id=OuterRef("account_id"),
        contact__isnull=True,
        is_forward=True,
        changed_at__gte=timezone.now() - timedelta(days=days),
    ).order_by("-changed_at")
    return (
        AccountScore.objects.select_related("account__owner", "stage__parent")
        .annotate(
            moved_forward_at=Subquery(forward.values("changed_at")[:1]),
            rise=F("score") - F("score_week_ago"),
        )
        .filter(
            Q(moved_forward_at__isnull=False) | Q(rise__gt=0), account__archived_at__isnull=True
        )
        .order_by(
            F("moved_forward_at").desc(nulls_last=True),
            F("rise").desc(nulls_last=True),
            "account_id",
        )
    )


class HandoffQueue:
    """Which handoffs a list shows: the user's own, the marketing-ops queue (no owner), all."""

    MINE = "mine"
    OPS = "ops"
    ALL = "all"
    CHOICES = ((MINE, "My handoffs"), (OPS, "Marketing-ops queue"), (ALL, "All"))


def handoff_list(
    *,
    status: str | None = None,
    kind: str | None = None,
    queue: str = HandoffQueue.ALL,
    user: User | None = None,
) -> QuerySet[Handoff]:
    """Handoffs, newest first; `queue` MINE needs the `user` whose handoffs they are. A sales
    rep's `user` sees only their own, whatever the queue (`handoffs_visible_to`)."""
    handoffs = Handoff.objects.select_related(
        "account", "contact", "stage__parent", "decided_by", "owner"
    )
    if user is not None:
        handoffs = handoffs_visible_to(handoffs, user=user)
    if status:
        handoffs = handoffs.filter(status=status)
    if kind:
        handoffs = handoffs.filter(kind=kind)
    if queue == HandoffQueue.MINE:
        handoffs = handoffs.filter(owner=user)
    elif queue == HandoffQueue.OPS:
        handoffs = handoffs.filter(owner__isnull=True)
    return handoffs.order_by("-raised_at", "-pk")


def handoff_labels(*, handoff_ids: Iterable[int]) -> dict[int, str]:
    """ "MQL: Jo Doe at Acme" per handoff, to name those a bulk decision left alone."""
    rows = Handoff.objects.filter(pk__in=list(handoff_ids)).select_related("account", "contact")
    return {
        h.pk: f"{h.get_kind_display()}: "
        + (f"{h.contact.full_name} at {h.account.name}" if h.contact else h.account.name)
        for h in rows
    }


def handoffs_visible_to(handoffs: QuerySet[Handoff], *, user: User) -> QuerySet[Handoff]:
    """What a user may read: a sales rep their own queue (they decide only those); a sales
    manager, marketing and admins all (they reassign, and managers decide any). The pages and
    the API read through this; a rep who asks for another's handoff by id to decide it is told
    whose it is (403), not given it."""
    if bound_to_own_records(user=user):
        return handoffs.filter(owner=user)
    return handoffs


def handoff_queues(*, user: User) -> tuple[tuple[str, str], ...]:
    """The queues a user may open: a rep only their own."""
    if bound_to_own_records(user=user):
        return ((HandoffQueue.MINE, "My handoffs"),)
    return HandoffQueue.CHOICES


def handoff_default_queue(*, user: User) -> str:
    """A rep starts on their own handoffs, marketing on the ops queue, the others on all."""
    role = user_role(user=user)
    if role == Role.SALES:
        return HandoffQueue.MINE
    return HandoffQueue.OPS if role == Role.MARKETER else HandoffQueue.ALL


def handoff_decidable_by(*, handoff: Handoff, user: User) -> bool:
    """Its owner accepts or rejects it; a sales manager or an admin any, queued ones too."""
    return user.has_perm("engagement.change_handoff") and (
        handoff.owner_id == user.pk or not bound_to_own_records(user=user)
    )


def handoff_reassignable_by(*, user: User) -> bool:
    return user_role(user=user) in {Role.MANAGER, Role.MARKETER, Role.ADMIN}


def handoff_assignees() -> QuerySet[User]:
    """Who a handoff can go to: active sales reps and managers."""
    return (
        User.objects.filter(is_active=True, groups__name__in=list(SELLING_ROLES))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


HOT_ACCOUNT_CSV_COLUMNS = (
    "account",
    "account_domain",
    "tier",
    "owner_email",
    "stage",
    "score",
    "score_week_ago",
    "moved_forward_at",
)


def hot_account_export_rows(*, states: QuerySet[AccountScore]) -> Iterator[tuple]:
    """`states` (the `hot_account_list`) as rows of `HOT_ACCOUNT_CSV_COLUMNS`."""
    return export_rows(
        states,
        HOT_ACCOUNT_CSV_COLUMNS,
        account="account__name",
        account_domain="account__domain",
        tier="account__tier",
        owner_email="account__owner__email",
        stage="stage__name",
    )


HANDOFF_CSV_COLUMNS = (
    "raised_at",
    "kind",
    "status",
    "contact_email",
    "account",
    "account_domain",
    "stage",
    "score",
    "threshold",
    "decided_by_email",
    "decided_at",
    "reason",
)


def handoff_export_rows(*, handoffs: QuerySet[Handoff]) -> Iterator[tuple]:
    """`handoffs` (a filtered `handoff_list`) as rows of `HANDOFF_CSV_COLUMNS`."""
    return export_rows(
        handoffs,
        HANDOFF_CSV_COLUMNS,
        contact_email="contact__email",
        account="account__name",
        account_domain="account__domain",
        stage="stage__name",
        decided_by_email="decided_by__email",
    )


# -- backtests ---------------------------------------------------------------------------------

BACKTEST_CSV_COLUMNS = [
    "buyers",
    "scorer",
    "auc",
    "decile",
    "buyers_in_decile",
    "with_outcome",
    "observed_rate",
    "lift",
    "mean_score",
]


def backtest_list() -> QuerySet[Backtest]:
    """Past backtests, newest first, without their results (the list shows only the AUCs)."""
    return Backtest.objects.select_related("requested_by")


def _backtest_buyers(backtest: Backtest) -> list[tuple[str, dict]]:
    """Contacts, then accounts (the stored JSON keeps its keys in no particular order)."""
    buyers = backtest.results.get("buyers", {})
    return [(buyer, buyers[buyer]) for buyer in BACKTEST_BUYERS if buyer in buyers]


def backtest_rows(*, backtest: Backtest) -> Iterator[tuple]:
    """The backtest's numbers as `BACKTEST_CSV_COLUMNS`: per buyer kind and scorer, a row per
    decile carrying the scorer's AUC."""
    for buyer, entry in _backtest_buyers(backtest):
        for scorer in entry["scorers"]:
            for row in scorer["deciles"]:
                yield (
                    f"{buyer}s",
                    scorer["label"],
                    scorer["auc"],
                    row["decile"],
                    row["buyers"],
                    row["positives"],
                    row["observed_rate"],
                    row["lift"],
                    row["mean_score"],
                )


def backtest_sections(*, backtest: Backtest) -> list[dict]:
    """The page's table per buyer kind: each scorer's AUC, and a row per decile holding each
    scorer's numbers side by side."""
    sections = []
    for buyer, entry in _backtest_buyers(backtest):
        columns = [scorer["deciles"] for scorer in entry["scorers"]]
        sections.append(
            {
                "buyer": buyer,
                "count": entry["count"],
                "positives": entry["positives"],
                "scorers": entry["scorers"],
                "deciles": [
                    {"decile": n + 1, "cells": [column[n] for column in columns]}
                    for n in range(len(columns[0]) if columns else 0)
                ],
            }
        )
    return sections


# -- rule set versions -------------------------------------------------------------------------


def rule_set_list() -> QuerySet[RuleSet]:
    """Every version, newest first, without the rules they hold (the list does not show them)."""
    return RuleSet.objects.select_related("proposed_by", "decided_by", "based_on").defer(
        "rules", "evidence"
    )


RULE_NUMBERS = ("weight", "half_life_days", "cap")


@dataclass(frozen=True)
class RuleChange:
    """One rule from one version to the next: `old` and `new` are its stored snapshots (None
    where the rule is not in that version); `evidence` the calibration's why, if any."""

    rule_id: int
    label: str
    stage_name: str
    old: dict | None
    new: dict | None
    evidence: dict | None

    @property
    def change(self) -> str:
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed" if self.old != self.new else "unchanged"

    @property
    def unclear(self) -> bool:
        """Whether the calibration moved this rule's weight although its 90 % interval of lift
        includes 1 (no effect): a change a marketer should look at twice before approving."""
        evidence = self.evidence or {}
        low, high = evidence.get("lift_low"), evidence.get("lift_high")
        if low is None or high is None or self.change != "changed":
            return False
        return "weight" in self.changed_numbers and low <= 1 <= high

    @property
    def changed_numbers(self) -> list[str]:
        """Which of weight, half-life and cap moved."""
        return [number["name"] for number in self.numbers if number["moved"]]

    @property
    def numbers(self) -> list[dict]:
        """Weight, half-life and cap as a page shows them: the value before and the value now
        (a removed rule's last value), and whether it moved."""
        both = self.old is not None and self.new is not None
        return [
            {
                "name": name,
                "old": self.old[name] if self.old else None,
                "new": (self.new or self.old or {})[name],
                "moved": both and self.old[name] != self.new[name],
            }
            for name in RULE_NUMBERS
        ]


@dataclass(frozen=True)
class RuleSetDiff:
    old: RuleSet | None
    new: RuleSet
    rules: list[RuleChange]
    threshold_reason: str

    @property
    def old_threshold(self):
        return None if self.old is None else self.old.stage_threshold

    @property
    def new_threshold(self):
        return self.new.stage_threshold

    @property
    def changed(self) -> list[RuleChange]:
        return [rule for rule in self.rules if rule.change != "unchanged"]

    @property
    def unclear(self) -> list[RuleChange]:
        return [rule for rule in self.rules if rule.unclear]


def rule_set_diff(*, rule_set: RuleSet, against: RuleSet | None = None) -> RuleSetDiff:
    """Rule by rule, `against` (by default the version `rule_set` was made from) → `rule_set`:
    weight, half-life and cap, with the calibration's lift, interval, events and reason; and the
    stage threshold. One query whatever the number of rules (the stages, for their names)."""
    old = against if against is not None else rule_set.based_on
    old_rules = {rule["id"]: rule for rule in (old.rules if old else [])}
    new_rules = {rule["id"]: rule for rule in rule_set.rules}
    evidence = rule_set.evidence.get("rules", {})
    stage_ids = {rule["journey_stage"] for rule in [*old_rules.values(), *new_rules.values()]}
    stages = JourneyStage.objects.select_related("parent").in_bulk(stage_ids)
    changes = []
    for rule_id in sorted(old_rules.keys() | new_rules.keys()):
        either = new_rules.get(rule_id) or old_rules[rule_id]
        stage = stages.get(either["journey_stage"])
        changes.append(
            RuleChange(
                rule_id=rule_id,
                label=either["label"],
                stage_name=str(stage) if stage else "a deleted stage",
                old=old_rules.get(rule_id),
                new=new_rules.get(rule_id),
                evidence=evidence.get(str(rule_id)),
            )
        )
    reason = rule_set.evidence.get("threshold_reason", "")
    return RuleSetDiff(old=old, new=rule_set, rules=changes, threshold_reason=reason)


def rule_set_backtest_replay(*, rule_set: RuleSet) -> dict:
    """What a backtest of a version replays (keyword arguments of `services.backtest_start`):
    the end of the history its calibration learned from, or else the last quarter."""
    history = rule_set.evidence.get("history")
    if history:
        return {
            "as_of": datetime.fromisoformat(history["end"]),
            "horizon_days": history["horizon_days"],
            "outcome": history["outcome"],
        }
    horizon = BACKTEST_QUARTER_DAYS
    return {"as_of": timezone.now() - timedelta(days=horizon), "horizon_days": horizon}


def calibration_figures(*, metrics: dict) -> list[tuple[str, object]]:
    """A calibration's figures a page lists: its numbers and, one level down, named numbers
    (the validation AUC per scorer); longer tables stay in the API."""

    def name(key: str) -> str:
        return "Validation AUC" if key == "auc" else key.replace("_", " ").capitalize()

    def shown(value: object) -> bool:
        return value is None or isinstance(value, int | float | str)

    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows += [
                (f"{name(key)}: {part.replace('_', ' ')}", figure)
                for part, figure in value.items()
                if shown(figure)
            ]
        elif shown(value):
            rows.append((name(key), value))
    return rows


def calibration_list() -> QuerySet[Calibration]:
    return Calibration.objects.select_related("requested_by", "proposal")
