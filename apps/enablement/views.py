"""Enablement pages: the rep's deals and workspace, requests, and marketing's queue."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.content import selectors as content_selectors
from apps.content import services as content_services
from apps.content.models import EnablementRequest
from apps.core.bulk_actions import report_bulk
from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.listing import list_page
from apps.core.views import allowed, errors_onto_form
from apps.enablement import forms, selectors, services
from apps.enablement.filters import MyRequestFilter
from apps.pipeline.models import Opportunity
from apps.pipeline.selectors import opportunity_workable_by
from apps.users.models import Role
from apps.users.selectors import user_role

WORKSPACE_PERMISSIONS = (
    "pipeline.view_opportunity",
    "accounts.view_contact",
    "content.view_asset",
)


def _works_queue(view: Callable) -> Callable:
    """Marketing and admins work the queue; a rep's change permission reaches their own asks."""

    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if user_role(user=request.user) not in {Role.MARKETER, Role.ADMIN}:
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return allowed("content.change_enablementrequest")(check)


MY_DEAL_SORTS = {
    "name": "name",
    "account": "account__name",
    "stage": "stage__position",
    "journey_stage": ("stage__journey_stage__phase", "stage__journey_stage__position"),
    "days": "-stage_entered_at",
    "stalled": "stalled_first",
}


@allowed(*WORKSPACE_PERMISSIONS)
def my_opportunities(request: HttpRequest) -> HttpResponse:
    rows = selectors.my_opportunity_rows(owner=request.user)
    listing = list_page(request, rows, sorts=MY_DEAL_SORTS)
    context = {
        "listing": listing,
        "page_obj": listing.page_obj,
        "deals": listing.page_obj,
        "stalled_count": rows.filter(stalled_first=0).count(),
    }
    return render(request, "enablement/my_opportunities.html", context)


@allowed(*WORKSPACE_PERMISSIONS)
def workspace(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    try:
        space = selectors.opportunity_workspace(opportunity_id=opportunity_id)
    except Opportunity.DoesNotExist as error:
        raise Http404("No such opportunity.") from error
    services.asset_recommendations_record_later(
        opportunity=space.opportunity, assets=[r.asset for r in space.recommendations]
    )
    works_deal = opportunity_workable_by(opportunity=space.opportunity, user=request.user)
    return render(
        request,
        "enablement/workspace.html",
        {"space": space, "objection_form": forms.ObjectionForm(), "works_deal": works_deal},
    )


@require_POST
@allowed(*WORKSPACE_PERMISSIONS, "content.add_assetshare")
def share(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = get_object_or_404(
        Opportunity.objects.select_related("account"), pk=opportunity_id
    )
    form = forms.ShareForm(request.POST, opportunity=opportunity)
    if form.is_valid():
        try:
            shares = content_services.asset_share(
                asset=form.cleaned_data["asset"],
                contacts=list(form.cleaned_data["contacts"]),
                opportunity=opportunity,
                shared_by=request.user,
                note=form.cleaned_data["note"],
            )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Shared with {len(shares)} people.")
    else:
        messages.error(request, "Choose an asset and at least one person at the account.")
    return redirect("enablement:workspace", opportunity_id=opportunity.pk)


@require_POST
@allowed(*WORKSPACE_PERMISSIONS, "enablement.add_dealobjection")
def record_objection(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity, pk=opportunity_id)
    form = forms.ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.deal_objection_record(
                opportunity=opportunity, recorded_by=request.user, **form.cleaned_data
            )
        except NotPermitted as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            messages.error(request, " ".join(m for ms in error.fields.values() for m in ms))
        else:
            messages.success(request, "Objection recorded; recommendations take it into account.")
    else:
        messages.error(request, "Write the objection you heard.")
    return redirect("enablement:workspace", opportunity_id=opportunity.pk)


@allowed("content.add_enablementrequest", "pipeline.view_opportunity")
def request_new(request: HttpRequest) -> HttpResponse:
    """Ask for an asset; open requests like it are shown first, and "Submit anyway" confirms."""
    similar: list[EnablementRequest] = []
    if request.method == "POST":
        form = forms.RequestForm(request.POST)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
            try:
                # Every field valid first: similar requests are shown only for a sound ask.
                checked = content_services.enablement_request_check(
                    requested_by=request.user, data=data
                )
            except (ApplicationError, ValidationError) as error:
                errors_onto_form(form, error)
            else:
                if not request.POST.get("confirm"):
                    similar = content_selectors.similar_open_requests(
                        need=data["need"],
                        opportunity=data.get("opportunity"),
                        journey_stage=checked.get("journey_stage"),
                        persona=data.get("persona"),
                    )
                if not similar:
                    try:
                        content_services.enablement_request_create(
                            requested_by=request.user, data=data
                        )
                    except (ApplicationError, ValidationError) as error:
                        errors_onto_form(form, error)
                    else:
                        messages.success(request, "Request sent to marketing.")
                        return redirect("enablement:my_requests")
    else:
        form = forms.RequestForm(initial={"opportunity": request.GET.get("opportunity")})
    return render(request, "enablement/request_form.html", {"form": form, "similar": similar})


@allowed("content.view_enablementrequest")
def my_requests(request: HttpRequest) -> HttpResponse:
    requests = content_selectors.my_enablement_requests(requester=request.user)
    if csv_requested(request):
        # Downloading is not looking: the updates stay marked new on the page.
        return _requests_csv("my-requests", requests)
    listing = list_page(request, requests, sorts=REQUEST_SORTS, filterset=MyRequestFilter)
    list(listing.page_obj)  # read (with what is new) before marking them seen
    content_services.enablement_requests_mark_seen(requester=request.user)
    context = {"listing": listing, "page_obj": listing.page_obj, "requests": listing.page_obj}
    return render(request, "enablement/my_requests.html", context)


REQUEST_SORTS = {
    "need": "need",
    "opportunity": "opportunity__name",
    "persona": "persona__name",
    "format": "asset_type",
    "priority": "priority_rank",
    "due": "due_date",
    "status": "status",
    "requested": ("requested_by__first_name", "requested_by__last_name"),
    "assignee": ("assignee__first_name", "assignee__last_name"),
    "created": "created_at",
}


@_works_queue
def queue(request: HttpRequest) -> HttpResponse:
    filters = request.GET.copy()
    filters.pop("format", None)
    for kept in ("sort", "page"):
        filters.pop(kept, None)
    form = forms.QueueFilterForm(filters or {"status": "open"})
    form.is_valid()
    rows = content_selectors.enablement_request_queue(filters=form.cleaned_data)
    if csv_requested(request):
        return _requests_csv("enablement-requests", rows)
    listing = list_page(request, rows, sorts=REQUEST_SORTS)
    assign_form, deliver_form = forms.AssignForm(auto_id=False), forms.DeliverForm(auto_id=False)
    # Each row repeats these selects: read their options once, not once per row.
    for field in (assign_form.fields["assignee"], deliver_form.fields["asset"]):
        field.choices = list(field.choices)
    context = {
        "form": form,
        "listing": listing,
        "page_obj": listing.page_obj,
        "requests": listing.page_obj,
        "assign_form": assign_form,
        "deliver_form": deliver_form,
        "any_open": any(item.status in EnablementRequest.OPEN_STATUSES for item in listing),
    }
    return render(request, "enablement/queue.html", context)


@require_POST
@_works_queue
def queue_bulk(request: HttpRequest) -> HttpResponse:
    """Assign or decline the ticked requests at once; each one left alone is named with why."""
    form = forms.BulkRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return _back_to_queue(request)
    data = form.cleaned_data
    try:
        if data["action"] == "assign":
            result = content_services.enablement_requests_assign(
                request_ids=data["ids"], assignee=data["assignee"]
            )
        else:
            result = content_services.enablement_requests_decline(
                request_ids=data["ids"], reason=data["reason"]
            )
    except ApplicationError as error:
        details = "; ".join(m for ms in error.fields.values() for m in ms)
        messages.error(request, f"{error.message} {details}".strip())
        return _back_to_queue(request)
    done = "assigned" if data["action"] == "assign" else "declined"
    labels = content_selectors.enablement_request_labels(request_ids=result.refused)
    report_bulk(request, result=result, done=done, noun="request", labels=labels)
    return _back_to_queue(request)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    """Back to the queue as it was filtered and sorted (its query string travels in `next`)."""
    query = request.POST.get("next", "")
    return redirect(reverse("enablement:queue") + (f"?{query}" if query else ""))


def _requests_csv(filename: str, requests) -> HttpResponse:
    return csv_download(
        filename=filename,
        header=content_selectors.ENABLEMENT_REQUEST_CSV_COLUMNS,
        rows=content_selectors.enablement_request_export_rows(requests=requests),
    )


def _queue_action(request: HttpRequest, item: EnablementRequest, action: str) -> str:
    """Run one queue action; returns what to tell the marketer."""
    if action == "accept":
        content_services.enablement_request_accept(request=item, assignee=request.user)
        return "Accepted."
    if action == "start":
        content_services.enablement_request_start(request=item)
        return "Marked in progress."
    if action == "assign":
        form = forms.AssignForm(request.POST)
        if not form.is_valid():
            raise ApplicationError("Choose someone in marketing.")
        content_services.enablement_request_assign(request=item, **form.cleaned_data)
        return "Assigned."
    if action == "deliver":
        form = forms.DeliverForm(request.POST)
        if not form.is_valid():
            raise ApplicationError("Check the asset's details.")
        content_services.enablement_request_deliver(
            request=item, **form.service_arguments(request=item)
        )
        return "Delivered; the requester has been told."
    if action == "decline":
        content_services.enablement_request_decline(
            request=item, reason=request.POST.get("reason", "")
        )
        return "Declined; the requester has been told why."
    raise Http404("No such action.")


@require_POST
@_works_queue
def queue_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    item = get_object_or_404(EnablementRequest, pk=request_id)
    try:
        messages.success(request, _queue_action(request, item, action))
    except ApplicationError as error:
        details = "; ".join(m for ms in error.fields.values() for m in ms)
        messages.error(request, f"{error.message} {details}".strip())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("enablement:queue")
