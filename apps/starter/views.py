"""The reset pages: each shows what resetting to the starter template would change, and does
it on confirmation. Views read through the selectors and write through the services."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from apps.core.exceptions import ApplicationError
from apps.core.views import allowed
from apps.journeys.models import Journey
from apps.journeys.selectors import journey_get
from apps.starter import selectors, services

# A reset writes a new draft version with its stages, or adds, edits and removes rules.
JOURNEY_RESET = (
    "journeys.view_journey",
    "journeys.add_journey",
    "journeys.add_journeystage",
    "journeys.add_stagetransition",
    "journeys.add_stagekpi",
)
RULES_RESET = tuple(
    f"engagement.{action}_signalrule" for action in ("view", "add", "change", "delete")
)


@allowed(*JOURNEY_RESET)
def journey_reset(request: HttpRequest, journey_id: int) -> HttpResponse:
    try:
        journey = journey_get(journey_id=journey_id)
    except Journey.DoesNotExist as error:
        raise Http404("No such journey.") from error
    try:
        if request.method == "POST":
            draft = services.starter_journey_reset(journey=journey, changed_by=request.user)
            messages.success(
                request,
                f"Version {draft.version} is a draft with the template's stages: check it and "
                "publish it to put it in force.",
            )
            return redirect("journeys:map", draft.pk)
        plan = selectors.journey_reset_plan(journey=journey)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("journeys:map", journey.pk)
    return render(request, "starter/journey_reset.html", {"journey": journey, "plan": plan})


@allowed(*RULES_RESET)
def signal_rules_reset(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "POST":
            plan = services.starter_signal_rules_reset()
            messages.success(
                request,
                f"Signal rules reset to the template: {len(plan.added)} added, "
                f"{len(plan.restored)} restored, {len(plan.removed)} removed. Scores follow at "
                "the next recompute.",
            )
            return redirect("signals:rule_list")
        plan = selectors.signal_rules_reset_plan()
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("signals:rule_list")
    return render(request, "starter/signal_rules_reset.html", {"plan": plan})
