"""Import pages: history, upload, column mapping, the run (preview, progress, commit, errors)
and undo. Views read through the selectors and write through the services."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.exceptions import ApplicationError
from apps.core.listing import list_page
from apps.core.views import allowed
from apps.imports import selectors, services
from apps.imports.filters import ImportRunFilter
from apps.imports.forms import MappingForm, UploadForm
from apps.imports.models import ImportRun, SavedMapping

RUNS_PER_PAGE = 50
ERRORS_PER_PAGE = 200
READ = ("imports.view_importrun",)
WRITE = ("imports.view_importrun", "imports.change_importrun")


def _run(run_id: int) -> ImportRun:
    try:
        return selectors.import_run_get(run_id=run_id)
    except ImportRun.DoesNotExist as error:
        raise Http404("No such import.") from error


def _show_errors(form: Form, error: ApplicationError) -> None:
    """The service's messages on the fields they name, the rest above the form."""
    if not error.fields:
        form.add_error(None, error.message)
    for name, problems in error.fields.items():
        form.add_error(name if name in form.fields else None, problems)


RUN_SORTS = {
    "when": "created_at",
    "file": "file_name",
    "kind": "kind",
    "by": "created_by__username",
    "status": "status",
    "creates": "creates",
    "updates": "updates",
    "unchanged": "unchanged",
    "errors": "errors",
}


@allowed(*READ)
def run_list(request: HttpRequest) -> HttpResponse:
    listing = list_page(
        request,
        selectors.import_run_list(),
        sorts=RUN_SORTS,
        filterset=ImportRunFilter,
        per_page=RUNS_PER_PAGE,
    )
    return render(
        request, "imports/run_list.html", {"listing": listing, "page_obj": listing.page_obj}
    )


@allowed("imports.add_importrun")
def run_new(request: HttpRequest) -> HttpResponse:
    # The Import buttons of the account and opportunity lists preselect what the file holds.
    initial = {"kind": request.GET.get("kind")}
    form = UploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.import_run_start(
                kind=data["kind"],
                file=data["file"],
                created_by=request.user,
                source=data["source"],
                mode=data["mode"],
            )
        except ApplicationError as error:
            _show_errors(form, error)
        else:
            url = reverse("imports:mapping", args=[run.pk])
            saved = data["saved_mapping"]
            return redirect(f"{url}?saved={saved.pk}" if saved else url)
    context = {"form": form, "max_mb": settings.IMPORT_MAX_UPLOAD_MB}
    return render(request, "imports/run_new.html", context)


def _saved_mapping(request: HttpRequest, run: ImportRun) -> SavedMapping | None:
    saved_id = request.GET.get("saved", "")
    if not saved_id.isdigit():
        return None
    return selectors.saved_mapping_list(kind=run.kind).filter(pk=saved_id).first()


@allowed(*WRITE)
def run_mapping(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _run(run_id)
    if not run.can_remap:
        messages.info(request, f"This import is {run.get_status_display().lower()}.")
        return redirect("imports:detail", run.pk)
    columns = selectors.import_columns(run=run)
    saved = _saved_mapping(request, run)
    initial = {"source": saved.source if saved else run.source, "mode": run.mode}
    mapping = saved.mapping if saved else run.mapping
    form = MappingForm(
        request.POST or None, initial=initial, run=run, columns=columns, mapping=mapping
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.import_mapping_set(
                run=run, mapping=form.mapping(), source=data["source"], mode=data["mode"]
            )
        except ApplicationError as error:
            _show_errors(form, error)
        else:
            if data["save_as"]:
                services.saved_mapping_create(
                    name=data["save_as"],
                    kind=run.kind,
                    mapping=run.mapping,
                    source=run.source,
                    created_by=request.user,
                )
            try:
                services.import_preview_start(run=run)
            except ApplicationError as error:
                messages.error(request, error.message)
            return redirect("imports:detail", run.pk)
    context = {
        "run": run,
        "form": form,
        "saved": saved,
        "saved_mappings": selectors.saved_mapping_list(kind=run.kind),
        "missing": sorted(set(mapping) - {column.name for column in columns}) if saved else [],
    }
    return render(request, "imports/run_mapping.html", context)


def _run_context(request: HttpRequest, run: ImportRun) -> dict:
    errors = selectors.import_row_errors(run=run)
    page = Paginator(errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    verbs = (
        ("to create", "to update")
        if run.status == ImportRun.Status.PREVIEWED
        else ("created", "updated")
    )
    counts = [
        (verbs[0], run.creates),
        (verbs[1], run.updates),
        ("unchanged", run.unchanged),
        ("rows with errors", run.errors),
    ]
    return {"run": run, "counts": counts, "errors_page": page if run.errors else None}


@allowed(*READ)
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    return render(request, "imports/run_detail.html", _run_context(request, _run(run_id)))


@allowed(*READ)
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The run page's body, which htmx polls while a worker previews or commits the run."""
    context = _run_context(request, _run(run_id))
    return render(request, "imports/partials/run_body.html", context)


@allowed("imports.view_importrun", "imports.view_importrowerror")
def run_errors_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    return services.import_errors_download(run=_run(run_id))


@require_POST
@allowed(*WRITE)
def run_commit(request: HttpRequest, run_id: int) -> HttpResponse:
    try:
        services.import_commit_start(run=_run(run_id))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("imports:detail", run_id)


@allowed(*WRITE)
def run_undo(request: HttpRequest, run_id: int) -> HttpResponse:
    """GET: what undoing would remove and put back (or what blocks it); POST: undo."""
    run = _run(run_id)
    refusal = None
    if request.method == "POST":
        try:
            services.import_undo(run=run, user=request.user)
        except ApplicationError as error:
            refusal = error.message
        else:
            messages.success(request, "The import was undone.")
            return redirect("imports:detail", run.pk)
    summary = selectors.import_undo_summary(run=run) if run.status == run.Status.COMMITTED else None
    context = {"run": run, "summary": summary, "refusal": refusal}
    return render(request, "imports/run_undo.html", context, status=409 if refusal else 200)
