from django import template
from django.utils.html import format_html

register = template.Library()

WIDTH, HEIGHT = 120, 28


@register.simple_tag
def sparkline(values, label: str = "Score trend") -> str:
    """A small inline SVG line of `values`, oldest first (empty with fewer than two)."""
    values = [float(v) for v in values or ()]
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = WIDTH / (len(values) - 1)
    points = " ".join(
        f"{n * step:.1f},{HEIGHT - 2 - (v - low) / span * (HEIGHT - 4):.1f}"
        for n, v in enumerate(values)
    )
    return format_html(
        '<svg class="sparkline" width="{}" height="{}" viewBox="0 0 {} {}" role="img" '
        'aria-label="{}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        'points="{}"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        label,
        points,
    )


@register.inclusion_tag("engagement/partials/trend.html")
def trend(change):
    """▲ / ▼ with the week's score change; a dash before there is a week of history."""
    return {"change": change}
