from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Contact
from apps.core.api.permissions import bound_to_own_records
from apps.core.bulk_actions import bulk_confirmation, report_bulk, ticked_ids
from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError
from apps.core.listing import list_page
from apps.core.views import allowed, delete_confirmation
from apps.nurture import results, selectors, services
from apps.nurture.emails import unsubscribe_target
from apps.nurture.filters import EnrollmentFilter, SequenceFilter
from apps.nurture.forms import (
    BulkEnrolForm,
    EnrolForm,
    PreviewForm,
    ResultsForm,
    SequenceForm,
    StepForm,
    StepVariantForm,
)
from apps.nurture.models import Enrollment, Sequence, Step, StepVariant, Touch
from apps.pipeline.models import Opportunity
from apps.users.selectors import SELLING_ROLES, user_role


def _saved(form: Form, write: Callable[[dict], object]) -> object | None:
    """The service write's result for a valid form, else None with the errors on the form.

    A domain error lands on the field it names.
    """
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data) or True
    except (ApplicationError, ValidationError) as error:
        for field, problems in _problems(error).items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        return None


def _problems(error: ApplicationError | ValidationError) -> dict[str, list[str]]:
    if isinstance(error, ApplicationError):
        return error.fields or {"__all__": [error.message]}
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _own_deal_or_403(user, opportunity: Opportunity | None) -> None:
    """A sales rep acts on nurture only for their own deals."""
    if bound_to_own_records(user=user) and (opportunity is None or opportunity.owner != user):
        raise PermissionDenied


ENROLLMENT_SORTS = {
    "contact": ("contact__last_name", "contact__first_name"),
    "account": "contact__account__name",
    "deal": "opportunity__name",
    "status": "status",
    "enrolled": "enrolled_at",
    "next": "due_at",
}


@allowed("nurture.view_sequence", "nurture.view_enrollment")
def sequence_enrollments(request: HttpRequest, sequence_id: int) -> HttpResponse:
    """Who is in a sequence, sortable and filterable, with a bulk exit for the ticked ones."""
    sequence = get_object_or_404(Sequence, pk=sequence_id)
    listing = list_page(
        request,
        selectors.sequence_enrollments(sequence_id=sequence.pk),
        sorts=ENROLLMENT_SORTS,
        filterset=EnrollmentFilter,
    )
    can_exit = request.user.has_perm("nurture.change_enrollment")
    context = {
        "sequence": sequence,
        "listing": listing,
        "page_obj": listing.page_obj,
        "can_exit": can_exit
        and any(e.status == Enrollment.Status.ACTIVE for e in listing.page_obj),
    }
    return render(request, "nurture/sequence_enrollments.html", context)


@require_POST
@allowed("nurture.change_enrollment")
def enrollments_bulk_exit(request: HttpRequest) -> HttpResponse:
    """Take the ticked contacts out of their sequence: asks first, then exits those it may in
    one transaction and names each one it left alone with why."""
    ids = ticked_ids(request)
    back = request.POST.get("back") or reverse("nurture:sequence_list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("nurture:sequence_list")
    if not ids:
        messages.error(request, "Tick the enrolments to end.")
        return redirect(back)
    labels = selectors.enrollment_labels(enrollment_ids=ids)
    if not request.POST.get("confirm"):
        return bulk_confirmation(
            request,
            question=f"Take {len(ids)} contact{pluralize(len(ids))} out of the sequence?",
            labels=[labels.get(pk, f"enrolment {pk}") for pk in ids],
            button="End these enrolments",
            back=back,
            explanation="They get no further steps; their touches so far stay on record.",
        )
    result = services.enrollments_exit(enrollment_ids=ids, by=request.user)
    report_bulk(request, result=result, done="ended", noun="enrolment", labels=labels)
    return redirect(back)


@require_POST
@allowed("nurture.add_enrollment", "accounts.view_contact")
def contacts_bulk_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol the ticked contacts (an account's committee) in one active sequence; marketing,
    managers and admins (a rep enrols from their own deal's page)."""
    if bound_to_own_records(user=request.user):
        raise PermissionDenied("A rep enrols contacts from their own deal's page.")
    back = request.POST.get("back") or reverse("web:account_list")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:account_list")
    form = BulkEnrolForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return redirect(back)
    sequence = form.cleaned_data["sequence"]
    try:
        result = services.contacts_enrol(
            contact_ids=form.cleaned_data["ids"], sequence=sequence, enrolled_by=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect(back)
    names = dict(Contact.objects.filter(pk__in=list(result.refused)).values_list("pk", "email"))
    report_bulk(
        request, result=result, done=f"enrolled in {sequence.name}", noun="contact", labels=names
    )
    return redirect(back)


# -- marketers: sequences ---------------------------------------------------------------------


SEQUENCE_SORTS = {
    "name": "name",
    "stage": ("journey_stage__journey__name", "journey_stage__position"),
    "for": ("persona__name", "buying_role"),
    "steps": "step_count",
    "active": "active_count",
    "status": "is_active",
}


@login_required
def nurture_index(request: HttpRequest) -> HttpResponse:
    """/nurture/ on its own: a rep's tasks, everyone else's sequences."""
    selling = user_role(user=request.user) in SELLING_ROLES
    return redirect("nurture:task_list" if selling else "nurture:sequence_list")


@allowed("nurture.view_sequence")
def sequence_list(request: HttpRequest) -> HttpResponse:
    form = SequenceForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("nurture.add_sequence"):
            raise PermissionDenied
        created = _saved(form, lambda data: services.sequence_create(data=data))
        if created:
            messages.success(request, "Sequence created: add its steps, then activate it.")
            return redirect("nurture:sequence_detail", created.pk)
    listing = list_page(
        request, selectors.sequence_list(), sorts=SEQUENCE_SORTS, filterset=SequenceFilter
    )
    return render(
        request,
        "nurture/sequence_list.html",
        {"listing": listing, "page_obj": listing.page_obj, "form": form},
    )


@allowed("nurture.view_sequence", "nurture.view_step")
def sequence_detail(request: HttpRequest, sequence_id: int) -> HttpResponse:
    sequence = get_object_or_404(
        Sequence.objects.select_related("journey_stage__parent"), pk=sequence_id
    )
    # The form works on its own copy: the service compares the stored sequence with the input.
    form = SequenceForm(request.POST or None, instance=Sequence.objects.get(pk=sequence_id))
    if request.method == "POST":
        if not request.user.has_perm("nurture.change_sequence"):
            raise PermissionDenied
        if _saved(form, lambda data: services.sequence_update(sequence=sequence, data=data)):
            messages.success(request, "Sequence saved.")
            return redirect("nurture:sequence_detail", sequence.pk)
    return _editor(request, sequence, sequence_form=form)


def _editor(
    request: HttpRequest,
    sequence: Sequence,
    *,
    sequence_form: SequenceForm | None = None,
    new_step: StepForm | None = None,
    edited: StepForm | StepVariantForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The sequence page; `edited` is a step or variant form sent back with its errors."""

    def form(kind, prefix: str, **kwargs):
        return (
            edited
            if edited is not None and edited.prefix == prefix
            else kind(prefix=prefix, **kwargs)
        )

    steps = selectors.sequence_steps(sequence_id=sequence.pk)
    step_forms = [
        (
            step,
            form(StepForm, f"step-{step.pk}", instance=step, sequence=sequence),
            [
                (
                    variant,
                    form(StepVariantForm, f"variant-{variant.pk}", instance=variant, step=step),
                )
                for variant in step.variants.all()
            ],
            form(StepVariantForm, f"new-variant-{step.pk}", step=step),
        )
        for step in steps
    ]
    return render(
        request,
        "nurture/sequence_detail.html",
        {
            "sequence": sequence,
            "form": sequence_form or SequenceForm(instance=sequence),
            "step_forms": step_forms,
            "failures": selectors.sequence_failures(sequence_id=sequence.pk),
            "new_step": new_step or StepForm(sequence=sequence, prefix="new"),
            "preview_contacts": selectors.preview_contacts(),
            "may_edit": request.user.has_perm("nurture.change_step"),
        },
        status=status,
    )


@require_POST
@allowed("nurture.add_step")
def step_create(request: HttpRequest, sequence_id: int) -> HttpResponse:
    sequence = get_object_or_404(Sequence, pk=sequence_id)
    form = StepForm(request.POST, sequence=sequence, prefix="new")
    if _saved(form, lambda data: services.step_create(data=data | {"sequence": sequence})):
        messages.success(request, "Step added.")
        return redirect("nurture:sequence_detail", sequence.pk)
    return _editor(request, sequence, new_step=form, status=400)


@require_POST
@allowed("nurture.change_step")
def step_update(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step.objects.select_related("sequence"), pk=step_id)
    # The form works on its own copy: the service compares the stored step with the input.
    stored = Step.objects.get(pk=step_id)
    form = StepForm(request.POST, instance=stored, sequence=step.sequence, prefix=f"step-{step.pk}")
    if _saved(form, lambda data: services.step_update(step=step, data=data)):
        messages.success(request, f"Step {step.position} saved.")
        return redirect("nurture:sequence_detail", step.sequence_id)
    return _editor(request, step.sequence, edited=form, status=400)


@require_http_methods(["GET", "POST"])
@allowed("nurture.delete_step")
def step_delete(request: HttpRequest, step_id: int) -> HttpResponse:
    step = get_object_or_404(Step, pk=step_id)
    sequence_page = reverse("nurture:sequence_detail", args=[step.sequence_id])
    return delete_confirmation(
        request,
        instance=step,
        delete=lambda: services.step_delete(step=step),
        back=sequence_page,
        done=sequence_page,
        success="Step removed.",
    )


def _step_page(step: Step) -> str:
    return f"{reverse('nurture:sequence_detail', args=[step.sequence_id])}#step-{step.pk}"


@require_POST
@allowed("nurture.add_stepvariant")
def variant_create(request: HttpRequest, step_id: int) -> HttpResponse:
    """Add an A/B variant; the step's first one makes its own text variant A."""
    step = get_object_or_404(Step.objects.select_related("sequence", "winner"), pk=step_id)
    form = StepVariantForm(request.POST, step=step, prefix=f"new-variant-{step.pk}")
    variant = _saved(form, lambda data: services.step_variant_create(step=step, data=data))
    if variant:
        messages.success(request, f"Variant {variant.label} added to step {step.position}.")
        return redirect(_step_page(step))
    return _editor(request, step.sequence, edited=form, status=400)


@require_POST
@allowed("nurture.change_stepvariant")
def variant_update(request: HttpRequest, variant_id: int) -> HttpResponse:
    variant = get_object_or_404(StepVariant.objects.select_related("step__sequence"), pk=variant_id)
    # The form works on its own copy: the service compares the stored variant with the input.
    stored = StepVariant.objects.select_related("step").get(pk=variant_id)
    form = StepVariantForm(
        request.POST, instance=stored, step=variant.step, prefix=f"variant-{variant.pk}"
    )
    if _saved(form, lambda data: services.step_variant_update(variant=variant, data=data)):
        messages.success(request, f"Variant {variant.label} saved.")
        return redirect(_step_page(variant.step))
    return _editor(request, variant.step.sequence, edited=form, status=400)


@require_http_methods(["GET", "POST"])
@allowed("nurture.delete_stepvariant")
def variant_delete(request: HttpRequest, variant_id: int) -> HttpResponse:
    variant = get_object_or_404(StepVariant.objects.select_related("step"), pk=variant_id)
    step_page = _step_page(variant.step)
    return delete_confirmation(
        request,
        instance=variant,
        delete=lambda: services.step_variant_delete(variant=variant),
        back=step_page,
        done=step_page,
        success=f"Variant {variant.label} removed.",
    )


@require_POST
@allowed("nurture.change_step")
def step_pick_winner(request: HttpRequest, step_id: int) -> HttpResponse:
    """End a step's A/B test with the variant picked: asks first, then every new send uses it."""
    step = get_object_or_404(Step.objects.select_related("sequence"), pk=step_id)
    picked = request.POST.get("variant", "")
    variant = get_object_or_404(StepVariant, step=step, pk=picked if picked.isdigit() else None)
    back = reverse("nurture:sequence_results", args=[step.sequence_id])
    if not request.POST.get("confirm"):
        return bulk_confirmation(
            request,
            question=f"Pick {variant.label} as the winner of step {step.position}?",
            labels=[f"Variant {variant.label}: {variant.subject}"],
            button=f"Pick {variant.label} as winner",
            back=back,
            explanation=(
                "Every new send of this step uses this variant; contacts already sent keep the "
                "one they got. The step's history records who picked it."
            ),
        )
    try:
        services.step_pick_winner(step=step, variant=variant)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{variant.label} won step {step.position}: every new send uses it."
        )
    return redirect(back)


@allowed("nurture.view_sequence", "nurture.view_touch")
def sequence_results(request: HttpRequest, sequence_id: int) -> HttpResponse:
    """What the sequence's emails met, per step and A/B variant, and how its deals moved on."""
    sequence = get_object_or_404(Sequence.objects.select_related("journey_stage"), pk=sequence_id)
    form = ResultsForm(request.GET)
    chosen = form.cleaned_data if form.is_valid() else {}
    context = {
        "sequence": sequence,
        "form": form,
        "results": results.sequence_results(sequence=sequence, **chosen),
        "may_pick": request.user.has_perm("nurture.change_step"),
    }
    return render(request, "nurture/sequence_results.html", context)


@allowed("nurture.view_step")
def step_preview(request: HttpRequest, step_id: int) -> HttpResponse:
    """The step, or one of its A/B variants, rendered for a sample contact (the first one when
    none is picked)."""
    step = get_object_or_404(Step.objects.select_related("asset"), pk=step_id)
    form = PreviewForm(request.GET, step=step)
    form.is_valid()  # a choice that is not valid (a variant of another step) is left out
    chosen = form.cleaned_data
    contact = chosen.get("contact") or selectors.preview_contacts().first()
    variant = chosen.get("variant")
    if contact is not None:
        contact = Contact.objects.select_related("account__owner").get(pk=contact.pk)
    preview = (
        selectors.step_preview(step=step, contact=contact, variant=variant) if contact else None
    )
    return render(
        request,
        "nurture/partials/step_preview.html",
        {"step": step, "variant": variant, "contact": contact, "preview": preview},
    )


# -- everyone: stalled deals, timelines -------------------------------------------------------


@allowed("pipeline.view_opportunity", "nurture.view_enrollment")
def stalled_board(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    opportunities = selectors.stalled_opportunities(owner=request.user if mine else None)
    if csv_requested(request):
        return csv_download(
            filename="stalled-deals",
            header=selectors.STALLED_CSV_COLUMNS,
            rows=selectors.stalled_export_rows(opportunities=opportunities),
        )
    rows = list(opportunities)
    return render(
        request,
        "nurture/stalled_board.html",
        {
            "opportunities": rows,
            "stalled_count": len(rows),
            "mine": mine,
        },
    )


@allowed("accounts.view_contact", "nurture.view_enrollment")
def contact_timeline(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=contact_id)
    return render(
        request,
        "nurture/contact_timeline.html",
        {
            "contact": contact,
            "enrollments": selectors.enrollment_timeline(contact_id=contact.pk),
            "suppression": selectors.address_suppression(email=contact.email),
        },
    )


@require_POST
@allowed("nurture.add_enrollment")
def opportunity_enrol(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    deal = get_object_or_404(Opportunity, pk=opportunity_id)
    _own_deal_or_403(request.user, deal)
    form = EnrolForm(request.POST, account_id=deal.account_id)
    enrolled = _saved(
        form,
        lambda data: services.enrollment_create(
            sequence=data["sequence"],
            contact=data["contact"],
            opportunity=deal,
            enrolled_by=request.user,
        ),
    )
    if enrolled:
        messages.success(request, f"{enrolled.contact} enrolled in {enrolled.sequence}.")
    else:
        problems = "; ".join(m for errors in form.errors.values() for m in errors)
        messages.error(request, f"Could not enrol: {problems}")
    return redirect("web:opportunity_detail", deal.pk)


@require_POST
@allowed("nurture.change_enrollment")
def enrollment_exit(request: HttpRequest, enrollment_id: int) -> HttpResponse:
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("opportunity"), pk=enrollment_id
    )
    _own_deal_or_403(request.user, enrollment.opportunity)
    try:
        services.enrollment_exit(enrollment=enrollment)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{enrollment} ended.")
    if enrollment.opportunity_id:
        return redirect("web:opportunity_detail", enrollment.opportunity_id)
    return redirect("nurture:contact_timeline", enrollment.contact_id)


# -- sales: tasks -----------------------------------------------------------------------------


@allowed("nurture.change_touch")
def task_list(request: HttpRequest) -> HttpResponse:
    if csv_requested(request):
        return csv_download(
            filename="tasks",
            header=selectors.TOUCH_CSV_COLUMNS,
            rows=selectors.touch_export_rows(
                touches=selectors.assigned_tasks(assignee=request.user)
            ),
        )
    return render(
        request, "nurture/task_list.html", {"tasks": selectors.task_list(assignee=request.user)}
    )


@require_POST
@allowed("nurture.change_touch")
def task_complete(request: HttpRequest, touch_id: int) -> HttpResponse:
    touch = get_object_or_404(Touch, pk=touch_id)
    if touch.assignee_id != request.user.pk and bound_to_own_records(user=request.user):
        raise PermissionDenied
    try:
        services.task_complete(touch=touch)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Done: {touch.subject}")
    return redirect("nurture:task_list")


# -- contacts: unsubscribe (no login) ---------------------------------------------------------


@csrf_exempt  # The signed token is the authority; mail clients post RFC 8058 one-click bodies.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """Ask (GET) or unsubscribe (POST); a bad link gets one answer, whoever it named."""
    contact_id, email = unsubscribe_target(token) or (None, None)
    contact = Contact.objects.filter(pk=contact_id).first() if contact_id else None
    if contact is None:
        return render(request, "nurture/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.contact_unsubscribe(contact=contact, email=email)
        return render(request, "nurture/unsubscribe.html", {"done": True})
    if request.method != "GET":
        raise Http404
    return render(request, "nurture/unsubscribe.html", {"token": token})
