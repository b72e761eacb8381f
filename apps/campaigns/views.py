"""Campaign pages: marketers and admins plan; everyone with a role reads.

Views validate input, call a selector or a service and render; htmx gets fragments (the KPI
choices and content picker when the goal changes, the live segment preview and checks).
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from apps.campaigns import selectors, services
from apps.campaigns.feeds import campaigns_ics
from apps.campaigns.forms import CampaignFilterForm, CampaignForm
from apps.campaigns.models import CalendarFeed, Campaign, CampaignTemplate
from apps.campaigns.periods import QUARTER, Period
from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError
from apps.core.listing import list_page
from apps.core.views import allowed
from apps.journeys.models import Journey

PAGE_SIZE = 50
VIEW = "campaigns.view_campaign"
ADD = "campaigns.add_campaign"
CHANGE = "campaigns.change_campaign"


def _fragment_or_page(request: HttpRequest, *, page: str, fragment: str, context: dict):
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, fragment if partial else page, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _today():
    return timezone.localdate()


CAMPAIGN_SORTS = {
    "name": "name",
    "status": "status",
    "stage": ("goal_stage__position", "goal_stage__name"),
    "kpi": ("kpi", "kpi_target"),
    "start": ("start_date", "end_date"),
    "assets": "asset_count",
    "budget": "budget",
    "owner": ("owner__first_name", "owner__last_name", "owner__username"),
}


@allowed(VIEW)
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET)
    form.is_valid()
    filters = form.cleaned_data
    campaigns = selectors.campaign_list(
        search=filters.get("q", ""),
        status=filters.get("status"),
        phase=filters.get("phase"),
        channel=filters.get("channel"),
        owner=filters.get("owner"),
    )
    if csv_requested(request):
        return csv_download(
            filename="campaigns",
            header=selectors.CAMPAIGN_CSV_COLUMNS,
            rows=selectors.campaign_export_rows(campaigns=campaigns),
        )
    listing = list_page(
        request, campaigns, sorts=CAMPAIGN_SORTS, per_page=PAGE_SIZE, htmx_target="#campaign-table"
    )
    return _fragment_or_page(
        request,
        page="campaigns/list.html",
        fragment="campaigns/partials/campaign_table.html",
        context={"form": form, "listing": listing, "page_obj": listing.page_obj},
    )


@allowed(VIEW)
def campaign_calendar(request: HttpRequest) -> HttpResponse:
    period = Period.parse(request.GET.get("period"), today=_today())
    context = {
        "period": period,
        "lanes": selectors.campaign_calendar(period=period),
        "today": _today(),
    }
    return render(request, "campaigns/calendar.html", context)


def _chosen_journey(request: HttpRequest) -> Journey | None:
    raw = request.GET.get("journey", "")
    if raw.isdigit():
        return selectors.journey_choices().filter(pk=raw).first() or selectors.default_journey()
    return selectors.default_journey()


@allowed(VIEW)
def campaign_board(request: HttpRequest) -> HttpResponse:
    today = _today()
    text = request.GET.get("period")
    period = Period.parse(text, today=today) if text else Period.containing(today, QUARTER)
    journey = _chosen_journey(request)
    board = selectors.campaign_stage_board(journey=journey, period=period) if journey else None
    context = {
        "period": period,
        "board": board,
        "journeys": selectors.journey_choices(),
        "journey": journey,
        "extra": f"&journey={journey.pk}" if journey else "",
    }
    return render(request, "campaigns/board.html", context)


@allowed(VIEW)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    try:
        detail = selectors.campaign_detail(campaign_id=campaign_id)
    except Campaign.DoesNotExist as error:
        raise Http404("No such campaign.") from error
    context = {
        "detail": detail,
        "campaign": detail.campaign,
        "next_statuses": [Campaign.Status(s) for s in services.TRANSITIONS[detail.campaign.status]],
        "today": _today(),
    }
    return render(request, "campaigns/detail.html", context)


def _show_errors(form: CampaignForm, fields: dict) -> None:
    for name, problems in fields.items():
        form.add_error(name if name in form.fields else None, problems)


def _planned(request: HttpRequest, form: CampaignForm, save: Callable) -> HttpResponse | None:
    """Save a valid form through `save(data)`; a rule the service refuses lands on the form."""
    if not form.is_valid():
        return None
    try:
        campaign = save(form.cleaned_data)
    except ValidationError as error:
        _show_errors(form, error.message_dict)
        return None
    except ApplicationError as error:
        _show_errors(form, error.fields or {None: [error.message]})
        return None
    messages.success(request, f"“{campaign}” saved.")
    return redirect("campaigns:detail", campaign_id=campaign.pk)


def _form_page(request: HttpRequest, form: CampaignForm, campaign: Campaign | None):
    context = {"form": form, "campaign": campaign}
    return render(request, "campaigns/form.html", context, status=400 if form.errors else 200)


def _template_initial(request: HttpRequest) -> dict:
    """`?template=<id>&goal_stage=<id>`: a new campaign filled in from a template."""
    template_id, stage_id = request.GET.get("template", ""), request.GET.get("goal_stage", "")
    if not (template_id.isdigit() and stage_id.isdigit()):
        return {}
    template = get_object_or_404(CampaignTemplate, pk=template_id)
    stage = get_object_or_404(selectors.goal_stage_choices(), pk=stage_id)
    return selectors.campaign_template_initial(template=template, goal_stage=stage, today=_today())


@allowed(ADD)
def campaign_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CampaignForm(request.POST)
        saved = _planned(
            request,
            form,
            lambda data: services.campaign_create(data={**data, "owner": request.user}),
        )
        return saved or _form_page(request, form, None)
    return _form_page(request, CampaignForm(initial=_template_initial(request)), None)


@allowed(CHANGE)
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if request.method == "POST":
        form = CampaignForm(request.POST, instance=campaign)
        saved = _planned(
            request,
            form,
            lambda data: services.campaign_update(campaign=form.instance, data=data),
        )
        return saved or _form_page(request, form, campaign)
    return _form_page(request, CampaignForm(instance=campaign), campaign)


@allowed(ADD)
@require_POST
def campaign_duplicate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    copy = services.campaign_duplicate(campaign=campaign, owner=request.user)
    messages.success(request, f"Copied into the draft “{copy}”: adjust it and plan it.")
    return redirect("campaigns:edit", campaign_id=copy.pk)


@allowed(CHANGE)
@require_POST
def campaign_status(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    try:
        campaign = services.campaign_change_status(
            campaign=campaign, status=request.POST.get("status", "")
        )
        messages.success(request, f"“{campaign}” is now {campaign.get_status_display().lower()}.")
    except ApplicationError as error:
        messages.error(request, " ".join(error.fields.get("status", [error.message])))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@allowed(ADD)
@require_POST
def plan_goal_fields(request: HttpRequest) -> HttpResponse:
    """The KPI choices and the content picker for the goal stage just picked."""
    form = CampaignForm(request.POST)
    return render(request, "campaigns/partials/goal_fields.html", {"form": form})


@allowed(ADD)
@require_POST
def plan_preview(request: HttpRequest) -> HttpResponse:
    """How many accounts and contacts the segment matches now, and the planning checks."""
    form = CampaignForm(request.POST)
    form.is_valid()
    raw_id = request.GET.get("campaign", "")
    plan = form.plan(campaign_id=int(raw_id) if raw_id.isdigit() else None)
    context = {
        "size": selectors.segment_size(segment=plan.segment),
        "segment": plan.segment,
        "findings": selectors.campaign_plan_findings(plan=plan),
        "planning": True,
    }
    return render(request, "campaigns/partials/plan_preview.html", context)


@allowed(ADD)
def campaign_templates(request: HttpRequest) -> HttpResponse:
    journey = _chosen_journey(request)
    context = {
        "journey": journey,
        "journeys": selectors.journey_choices(),
        "rows": selectors.campaign_template_rows(journey=journey) if journey else [],
    }
    return render(request, "campaigns/templates.html", context)


@allowed(VIEW)
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The signed-in user's feed address; POST issues a new secret (the old one stops)."""
    if request.method == "POST":
        replaced = selectors.calendar_feed_of(user=request.user) is not None
        services.calendar_feed_issue(user=request.user)
        messages.success(
            request,
            "Your calendar feed has a new address; the old one no longer works."
            if replaced
            else "Your calendar address is ready: add it to your calendar app.",
        )
        return redirect("campaigns:feed")
    feed = selectors.calendar_feed_of(user=request.user)
    url = (
        request.build_absolute_uri(reverse("campaigns:feed_ics", args=[feed.token]))
        if feed
        else None
    )
    return render(request, "campaigns/feed.html", {"feed": feed, "feed_url": url})


def calendar_feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed itself: no sign-in, the secret in the address is the key. Unknown → 404."""
    try:
        selectors.calendar_feed_owner(token=token)
    except CalendarFeed.DoesNotExist as error:
        raise Http404("No such calendar feed.") from error
    body = campaigns_ics(
        campaigns=selectors.calendar_feed_campaigns(),
        host=request.get_host().split(":")[0],
        link=lambda c: request.build_absolute_uri(reverse("campaigns:detail", args=[c.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="waymark-campaigns.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response
