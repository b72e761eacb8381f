from django import template

from apps.core.selectors import record_history

register = template.Library()


@register.inclusion_tag("core/history_panel.html", takes_context=True)
def history_panel(context, record):
    """`{% history_panel record %}`: the record's audit trail, as a card on its page."""
    return {"entries": record_history(record=record), "user": context.get("user")}
