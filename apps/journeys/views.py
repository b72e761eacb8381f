"""Journey pages: the map (edited in place with htmx), its printable view and CSV export,
content coverage, history, the publish, new-version and review actions, and the structure
editor (new journeys; a draft's stages, sub-stages and allowed moves).

Everyone with a role reads journeys; marketers and admins edit drafts. Views read through the
selectors and write through the services.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import Account
from apps.core.csv_export import csv_download
from apps.core.exceptions import ApplicationError
from apps.core.views import allowed, delete_confirmation, errors_onto_form
from apps.journeys import selectors, services
from apps.journeys.forms import (
    CellEditForm,
    JourneyCreateForm,
    JourneyEditForm,
    ReviewForm,
    ReviewTriggerForm,
    StageAddForm,
    StageEditForm,
    TransitionAddForm,
)
from apps.journeys.models import Journey, JourneyStage, StageTransition
from apps.starter.views import JOURNEY_RESET as STARTER_JOURNEY_RESET

READ = ("journeys.view_journey", "journeys.view_journeystage", "journeys.view_playbookcell")
EDIT_CELLS = ("journeys.add_playbookcell", "journeys.change_playbookcell")


def _journey(journey_id: int) -> Journey:
    try:
        return selectors.journey_get(journey_id=journey_id)
    except Journey.DoesNotExist as error:
        raise Http404("No such journey.") from error


def _account(request: HttpRequest) -> Account | None:
    """The account whose playbook the page shows (`?account=`), or None for the personas'."""
    account_id = request.POST.get("account") or request.GET.get("account")
    if not account_id:
        return None
    try:
        return Account.objects.get(pk=int(account_id))
    except (ValueError, Account.DoesNotExist) as error:
        raise Http404("No such account.") from error


def _error_text(error: ApplicationError) -> str:
    details = [m for messages_ in error.fields.values() for m in messages_ if m != error.message]
    return " ".join([error.message, *details])


@allowed(*READ)
def journey_list(request: HttpRequest) -> HttpResponse:
    journeys = list(selectors.journey_list())
    statuses = selectors.journey_review_statuses(journeys=journeys)
    today = timezone.localdate()
    rows = [(status.journey, status, status.is_due(today=today)) for status in statuses]
    context = {"rows": rows, "can_create": request.user.has_perm("journeys.add_journey")}
    return render(request, "journeys/journey_list.html", context)


def _map_context(request: HttpRequest, journey: Journey) -> dict:
    user = request.user
    review = selectors.journey_review_status(journey=journey)
    versions = selectors.journey_versions(journey=journey)
    return {
        "journey": journey,
        "map": selectors.journey_map(journey=journey, account=_account(request)),
        "versions": versions,
        "transitions": selectors.journey_transitions(journey=journey),
        "accounts": selectors.playbook_accounts(),
        "findings": selectors.journey_health(journey=journey),
        "review": review,
        "review_due": journey.status == Journey.Status.PUBLISHED
        and review.is_due(today=timezone.localdate()),
        "can_edit": journey.is_draft and user.has_perms(EDIT_CELLS),
        "can_publish": journey.is_draft and user.has_perm("journeys.change_journey"),
        "can_start_version": journey.status == Journey.Status.PUBLISHED
        and user.has_perm("journeys.add_journey")
        and not any(version.is_draft for version in versions),
        # A reset to the starter template (apps/starter) also writes the draft's stages.
        "can_reset": user.has_perms(STARTER_JOURNEY_RESET),
        "can_review": journey.status != Journey.Status.ARCHIVED
        and user.has_perm("journeys.add_journeyreview"),
        "can_record_trigger": journey.status != Journey.Status.ARCHIVED
        and user.has_perm("journeys.add_journeyreviewtrigger"),
        "review_form": ReviewForm(),
        "trigger_form": ReviewTriggerForm(),
    }


@allowed(*READ)
def journey_map(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    return render(request, "journeys/journey_map.html", _map_context(request, journey))


@allowed(*READ)
def journey_print(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    context = {
        "journey": journey,
        "map": selectors.journey_map(journey=journey, account=_account(request)),
        "transitions": selectors.journey_transitions(journey=journey),
        "printed_at": timezone.now(),
    }
    return render(request, "journeys/journey_print.html", context)


@allowed(*READ)
def journey_export(request: HttpRequest, journey_id: int) -> HttpResponse:
    """The map as CSV, one row per cell entry (see `selectors.journey_export_rows`)."""
    journey = _journey(journey_id)
    account = _account(request)
    name = f"{journey.key}-v{journey.version}"
    if account is not None:
        name += f"-{slugify(account.name)}"
    rows = selectors.journey_export_rows(journey=journey, account=account)
    return csv_download(filename=name, header=selectors.EXPORT_HEADER, rows=rows)


@allowed(*READ, "content.view_asset")
def journey_coverage(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    coverage = selectors.journey_coverage(journey=journey)
    return render(request, "journeys/coverage.html", {"journey": journey, "coverage": coverage})


@allowed(*READ, "journeys.view_journeychange")
def journey_history(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    context = {
        "journey": journey,
        "history": selectors.journey_history(journey=journey),
        "versions": selectors.journey_versions(journey=journey),
    }
    return render(request, "journeys/history.html", context)


def _cell_view(request: HttpRequest, journey: Journey, stage_id: int, persona_id: int):
    try:
        return selectors.journey_map_cell(
            journey=journey, stage_id=stage_id, persona_id=persona_id, account=_account(request)
        )
    except ObjectDoesNotExist as error:
        raise Http404("No such cell.") from error


def _render_cell(request: HttpRequest, cell) -> HttpResponse:
    can_edit = cell.journey.is_draft and request.user.has_perms(EDIT_CELLS)
    return render(request, "journeys/partials/cell.html", {"cell": cell, "can_edit": can_edit})


@allowed(*READ)
def cell(request: HttpRequest, journey_id: int, stage_id: int, persona_id: int) -> HttpResponse:
    """One matrix cell, as shown in the map (htmx puts it back after an edit is cancelled)."""
    return _render_cell(request, _cell_view(request, _journey(journey_id), stage_id, persona_id))


@allowed(*READ, *EDIT_CELLS)
def cell_edit(
    request: HttpRequest, journey_id: int, stage_id: int, persona_id: int
) -> HttpResponse:
    """GET: the cell's form, in place of the cell. POST: save, then the cell as shown; or the
    form again with the errors named by field, nothing saved."""
    journey = _journey(journey_id)
    view = _cell_view(request, journey, stage_id, persona_id)
    if request.method == "GET" and not journey.is_draft:
        return _render_cell(request, view)  # history is not edited in place
    stage_assets = list(selectors.stage_assets(stage=view.stage))
    data = request.POST if request.method == "POST" else None
    form = CellEditForm(data, instance=view.record, stage_assets=stage_assets)
    if data is not None and form.is_valid():
        try:
            services.playbook_cell_save(
                stage=view.stage,
                persona=view.persona,
                account=view.account,
                data=form.cell_data(),
                assets=form.chosen_assets(),
                changed_by=request.user,
            )
        except ApplicationError as error:
            form.add_error(None, _error_text(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _render_cell(request, _cell_view(request, journey, stage_id, persona_id))
    return render(request, "journeys/partials/cell_form.html", {"cell": view, "form": form})


def _act(request: HttpRequest, action: Callable[[], object], done: str) -> None:
    try:
        action()
    except ApplicationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, done)


@require_POST
@allowed(*READ, "journeys.change_journey")
def journey_publish(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    _act(
        request,
        lambda: services.journey_publish(journey=journey, changed_by=request.user),
        f"Version {journey.version} is published.",
    )
    return redirect("journeys:map", journey.pk)


@require_POST
@allowed(*READ, "journeys.add_journey")
def journey_new_version(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    try:
        draft = services.journey_new_version(journey=journey, changed_by=request.user)
    except ApplicationError as error:
        messages.error(request, _error_text(error))
        return redirect("journeys:map", journey.pk)
    messages.success(request, f"Version {draft.version} is a draft copied from {journey.version}.")
    return redirect("journeys:map", draft.pk)


@require_POST
@allowed(*READ, "journeys.add_journeyreview")
def journey_review(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    form = ReviewForm(request.POST)
    form.is_valid()
    _act(
        request,
        lambda: services.journey_mark_reviewed(
            journey=journey, reviewed_by=request.user, notes=form.cleaned_data.get("notes", "")
        ),
        "Marked reviewed.",
    )
    return redirect("journeys:map", journey.pk)


@require_POST
@allowed(*READ, "journeys.add_journeyreviewtrigger")
def journey_review_trigger(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    form = ReviewTriggerForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
        messages.error(request, f"The review trigger was not recorded. {errors}")
        return redirect("journeys:map", journey.pk)
    _act(
        request,
        lambda: services.journey_review_trigger_record(
            journey=journey, recorded_by=request.user, **form.cleaned_data
        ),
        "Review trigger recorded: the review is due now.",
    )
    return redirect("journeys:map", journey.pk)


# --- the structure editor --------------------------------------------------------------------
EDIT_STAGES = (
    "journeys.add_journeystage",
    "journeys.change_journeystage",
    "journeys.delete_journeystage",
)
EDIT_MOVES = ("journeys.add_stagetransition", "journeys.delete_stagetransition")


@allowed(*READ, "journeys.add_journey")
def journey_create(request: HttpRequest) -> HttpResponse:
    """A new journey: draft version 1, owned by its creator, stages added next."""
    form = JourneyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(
                data=form.cleaned_data | {"owner": request.user}, changed_by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"{journey} created as a draft: add its stages.")
            return redirect("journeys:structure", journey.pk)
    status = 400 if form.errors else 200
    return render(request, "journeys/journey_create.html", {"form": form}, status=status)


@allowed(*READ, "journeys.change_journey")
def journey_edit(request: HttpRequest, journey_id: int) -> HttpResponse:
    """A version's name and scope (drafts only), owner and review cadence."""
    journey = _journey(journey_id)
    if journey.status == Journey.Status.ARCHIVED:
        return redirect("journeys:map", journey.pk)
    # The form works on its own copy: the service compares the stored journey with the input.
    form = JourneyEditForm(request.POST or None, instance=_journey(journey_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_update(
                journey=journey, data=form.cleaned_data, changed_by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"{journey} saved.")
            return redirect("journeys:structure", journey.pk)
    context = {"journey": journey, "form": form}
    status = 400 if form.errors else 200
    return render(request, "journeys/journey_edit.html", context, status=status)


def _structure_page(
    request: HttpRequest,
    journey: Journey,
    *,
    stage_form: StageAddForm | None = None,
    transition_form: TransitionAddForm | None = None,
) -> HttpResponse:
    user = request.user
    stages = selectors.journey_stages(journey=journey)
    versions = selectors.journey_versions(journey=journey)
    context = {
        "journey": journey,
        "versions": versions,
        "draft": next((v for v in versions if v.is_draft), None),
        "stages": stages,
        "transitions": selectors.journey_transitions(journey=journey),
        "problems": selectors.journey_structure_problems(journey=journey),
        "can_edit_details": journey.status != Journey.Status.ARCHIVED
        and user.has_perm("journeys.change_journey"),
        "can_edit_stages": journey.is_draft and user.has_perms(EDIT_STAGES),
        "can_edit_moves": journey.is_draft and user.has_perms(EDIT_MOVES),
        "can_start_version": journey.status == Journey.Status.PUBLISHED
        and user.has_perm("journeys.add_journey")
        and not any(version.is_draft for version in versions),
        "stage_form": stage_form or StageAddForm(journey=journey, prefix="stage"),
        "transition_form": transition_form or TransitionAddForm(stages=stages, prefix="move"),
    }
    bound = (stage_form, transition_form)
    status = 400 if any(form is not None and form.errors for form in bound) else 200
    return render(request, "journeys/structure.html", context, status=status)


@allowed(*READ, "journeys.view_stagetransition")
def journey_structure(request: HttpRequest, journey_id: int) -> HttpResponse:
    """A version's stages, sub-stages and allowed moves; a draft's are edited here."""
    return _structure_page(request, _journey(journey_id))


def _stage(journey: Journey, stage_id: int) -> JourneyStage:
    return get_object_or_404(journey.stages.select_related("parent", "journey"), pk=stage_id)


@require_POST
@allowed(*READ, *EDIT_STAGES)
def stage_add(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    form = StageAddForm(request.POST, journey=journey, prefix="stage")
    if form.is_valid():
        try:
            stage = services.journey_stage_add(
                journey=journey, data=form.stage_data(), changed_by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"Stage {stage} added.")
            return redirect("journeys:structure", journey.pk)
    return _structure_page(request, journey, stage_form=form)


@allowed(*READ, *EDIT_STAGES)
def stage_edit(request: HttpRequest, journey_id: int, stage_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    stage = _stage(journey, stage_id)
    if not journey.is_draft:
        return redirect("journeys:structure", journey.pk)
    # The form works on its own copy: the service compares the stored stage with the input.
    form = StageEditForm(request.POST or None, instance=_stage(journey, stage_id))
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_stage_update(
                stage=stage, data=form.cleaned_data, changed_by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"Stage {stage} saved.")
            return redirect("journeys:structure", journey.pk)
    context = {"journey": journey, "stage": stage, "form": form}
    status = 400 if form.errors else 200
    return render(request, "journeys/stage_edit.html", context, status=status)


@require_POST
@allowed(*READ, *EDIT_STAGES)
def stage_move(request: HttpRequest, journey_id: int, stage_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    stage = _stage(journey, stage_id)
    up = request.POST.get("direction") != "down"
    _act(
        request,
        lambda: services.journey_stage_move(stage=stage, up=up, changed_by=request.user),
        f"Stage {stage} moved {'up' if up else 'down'}.",
    )
    return redirect("journeys:structure", journey.pk)


@require_http_methods(["GET", "POST"])
@allowed(*READ, *EDIT_STAGES)
def stage_remove(request: HttpRequest, journey_id: int, stage_id: int) -> HttpResponse:
    """Asks first, naming the sub-stages, moves, playbook cells and KPIs that go with it and
    what (content, campaigns) keeps it from being removed."""
    journey = _journey(journey_id)
    stage = _stage(journey, stage_id)
    page = reverse("journeys:structure", args=[journey.pk])
    if not journey.is_draft:
        return redirect(page)
    return delete_confirmation(
        request,
        instance=stage,
        delete=lambda: services.journey_stage_remove(stage=stage, changed_by=request.user),
        back=page,
        done=page,
        success=f"Stage {stage} removed.",
    )


@require_POST
@allowed(*READ, *EDIT_MOVES)
def transition_add(request: HttpRequest, journey_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    stages = selectors.journey_stages(journey=journey)
    form = TransitionAddForm(request.POST, stages=stages, prefix="move")
    if form.is_valid():
        try:
            move = services.journey_transition_add(
                journey=journey, **form.cleaned_data, changed_by=request.user
            )
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"Move {move} allowed.")
            return redirect("journeys:structure", journey.pk)
    return _structure_page(request, journey, transition_form=form)


@require_http_methods(["GET", "POST"])
@allowed(*READ, *EDIT_MOVES)
def transition_remove(request: HttpRequest, journey_id: int, transition_id: int) -> HttpResponse:
    journey = _journey(journey_id)
    move = get_object_or_404(
        StageTransition.objects.select_related("from_stage__parent", "to_stage__parent"),
        pk=transition_id,
        journey=journey,
    )
    page = reverse("journeys:structure", args=[journey.pk])
    if not journey.is_draft:
        return redirect(page)
    return delete_confirmation(
        request,
        instance=move,
        delete=lambda: services.journey_part_delete(part=move, changed_by=request.user),
        back=page,
        done=page,
        success=f"Move {move} removed.",
    )
