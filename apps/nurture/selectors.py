from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from apps.accounts.models import Contact
from apps.core.csv_export import export_rows
from apps.core.validators import fold_to_single_line
from apps.nurture.emails import merge_values
from apps.nurture.merge_fields import MergeTemplate
from apps.nurture.models import (
    Enrollment,
    ExitReason,
    Sequence,
    Step,
    StepVariant,
    SuppressedAddress,
    Touch,
)
from apps.pipeline import selectors as pipeline_selectors
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import User

DONE_TASKS_SHOWN = 20
FAILURES_SHOWN = 20


def _count(rows: QuerySet, *, to: str) -> Coalesce:
    counted = rows.filter(**{to: OuterRef("pk")}).order_by().values(to).annotate(n=Count("pk"))
    return Coalesce(Subquery(counted.values("n"), output_field=IntegerField()), 0)


def sequence_list() -> QuerySet[Sequence]:
    """Sequences with their stage, persona, step count and active enrolment count."""
    active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
    return (
        Sequence.objects.active()
        .select_related("journey_stage__parent", "persona")
        .annotate(
            step_count=_count(Step.objects.all(), to="sequence"),
            active_count=_count(active, to="sequence"),
        )
        .order_by("journey_stage__journey", "journey_stage__position", "name", "pk")
    )


def sequence_steps(*, sequence_id: int) -> list[Step]:
    return list(
        Step.objects.filter(sequence_id=sequence_id)
        .select_related("asset", "winner")
        .prefetch_related("variants")
    )


def sequence_failures(*, sequence_id: int) -> list[Enrollment]:
    """The latest enrolments of the sequence that ended on a step that could not be sent."""
    return list(
        Enrollment.objects.filter(sequence_id=sequence_id, exit_reason=ExitReason.FAILED)
        .select_related("contact", "opportunity", "next_step")
        .order_by("-ended_at", "-pk")[:FAILURES_SHOWN]
    )


@dataclass(frozen=True)
class StepPreview:
    subject: str
    body: str


def step_preview(
    *, step: Step, contact: Contact, variant: StepVariant | None = None
) -> StepPreview:
    """The step (or its A/B `variant`) as `contact` would get it, for their latest open deal
    (if any)."""
    deal = (
        Opportunity.objects.filter(
            account_id=contact.account_id, stage__outcome=PipelineStage.Outcome.OPEN
        )
        .select_related("owner")
        .order_by("-stage_entered_at")
        .first()
    )
    owner = deal.owner if deal else contact.account.owner
    values = merge_values(contact=contact, opportunity=deal, owner=owner, asset=step.asset)
    text = variant or step
    return StepPreview(
        subject=fold_to_single_line(MergeTemplate.compile(text.subject).render(values)),
        body=MergeTemplate.compile(text.body).render(values),
    )


def preview_contacts(*, limit: int = 100) -> QuerySet[Contact]:
    """Contacts to preview an email for: sample buyers, by name."""
    return (
        Contact.objects.active()
        .select_related("account")
        .order_by("last_name", "first_name", "pk")[:limit]
    )


def sequence_enrollments(*, sequence_id: int) -> QuerySet[Enrollment]:
    """A sequence's enrolments, active first then newest, with contact, deal and next step."""
    return (
        Enrollment.objects.filter(sequence_id=sequence_id)
        .select_related("contact__account", "opportunity", "next_step", "enrolled_by")
        .order_by("status", "-enrolled_at", "-pk")
    )


def enrollment_labels(*, enrollment_ids) -> dict[int, str]:
    """ "Jo Doe in Nurture A" per enrolment, to name those a bulk action left alone."""
    rows = Enrollment.objects.filter(pk__in=list(enrollment_ids)).select_related(
        "contact", "sequence"
    )
    return {row.pk: f"{row.contact} in {row.sequence.name}" for row in rows}


def active_sequences() -> QuerySet[Sequence]:
    """The sequences that take enrolments (active, not archived), by name."""
    return Sequence.objects.active().filter(is_active=True).order_by("name", "pk")


def enrollment_timeline(
    *, opportunity_id: int | None = None, contact_id: int | None = None
) -> list[Enrollment]:
    """Enrolments of a deal or of a contact, newest first, each with its touches in order."""
    enrollments = Enrollment.objects.select_related(
        "sequence", "contact", "next_step", "opportunity", "enrolled_by"
    ).prefetch_related(
        Prefetch(
            "touches",
            queryset=Touch.objects.select_related("step", "assignee").order_by("sent_at", "pk"),
        )
    )
    if opportunity_id is not None:
        enrollments = enrollments.filter(opportunity_id=opportunity_id)
    if contact_id is not None:
        enrollments = enrollments.filter(contact_id=contact_id)
    return list(enrollments.order_by("-enrolled_at", "-pk"))


def stalled_opportunities(*, owner: User | None = None) -> QuerySet[Opportunity]:
    """The stalled deals (`apps.pipeline.selectors.STALLED`), longest stalled first, with
    their nurture in numbers."""
    deals = pipeline_selectors.stalled_opportunities(owner=owner).select_related(
        "account", "owner", "stage"
    )
    active = Enrollment.objects.filter(status=Enrollment.Status.ACTIVE)
    return deals.annotate(
        active_enrollments=_count(active, to="opportunity"),
        touches_sent=_count(Touch.objects.all(), to="enrollment__opportunity"),
    ).order_by("stalled_since", "pk")


STALLED_CSV_COLUMNS = (
    "opportunity",
    "account",
    "account_domain",
    "owner_email",
    "stage",
    "stall_reason",
    "stalled_since",
    "active_enrollments",
    "touches_sent",
)


def stalled_export_rows(*, opportunities: QuerySet[Opportunity]) -> Iterator[tuple]:
    """`opportunities` (the `stalled_opportunities`) as rows of `STALLED_CSV_COLUMNS`."""
    return export_rows(
        opportunities,
        STALLED_CSV_COLUMNS,
        opportunity="name",
        account="account__name",
        account_domain="account__domain",
        owner_email="owner__email",
        stage="stage__name",
    )


def assigned_tasks(*, assignee: User) -> QuerySet[Touch]:
    """Every nurture task (a touch of kind task) given to `assignee`, oldest first."""
    return (
        Touch.objects.filter(assignee=assignee, kind=Step.Kind.TASK)
        .select_related("step__asset", "enrollment__contact__account", "enrollment__opportunity")
        .order_by("sent_at", "pk")
    )


def task_list(*, assignee: User) -> dict[str, list[Touch]]:
    """A rep's nurture tasks: open ones oldest first, then the latest done."""
    tasks = assigned_tasks(assignee=assignee)
    return {
        "open": list(tasks.filter(completed_at__isnull=True)),
        "done": list(
            tasks.filter(completed_at__isnull=False).order_by("-completed_at", "-pk")[
                :DONE_TASKS_SHOWN
            ]
        ),
    }


TOUCH_CSV_COLUMNS = (
    "sent_at",
    "kind",
    "task_action",
    "subject",
    "sequence",
    "contact_email",
    "account_domain",
    "opportunity",
    "completed_at",
)


def touch_export_rows(*, touches: QuerySet[Touch]) -> Iterator[tuple]:
    """`touches` (e.g. `assigned_tasks`) as rows of `TOUCH_CSV_COLUMNS`."""
    return export_rows(
        touches,
        TOUCH_CSV_COLUMNS,
        task_action="step__task_action",
        sequence="enrollment__sequence__name",
        contact_email="enrollment__contact__email",
        account_domain="enrollment__contact__account__domain",
        opportunity="enrollment__opportunity__name",
    )


def address_suppression(*, email: str) -> SuppressedAddress | None:
    """Why no sequence emails this address, if none may (hard bounce, complaint…)."""
    return SuppressedAddress.objects.filter(email=email).first() if email else None
