from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from apps.accounts import selectors as account_selectors
from apps.core.csv_export import csv_download, csv_requested
from apps.core.views import allowed
from apps.engagement import selectors as engagement_selectors
from apps.pipeline import selectors as pipeline_selectors
from apps.pipeline.models import PipelineStage
from apps.users.models import Role
from apps.users.selectors import user_role
from apps.web.forms import AccountFilterForm, OpportunityFilterForm

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


def _page(request: HttpRequest, rows):
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


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
    role = user_role(user=request.user)
    context: dict = {}
    if role == Role.SALES:
        context["opportunities"] = pipeline_selectors.opportunity_list(
            owner=request.user, outcome=PipelineStage.Outcome.OPEN
        )
    elif role in (Role.MARKETER, Role.ADMIN):
        context["tiers"] = account_selectors.account_tier_summary()
        context["stages"] = pipeline_selectors.opportunity_stage_summary()
    return render(request, "web/home.html", context)


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
    return _page_or_fragment(
        request,
        page="web/account_list.html",
        fragment="web/partials/account_table.html",
        context={"form": form, "page_obj": _page(request, accounts)},
    )


@allowed(*ACCOUNT_PAGE_PERMISSIONS)
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    detail = _found(account_selectors.account_detail, account_id=account_id)
    signals = engagement_selectors.account_signals(account_id=account_id)
    return render(request, "web/account_detail.html", {"detail": detail, "signals": signals})


@allowed(*OPPORTUNITY_PAGE_PERMISSIONS)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = OpportunityFilterForm.from_query(request.GET)
    form.is_valid()
    mine = form.cleaned_data.get("mine", False)
    opportunities = pipeline_selectors.opportunity_list(
        owner=request.user if mine else form.cleaned_data.get("owner"),
        stage=form.cleaned_data.get("stage"),
        outcome=form.outcome,
    )
    if csv_requested(request):
        return csv_download(
            filename="opportunities",
            header=pipeline_selectors.OPPORTUNITY_CSV_COLUMNS,
            rows=pipeline_selectors.opportunity_export_rows(opportunities=opportunities),
        )
    context = {"form": form, "mine": mine, "page_obj": _page(request, opportunities)}
    return render(request, "web/opportunity_list.html", context)


@allowed(*OPPORTUNITY_PAGE_PERMISSIONS)
def opportunity_detail(request: HttpRequest, opportunity_id: int) -> HttpResponse:
    detail = _found(pipeline_selectors.opportunity_detail, opportunity_id=opportunity_id)
    return render(request, "web/opportunity_detail.html", {"detail": detail})
