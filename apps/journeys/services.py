"""Journey writes. A version is edited in place only while it is a draft: publishing freezes it
(the version before is archived) and a change starts a new draft copied from the published one.
Every write here records who changed what in `JourneyChange`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Max, Model, ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from apps.accounts.models import Account
from apps.content.models import Asset
from apps.content.services import asset_update
from apps.core.exceptions import ApplicationError
from apps.core.services import model_create, model_update
from apps.engagement.models import SignalRule
from apps.engagement.services import signal_rules_changed_with
from apps.journeys import selectors
from apps.journeys.models import (
    Journey,
    JourneyChange,
    JourneyReview,
    JourneyReviewTrigger,
    JourneyStage,
    PlaybookCell,
    ReviewReminder,
    StageKpi,
    StageTransition,
)
from apps.notifications.models import Notification
from apps.notifications.services import notify
from apps.nurture.models import Sequence
from apps.personas.models import Persona
from apps.pipeline.models import PipelineStage
from apps.users.models import User

# What a draft's editors change; a published version keeps these as they were.
JOURNEY_CONTENT_FIELDS = ["name", "scope"]
# Who looks after the journey and how often: changeable on any version but an archived one.
JOURNEY_GOVERNANCE_FIELDS = ["owner", "review_cadence_months"]
JOURNEY_FIELDS = JOURNEY_CONTENT_FIELDS + JOURNEY_GOVERNANCE_FIELDS


@dataclass(frozen=True)
class _PartKind:
    """A kind of row that makes up a journey version, and how to find its version."""

    noun: str
    fields: tuple[str, ...]
    journey_id: Callable[[Model], int | None]


def _through_stage(part: Model) -> int | None:
    return part.stage.journey_id if part.stage_id else None


_PARTS: dict[type[Model], _PartKind] = {
    JourneyStage: _PartKind(
        "stage",
        (
            "journey",
            "parent",
            "name",
            "slug",
            "phase",
            "position",
            "description",
            "entry_criteria",
            "exit_triggers",
        ),
        lambda stage: stage.journey_id,
    ),
    StageTransition: _PartKind(
        "transition", ("journey", "from_stage", "to_stage", "trigger"), lambda t: t.journey_id
    ),
    PlaybookCell: _PartKind(
        "cell",
        ("stage", "persona", "account", "replaces_persona_cell", *PlaybookCell.LIST_FIELDS),
        _through_stage,
    ),
    StageKpi: _PartKind("KPI", ("stage", "kpi", "target", "note"), _through_stage),
}
JOURNEY_PART_MODELS = tuple(_PARTS)


def _log(journey: Journey, changed_by: User | None, summary: str) -> None:
    JourneyChange.objects.create(journey=journey, changed_by=changed_by, summary=summary[:300])


def _field_names(model: type[Model], fields: Iterable[str]) -> str:
    return ", ".join(str(model._meta.get_field(name).verbose_name) for name in fields)


def _changed(instance: Model, fields: Iterable[str], data: dict) -> list[str]:
    return [name for name in fields if name in data and getattr(instance, name) != data[name]]


def _frozen(journey: Journey) -> ApplicationError:
    message = (
        f"Version {journey.version} is {journey.get_status_display().lower()}: start a new "
        "version to change it."
    )
    return ApplicationError(message, fields={"status": [message]})


def _lock_draft(journey_id: int) -> Journey:
    """The journey, row-locked until the transaction ends, refused unless it is a draft: no
    edit slips in while the version is being published or copied."""
    journey = Journey.objects.select_for_update().get(pk=journey_id)
    if not journey.is_draft:
        raise _frozen(journey)
    return journey


# --- the parts of a version: stages, transitions, playbook cells, stage KPIs ------------------


@transaction.atomic
def journey_part_save(
    *, part: Model, changed_by: User | None, changed_fields: Iterable[str] = ()
) -> Model:
    """Validate and save a stage, transition, playbook cell or stage KPI of a draft version.

    `part` carries its new values; `changed_fields` names them for the change log.
    """
    kind = _PARTS[type(part)]
    adding = part._state.adding
    if not adding and not changed_fields:
        return part  # e.g. an admin page saved as it was
    journeys = {kind.journey_id(part)}
    if not adding:  # the version it is in now, should the edit move it
        journeys.add(kind.journey_id(type(part).objects.get(pk=part.pk)))
    if None in journeys:
        part.full_clean()  # reports the missing stage or journey by name
    locked = [_lock_draft(journey_id) for journey_id in sorted(journeys - {None})]
    part.full_clean()
    part.save()
    what = "added" if adding else f"{_field_names(type(part), changed_fields)} edited"
    for journey in locked:
        _log(journey, changed_by, f"{kind.noun} {part}: {what}")
    return part


def journey_part_create(*, model: type[Model], data: dict, changed_by: User | None) -> Model:
    fields = _PARTS[model].fields
    return journey_part_save(
        part=model(**{name: data[name] for name in fields if name in data}),
        changed_by=changed_by,
    )


def journey_part_update(*, part: Model, data: dict, changed_by: User | None) -> Model:
    changed = _changed(part, _PARTS[type(part)].fields, data)
    if not changed:
        return part
    if isinstance(part, JourneyStage | StageTransition) and "journey" in changed:
        raise ApplicationError(
            "A stage or transition stays in its journey version.",
            fields={"journey": ["Cannot move to another journey; add it there instead."]},
        )
    for name in changed:
        setattr(part, name, data[name])
    return journey_part_save(part=part, changed_by=changed_by, changed_fields=changed)


@transaction.atomic
def journey_part_delete(*, part: Model, changed_by: User | None) -> None:
    kind = _PARTS[type(part)]
    journey = _lock_draft(kind.journey_id(part))
    summary = f"{kind.noun} {part}: removed"
    rules = _signal_rules(journey_id=journey.pk) if isinstance(part, JourneyStage) else {}
    try:
        part.delete()
    except ProtectedError as error:
        uses = sorted({str(row) for row in error.protected_objects})[:3]
        raise ApplicationError(
            f"{part} is still in use ({', '.join(uses)}); map those elsewhere first.",
            fields={"non_field_errors": [f"{part} is still in use."]},
        ) from error
    _rules_removed(rules, journey_id=journey.pk, why=f"stage {part}", changed_by=changed_by)
    _log(journey, changed_by, summary)


def _signal_rules(*, journey_id: int) -> dict[int, str]:
    """The signal rules on the journey version's stages (by id, described)."""
    rules = SignalRule.objects.filter(journey_stage__journey_id=journey_id)
    return {rule.pk: str(rule) for rule in rules.select_related("journey_stage")}


def _rules_removed(
    before: dict[int, str], *, journey_id: int | None, why: str, changed_by: User | None
) -> None:
    """Rules that went with deleted stages (a cascade): a rule set version records it."""
    left = set(_signal_rules(journey_id=journey_id)) if journey_id else set()
    removed = [label for pk, label in before.items() if pk not in left]
    if removed:
        signal_rules_changed_with(
            summary=f"Rules removed with {why}: {', '.join(removed)}", user=changed_by
        )


@transaction.atomic
def playbook_cell_save(
    *,
    stage: JourneyStage,
    persona: Persona,
    account: Account | None = None,
    data: dict,
    assets: Iterable[Asset] | None = None,
    changed_by: User | None,
) -> PlaybookCell:
    """Write a stage × persona cell (the account's own with `account`), creating it if new.

    `assets`, when given, are the published assets of the stage that serve the persona: the
    persona is added to those and removed from the stage's other published assets.
    """
    _lock_draft(stage.journey_id)
    cell = PlaybookCell.objects.filter(stage=stage, persona=persona, account=account).first()
    cell = cell or PlaybookCell(stage=stage, persona=persona, account=account)
    fields = ("replaces_persona_cell", *PlaybookCell.LIST_FIELDS)
    changed = _changed(cell, fields, data)
    for name in changed:
        setattr(cell, name, data[name])
    if changed or cell._state.adding:
        journey_part_save(part=cell, changed_by=changed_by, changed_fields=changed)
    if assets is not None:
        _map_assets(cell=cell, assets=set(assets), changed_by=changed_by)
    return cell


def _map_assets(*, cell: PlaybookCell, assets: set[Asset], changed_by: User | None) -> None:
    persona, added, removed = cell.persona, [], []
    for asset in selectors.stage_assets(stage=cell.stage):
        personas = list(asset.personas.all())
        serves = persona in personas
        if (asset in assets) == serves:
            continue
        if serves:
            personas.remove(persona)
            removed.append(asset.title)
        else:
            personas.append(persona)
            added.append(asset.title)
        asset_update(asset=asset, data={"personas": personas})
    if added or removed:
        moves = [*(f"+{title}" for title in added), *(f"−{title}" for title in removed)]
        _log(cell.stage.journey, changed_by, f"content for {cell}: {', '.join(moves)}")


# --- the structure of a draft: stages, sub-stages and allowed moves --------------------------
STAGE_EDIT_FIELDS = ["name", "phase", "description", "entry_criteria", "exit_triggers"]


def _unique_slug(*, journey: Journey, name: str) -> str:
    base = slugify(name)[:70] or "stage"
    taken = set(journey.stages.values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def journey_stage_add(*, journey: Journey, data: dict, changed_by: User | None) -> JourneyStage:
    """A stage (a sub-stage with `parent`) at the end of its siblings in a draft version; its
    slug comes from its name and is kept from then on, from version to version."""
    journey = _lock_draft(journey.pk)
    parent: JourneyStage | None = data.get("parent")
    if parent is not None and parent.journey_id != journey.pk:
        message = "This stage belongs to another journey."
        raise ApplicationError(message, fields={"parent": [message]})
    siblings = journey.stages.filter(parent=parent)
    last = siblings.aggregate(last=Max("position"))["last"]
    fields = {name: data[name] for name in STAGE_EDIT_FIELDS if name in data}
    if parent is not None:
        fields.setdefault("phase", parent.phase)
    return journey_part_create(
        model=JourneyStage,
        data=fields
        | {
            "journey": journey,
            "parent": parent,
            "slug": _unique_slug(journey=journey, name=data.get("name", "")),
            "position": (last or 0) + 1,
        },
        changed_by=changed_by,
    )


def journey_stage_update(
    *, stage: JourneyStage, data: dict, changed_by: User | None
) -> JourneyStage:
    """Rename a stage or change its phase, description, entry criteria and exit triggers; its
    slug, journey and place stay (reorder with `journey_stage_move`)."""
    fields = {name: data[name] for name in STAGE_EDIT_FIELDS if name in data}
    return journey_part_update(part=stage, data=fields, changed_by=changed_by)


@transaction.atomic
def journey_stage_move(*, stage: JourneyStage, up: bool, changed_by: User | None) -> JourneyStage:
    """Swap a stage with the sibling before (`up`) or after it; at either end nothing moves."""
    journey = _lock_draft(stage.journey_id)
    siblings = list(journey.stages.filter(parent_id=stage.parent_id).order_by("position", "pk"))
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == stage.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(siblings):
        return stage
    this, other = siblings[index], siblings[other_index]
    # Positions are unique among siblings: park one past the end while the other takes its place.
    spare = max(sibling.position for sibling in siblings) + 1
    this_position, other_position = this.position, other.position
    for row, position in ((this, spare), (other, this_position), (this, other_position)):
        row.position = position
        row.save(update_fields=["position"])
    _log(journey, changed_by, f"stage {this}: moved {'up' if up else 'down'}")
    return this


def journey_stage_remove(*, stage: JourneyStage, changed_by: User | None) -> None:
    """Remove a draft's stage with its sub-stages, moves, playbook cells and KPIs; refused while
    content or campaigns are mapped to it (they point at it, not at a later version's)."""
    journey_part_delete(part=stage, changed_by=changed_by)


@transaction.atomic
def journey_transition_add(
    *,
    journey: Journey,
    from_stage: JourneyStage,
    to_stage: JourneyStage,
    trigger: str = "",
    changed_by: User | None,
) -> StageTransition:
    """Allow a move between two stages of a draft version (a graph: skips and moves back are
    fine); each problem is named on the field it is about."""
    journey = _lock_draft(journey.pk)
    errors: dict[str, list[str]] = {}
    for name, stage in (("from_stage", from_stage), ("to_stage", to_stage)):
        if stage.journey_id != journey.pk:
            errors[name] = [f"{stage} belongs to another journey ({stage.journey})."]
    if not errors and from_stage.pk == to_stage.pk:
        errors["to_stage"] = ["A move leads to another stage: pick a different one."]
    elif (
        not errors and journey.transitions.filter(from_stage=from_stage, to_stage=to_stage).exists()
    ):
        errors["to_stage"] = [f"The move {from_stage} → {to_stage} is already allowed."]
    if errors:
        raise ApplicationError("The move cannot be added.", fields=errors)
    return journey_part_create(
        model=StageTransition,
        data={
            "journey": journey,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "trigger": trigger,
        },
        changed_by=changed_by,
    )


# --- journeys and their versions -------------------------------------------------------------


def _unique_key(name: str) -> str:
    base = slugify(name)[:70] or "journey"
    taken = set(Journey.objects.filter(key__startswith=base).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def journey_create(*, data: dict, changed_by: User | None) -> Journey:
    """A new journey: draft version 1 under a key no other journey uses (without `key`, one
    made from its name)."""
    if not data.get("key"):
        data = {**data, "key": _unique_key(data.get("name", ""))}
    elif Journey.objects.filter(key=data.get("key")).exists():
        message = "A journey with this key exists: start a new version of it instead."
        raise ApplicationError(message, fields={"key": [message]})
    fields = ["key", *JOURNEY_FIELDS]
    journey = model_create(
        model=Journey,
        data={name: data[name] for name in fields if name in data}
        | {"version": 1, "status": Journey.Status.DRAFT},
    )
    _log(journey, changed_by, "Journey created: draft version 1")
    return journey


@transaction.atomic
def journey_update(*, journey: Journey, data: dict, changed_by: User | None) -> Journey:
    """Edit a journey's name and scope (drafts only), owner and review cadence."""
    changed = _changed(journey, JOURNEY_FIELDS, data)
    if not changed:
        return journey
    locked = Journey.objects.select_for_update().get(pk=journey.pk)
    archived = locked.status == Journey.Status.ARCHIVED
    if archived or (not locked.is_draft and set(changed) & set(JOURNEY_CONTENT_FIELDS)):
        raise _frozen(locked)
    journey, _ = model_update(instance=journey, fields=changed, data=data)
    _log(journey, changed_by, f"journey: {_field_names(Journey, changed)} edited")
    return journey


@transaction.atomic
def journey_delete(*, journey: Journey, changed_by: User | None) -> None:
    """Remove a draft version; published and archived versions are history and stay."""
    _lock_draft(journey.pk)
    rules = _signal_rules(journey_id=journey.pk)
    why = f"draft version {journey.version} of {journey.name}"
    try:
        journey.delete()
    except ProtectedError as error:
        raise ApplicationError(
            "Campaigns or content use this draft's stages; map them elsewhere first.",
            fields={"non_field_errors": ["The draft's stages are in use."]},
        ) from error
    _rules_removed(rules, journey_id=None, why=why, changed_by=changed_by)


def _versions_locked(journey: Journey) -> tuple[Journey, list[Journey]]:
    """`journey` and every version of its key, row-locked in version order."""
    versions = list(Journey.objects.select_for_update().filter(key=journey.key).order_by("version"))
    return next(v for v in versions if v.pk == journey.pk), versions


@transaction.atomic
def journey_publish(
    *, journey: Journey, changed_by: User | None, at: datetime | None = None
) -> Journey:
    """Publish a draft: the published version of its key is archived, what follows the
    published version (`FOLLOWERS`) moves to the new version's stage of the same slug, and
    publishing counts as a review. Campaigns and content keep the stages they point at."""
    at = at or timezone.now()
    draft, versions = _versions_locked(journey)
    if not draft.is_draft:
        raise _frozen(draft)
    if not draft.stages.exists():
        message = "A journey needs at least one stage before it is published."
        raise ApplicationError(message, fields={"stages": [message]})
    problems = selectors.journey_structure_problems(journey=draft)
    if problems:
        raise ApplicationError(
            "Fix the journey's stages and transitions before publishing.",
            fields={"transitions": [problem.message for problem in problems]},
        )
    previous = [v for v in versions if v.status == Journey.Status.PUBLISHED]
    for old in previous:  # archived first: one published version per key at any moment
        model_update(instance=old, fields=["status"], data={"status": Journey.Status.ARCHIVED})
    draft, _ = model_update(
        instance=draft,
        fields=["status", "published_at", "last_reviewed_at"],
        data={"status": Journey.Status.PUBLISHED, "published_at": at, "last_reviewed_at": at},
    )
    JourneyReview.objects.create(
        journey=draft,
        reviewed_by=changed_by,
        reviewed_at=at,
        notes=f"Published as version {draft.version}.",
    )
    summary = f"Published version {draft.version}"
    if previous:
        summary += f"; version {previous[-1].version} archived"
    lined_up = _repoint_followers(draft)
    summary += lined_up
    if "signal rules lined up" in lined_up:
        signal_rules_changed_with(
            summary=f"Rules moved to the stages of {draft.name} version {draft.version}",
            user=changed_by,
        )
    _log(draft, changed_by, summary)
    return draft


# What follows the published version to its stage of the same slug: the sales funnel's mapping,
# the signal rules that infer stages and the nurture sequences run for a stage. Campaigns and
# content keep the stage they were planned on.
FOLLOWERS: tuple[tuple[str, type[Model]], ...] = (
    ("pipeline stages", PipelineStage),
    ("signal rules", SignalRule),
    ("nurture sequences", Sequence),
)


def _repoint_followers(journey: Journey) -> str:
    """Move every follower on an earlier version of `journey` to its stage of the same slug."""
    new_stages = {stage.slug: stage for stage in journey.stages.all()}
    text = ""
    for label, model in FOLLOWERS:
        rows = list(
            model.objects.filter(journey_stage__journey__key=journey.key)
            .exclude(journey_stage__journey=journey)
            .select_related("journey_stage")
        )
        moved = [row for row in rows if row.journey_stage.slug in new_stages]
        for row in moved:
            row.journey_stage = new_stages[row.journey_stage.slug]
        bulk_update_with_history(moved, model, ["journey_stage"])
        if moved:
            text += f"; {label} lined up: {len(moved)}"
        if left := [str(row) for row in rows if row.journey_stage.slug not in new_stages]:
            text += f"; no stage of the same slug for {label} {', '.join(left)}, left as they were"
    return text


def _copy(row: Model, **changes) -> Model:
    values = {
        f.attname: getattr(row, f.attname) for f in row._meta.concrete_fields if not f.primary_key
    }
    return type(row)(**values | changes)


@transaction.atomic
def journey_new_version(
    *, journey: Journey, changed_by: User | None, with_parts: bool = True, note: str = ""
) -> Journey:
    """A new draft, one version up, copied from the published version with its stages and
    sub-stages, transitions, playbook cells (accounts' too) and stage KPIs; without them
    (`with_parts=False`) for a caller that fills the draft itself. `note` says why, in the
    history."""
    source, versions = _versions_locked(journey)
    if source.status != Journey.Status.PUBLISHED:
        message = "Start a new version from the published version."
        raise ApplicationError(message, fields={"status": [message]})
    if draft := next((v for v in versions if v.is_draft), None):
        message = f"Version {draft.version} is already a draft of this journey: edit that one."
        raise ApplicationError(message, fields={"status": [message]})
    copy = model_create(
        model=Journey,
        data={
            "key": source.key,
            "version": versions[-1].version + 1,
            "name": source.name,
            "scope": source.scope,
            "owner": source.owner,
            "status": Journey.Status.DRAFT,
            "based_on": source,
            "review_cadence_months": source.review_cadence_months,
            "last_reviewed_at": source.last_reviewed_at,
        },
    )
    summary = f"Draft version {copy.version} started from version {source.version}"
    _log(copy, changed_by, f"{summary}: {note}" if note else summary)
    if with_parts:
        _copy_parts(source=source, copy=copy)
    return copy


def _copy_parts(*, source: Journey, copy: Journey) -> None:
    stages = list(source.stages.order_by(F("parent_id").asc(nulls_first=True), "position"))
    new_ids: dict[int, int] = {}
    for level in (
        [s for s in stages if s.parent_id is None],
        [s for s in stages if s.parent_id is not None],
    ):
        copies = bulk_create_with_history(
            [_copy(s, journey_id=copy.pk, parent_id=new_ids.get(s.parent_id)) for s in level],
            JourneyStage,
        )
        new_ids |= {old.pk: new.pk for old, new in zip(level, copies, strict=True)}
    bulk_create_with_history(
        [
            _copy(
                t,
                journey_id=copy.pk,
                from_stage_id=new_ids[t.from_stage_id],
                to_stage_id=new_ids[t.to_stage_id],
            )
            for t in source.transitions.all()
        ],
        StageTransition,
    )
    for model in (PlaybookCell, StageKpi):
        bulk_create_with_history(
            [
                _copy(row, stage_id=new_ids[row.stage_id])
                for row in model.objects.filter(stage__journey=source)
            ],
            model,
        )


# --- reviews ---------------------------------------------------------------------------------


def _refuse_archived(journey: Journey) -> None:
    if journey.status == Journey.Status.ARCHIVED:
        raise _frozen(journey)


@transaction.atomic
def journey_mark_reviewed(
    *, journey: Journey, reviewed_by: User | None, notes: str = "", at: datetime | None = None
) -> JourneyReview:
    """Record a review; the next one falls due a review cadence from now."""
    _refuse_archived(journey)
    at = at or timezone.now()
    review = model_create(
        model=JourneyReview,
        data={"journey": journey, "reviewed_by": reviewed_by, "reviewed_at": at, "notes": notes},
    )
    model_update(instance=journey, fields=["last_reviewed_at"], data={"last_reviewed_at": at})
    _log(journey, reviewed_by, "Marked reviewed")
    return review


@transaction.atomic
def journey_review_trigger_record(
    *,
    journey: Journey,
    kind: str,
    note: str = "",
    recorded_by: User | None,
    at: datetime | None = None,
) -> JourneyReviewTrigger:
    """Something changed (a new product, market, buying behaviour): a review is due now."""
    _refuse_archived(journey)
    trigger = model_create(
        model=JourneyReviewTrigger,
        data={
            "journey": journey,
            "kind": kind,
            "note": note,
            "recorded_by": recorded_by,
            "recorded_at": at or timezone.now(),
        },
    )
    _log(journey, recorded_by, f"Review trigger recorded: {trigger.get_kind_display()}")
    return trigger


def journey_review_reminders_send(*, today: date | None = None) -> int:
    """Email each published journey's owner once per due date when its review falls due.

    A reminder row per (journey, due date) is inserted first, ignoring the ones already there;
    each is then claimed under `FOR UPDATE SKIP LOCKED` and marked sent in the transaction that
    sends it. So runs that repeat or overlap send one email per due date, and an email that
    failed to go is retried by the next run. Returns how many emails this run sent.
    """
    today = today or timezone.now().date()
    due = selectors.journeys_due_for_review(today=today)
    ReviewReminder.objects.bulk_create(
        [ReviewReminder(journey=status.journey, due_on=status.due_on) for status in due],
        ignore_conflicts=True,
    )
    return sum(_send_review_reminder(status) for status in due)


@transaction.atomic
def _send_review_reminder(status: selectors.ReviewStatus) -> bool:
    journey = status.journey
    reminder = (
        ReviewReminder.objects.select_for_update(skip_locked=True)
        .filter(journey=journey, due_on=status.due_on, sent_at__isnull=True)
        .first()
    )
    if reminder is None:  # sent already, or another run is sending it right now
        return False
    if status.triggers:
        reason = "Since the last review: " + "; ".join(
            f"{t.get_kind_display()} ({t.note})" if t.note else t.get_kind_display()
            for t in status.triggers
        )
    else:
        reason = f"It is reviewed every {journey.review_cadence_months} months."
    url = settings.SITE_URL.rstrip("/") + reverse("journeys:map", args=[journey.pk])
    send_mail(
        subject=f"Time to review the journey map: {journey}",
        message=(
            f"The review of {journey} is due since {status.due_on:%d %B %Y}.\n{reason}\n\n"
            f"Check the map with your team and mark it reviewed: {url}\n"
        ),
        from_email=None,
        recipient_list=[journey.owner.email],
    )
    model_update(
        instance=reminder,
        fields=["sent_to", "sent_at"],
        data={"sent_to": journey.owner.email, "sent_at": timezone.now()},
    )
    notify(
        recipient=journey.owner,
        kind=Notification.Kind.REVIEW_DUE,
        subject=reminder,
        text=f"The review of the journey map {journey} is due since {status.due_on:%d %B %Y}.",
        url=reverse("journeys:map", args=[journey.pk]),
    )
    return True
