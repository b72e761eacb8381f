from django import template

from apps.pipeline.services import ACTIVITY_OUTCOMES

register = template.Library()


@register.filter
def activity_outcome(value: str) -> str:
    """A logged activity's outcome in words ("no_answer" → "No answer"); other words as sent."""
    return ACTIVITY_OUTCOMES.get(value, value)
