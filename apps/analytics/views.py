"""The role home pages' dashboards (apps/analytics/dashboards.py), rendered for `web:home`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.analytics import dashboards
from apps.analytics.charts import chart_csv
from apps.analytics.forms import DashboardFilterForm
from apps.users.models import Role


def role_dashboard(
    request: HttpRequest, *, role: str | None, extra: dict | None = None
) -> HttpResponse:
    """The dashboard of `role` with the filters asked for, and the home page's `extra`
    context; `?chart=<id>&format=csv` downloads one chart's numbers. A user without a role
    gets the page that says so."""
    form = DashboardFilterForm(request.GET or None)
    filters = form.filters()
    context: dict = {"form": form, "filters": filters, **(extra or {})}
    if role in (Role.SALES, Role.MANAGER):
        owner = None if role == Role.MANAGER else request.user
        board = dashboards.sales_dashboard(filters=filters, user=request.user, owner=owner)
        context["manager_view"] = owner is None
    elif role in (Role.MARKETER, Role.ADMIN):
        if role == Role.MARKETER:
            board = dashboards.marketer_dashboard(filters=filters)
        else:
            board = dashboards.admin_dashboard(filters=filters)
        context["tiers"], context["stages"] = board.tiers, board.stages
    else:
        return render(request, "analytics/home.html", context)
    if (download := chart_csv(request, board.chart_list)) is not None:
        return download
    context["board"] = board
    return render(request, "analytics/home.html", context)
