from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from apps.accounts import selectors as account_selectors
from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError, NotPermitted
from apps.core.listing import list_page
from apps.core.views import allowed, errors_onto_form
from apps.engagement import selectors as engagement_selectors
from apps.nurture import selectors as nurture_selectors
from apps.pipeline import selectors as pipeline_selectors
from apps.pipeline import services as pipeline_services
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import Role
from apps.users.selectors import SELLING_ROLES, bound_to_own_records, user_role
from apps.web.forms import (
    AccountFilterForm,
    ActivityForm,
    DealDetailsForm,
    OpportunityFilterForm,
    StageMoveForm,
    moment_of,
)

PAGE_SIZE = 50

ACCOUNT_PAGE_PERMISSIONS = (
    "accounts.view_account",
    "accounts.view_contact",
    "pipeline.view_opportunity",
    "engagement.view_event",
)
OPPORTUNITY_PAGE_PERMISSIONS = (
    "pipeline.view_opportunity",
    "accounts.view_account",
    "pipeline.view_stagechange",
    "accounts.view_contact",
)


def _found(read: Callable, **ids: int):
    """Run a detail selector; an unknown id is a 404."""
    try:
        return read(**ids)
    except ObjectDoesNotExist as error:
        raise Http404("No such record.") from error


OWNER_SORT = ("owner__first_name", "owner__last_name", "owner__username")
ACCOUNT_SORTS = {
    "name": "name",
    "domain": "domain",
    "tier": "tier",
    "target": "is_target",
    "fit": "fit_score",
    "owner": OWNER_SORT,
    "contacts": "contact_count",
    "opportunities": "open_opportunity_count",
}
OPPORTUNITY_SORTS = {
    "name": "name",
    "account": "account__name",
    "owner": OWNER_SORT,
    "stage": ("stage__position", "stage__name"),
    "amount": "amount",
    "days": "-stage_entered_at",
    "stalled": ("stalled_first", "stage_entered_at"),  # the list's own order, from its index
}


def _page_or_fragment(
    request: HttpRequest, *, page: str, fragment: str, context: dict
) -> HttpResponse:
    """The whole page, or only `fragment` when htmx swaps part of a page already shown.

    A history restore asks for the whole page: htmx had nothing cached to put back.
    """
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, fragment if partial else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role's dashboard (apps/analytics); a rep's or manager's open deals beneath it."""
    from apps.analytics.views import role_dashboard

    role = user_role(user=request.user)
    context: dict = {}
    if role in SELLING_ROLES:
        # A rep sees their own deals; a sales manager the team's.
        owner = None if role == Role.MANAGER else request.user
        opportunities = pipeline_selectors.opportunity_list(
            owner=owner, outcome=PipelineStage.Outcome.OPEN
        )
        # Stalled first, so the first page shows them; the full list is a click away.
        context["opportunities"] = opportunities[:PAGE_SIZE]
        context["stalled_count"] = pipeline_selectors.stalled_count(owner=owner)
        context["manager_view"] = owner is None
    return role_dashboard(request, role=role, extra=context)


@allowed(*ACCOUNT_PAGE_PERMISSIONS)
def account_list(request: HttpRequest) -> HttpResponse:
    form = AccountFilterForm(request.GET)
    form.is_valid()
    filters = form.cleaned_data
    accounts = account_selectors.account_list(
        search=filters.get("q", ""),
        tier=filters.get("tier"),
        is_target=filters.get("target"),
        archived=bool(filters.get("archived")),
    )
    if csv_requested(request) and request.GET.get("rows") == "contacts":
        return csv_download(
            filename="contacts",
            header=account_selectors.CONTACT_CSV_COLUMNS,
            rows=account_selectors.contact_export_rows(accounts=accounts),
        )
    if csv_requested(request):
        return csv_download(
            filename="accounts",
            header=account_selectors.ACCOUNT_CSV_COLUMNS,
            rows=account_selectors.account_export_rows(accounts=accounts),
        )
    listing = list_page(
        request, accounts, sorts=ACCOUNT_SORTS, htmx_target="#account-table", estimate_count=True
    )
    return _page_or_fragment(
        request,
        page="web/account_list.html",
        fragment="web/partials/account_table.html",
        context={"form": form, "listing": listing, "page_obj": listing.page_obj},
    )


@allowed(*ACCOUNT_PAGE_PERMISSIONS)
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    detail = _found(account_selectors.account_detail, account_id=account_id)
    signals = engagement_selectors.account_signals(account_id=account_id)
    context = {"detail": detail, "signals": signals}
    if request.user.has_perm("nurture.add_enrollment") and not bound_to_own_records(
        user=request.user
    ):
        # Marketing, managers and admins enrol the committee in bulk (a rep from their deal).
        context["enrol_sequences"] = list(nurture_selectors.active_sequences())
    return render(request, "web/account_detail.html", context)


@allowed(*OPPORTUNITY_PAGE_PERMISSIONS)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = OpportunityFilterForm.from_query(request.GET)
    form.is_valid()
    mine = form.cleaned_data.get("mine", False)
    opportunities = pipeline_selectors.opportunity_list(
        owner=request.user if mine else form.cleaned_data.get("owner"),
        stage=form.cleaned_data.get("stage"),
        outcome=form.outcome,
        search=form.cleaned_data.get("q", ""),
    )
    if csv_requested(request):
        return csv_download(
            filename="opportunities",
            header=pipeline_selectors.OPPORTUNITY_CSV_COLUMNS,
            rows=pipeline_selectors.opportunity_export_rows(opportunities=opportunities),
        )
    listing = list_page(request, opportunities, sorts=OPPORTUNITY_SORTS, estimate_count=True)
    context = {
        "form": form,
        "mine": mine,
        "listing": listing,
        "page_obj": listing.page_obj,
        "stalled_count": opportunities.filter(pipeline_selectors.STALLED).count(),
    }
    return render(request, "web/opportunity_list.html", context)


@allowed(*OPPORTUNITY_PAGE_PERMISSIONS)
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    return _opportunity_page(request, opportunity_id)


def _opportunity_page(request: HttpRequest, opportunity_id: int, **forms) -> HttpResponse:
    """The deal's page; its owner (or a sales manager) gets the forms to work it, `forms`
    replacing the blank ones with a form sent back with its errors."""
    detail = _found(pipeline_selectors.opportunity_detail, opportunity_id=opportunity_id)
    opportunity = detail.opportunity
    context: dict = {"detail": detail}
    if pipeline_selectors.opportunity_workable_by(opportunity=opportunity, user=request.user):
        context |= {
            "stage_form": StageMoveForm(initial={"stage": opportunity.stage_id}),
            "details_form": DealDetailsForm(
                initial={
                    "amount": opportunity.amount,
                    "expected_close_date": opportunity.expected_close_date,
                }
            ),
            "activity_form": ActivityForm(opportunity=opportunity),
            **forms,
        }
    return render(request, "web/opportunity_detail.html", context, status=400 if forms else 200)


def _deal_write(doing: str) -> Callable:
    """A POST that works a deal: the deal (404 if unknown) goes to the view; a user who may not
    work it gets a 403 saying whose deal it is (`doing` completes "can … "); a refusal of the
    service lands on the view's form."""

    def decorate(view: Callable) -> Callable:
        @require_POST
        @allowed(*OPPORTUNITY_PAGE_PERMISSIONS, "pipeline.change_opportunity")
        def write(request: HttpRequest, opportunity_id: int) -> HttpResponse:
            opportunity = _found(
                Opportunity.objects.select_related("account", "owner", "stage").get,
                pk=opportunity_id,
            )
            try:
                pipeline_services.opportunity_work_check(
                    opportunity=opportunity, user=request.user, doing=doing
                )
            except NotPermitted as error:
                raise PermissionDenied(error.message) from error
            return view(request, opportunity)

        return write

    return decorate


def _refused(request, opportunity: Opportunity, name: str, form, error: ApplicationError):
    errors_onto_form(form, error)
    return _opportunity_page(request, opportunity.pk, **{name: form})


@_deal_write("move its stage")
def opportunity_move(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    form = StageMoveForm(request.POST)
    if not form.is_valid():
        return _opportunity_page(request, opportunity.pk, stage_form=form)
    stage = form.cleaned_data["stage"]
    if stage.pk == opportunity.stage_id:
        form.add_error("stage", f"The deal is already in {stage}.")
        return _opportunity_page(request, opportunity.pk, stage_form=form)
    try:
        pipeline_services.opportunity_move_stage(
            opportunity=opportunity,
            stage=stage,
            changed_by=request.user,
            at=moment_of(form.cleaned_data["moved_on"]),
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        return _refused(request, opportunity, "stage_form", form, error)
    messages.success(request, f"Moved to {stage}.")
    return redirect("web:opportunity_detail", opportunity_id=opportunity.pk)


@_deal_write("edit it")
def opportunity_edit(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    form = DealDetailsForm(request.POST)
    if not form.is_valid():
        return _opportunity_page(request, opportunity.pk, details_form=form)
    try:
        pipeline_services.opportunity_update(
            opportunity=opportunity, data=form.cleaned_data, changed_by=request.user
        )
    except (ApplicationError, ValidationError) as error:
        return _refused(request, opportunity, "details_form", form, error)
    messages.success(request, "Amount and close date saved.")
    return redirect("web:opportunity_detail", opportunity_id=opportunity.pk)


@_deal_write("log activity on it")
def opportunity_log_activity(request: HttpRequest, opportunity: Opportunity) -> HttpResponse:
    form = ActivityForm(request.POST, opportunity=opportunity)
    if not form.is_valid():
        return _opportunity_page(request, opportunity.pk, activity_form=form)
    data = form.cleaned_data
    try:
        pipeline_services.opportunity_activity_log(
            opportunity=opportunity,
            logged_by=request.user,
            kind=data["kind"],
            occurred_at=moment_of(data["occurred_on"]),
            outcome=data["outcome"],
            notes=data["notes"],
            contact=data["contact"],
        )
    except ApplicationError as error:
        return _refused(request, opportunity, "activity_form", form, error)
    messages.success(request, f"{dict(form.fields['kind'].choices)[data['kind']]} logged.")
    return redirect("web:opportunity_detail", opportunity_id=opportunity.pk)
