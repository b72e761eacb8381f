from django import template

from apps.analytics.charts import Chart

register = template.Library()


@register.inclusion_tag("analytics/partials/chart.html", takes_context=True)
def chart(context, spec: Chart):
    """`{% chart spec %}`: the chart, the same numbers in a table beside it and a CSV link
    (see apps/analytics/charts.py)."""
    return {"chart": spec, "request": context.get("request")}
