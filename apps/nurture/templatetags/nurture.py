"""`{% opportunity_nurture opportunity %}`: the stall and the enrolment timeline of a deal, for
the opportunity page (apps/web), which knows nothing of nurture itself."""

from django import template
from django.utils.html import format_html

from apps.core.api.permissions import bound_to_own_records
from apps.nurture import selectors
from apps.nurture.forms import EnrolForm

register = template.Library()


@register.inclusion_tag("nurture/partials/opportunity_panel.html", takes_context=True)
def opportunity_nurture(context, opportunity) -> dict:
    user = context["user"]
    if not user.has_perm("nurture.view_enrollment"):
        return {"hidden": True}
    own = not bound_to_own_records(user=user) or opportunity.owner_id == user.pk
    may_enrol = own and user.has_perm("nurture.add_enrollment")
    return {
        "opportunity": opportunity,
        "enrollments": selectors.enrollment_timeline(opportunity_id=opportunity.pk),
        "enrol_form": EnrolForm(account_id=opportunity.account_id) if may_enrol else None,
        "may_exit": own and user.has_perm("nurture.change_enrollment"),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def percent(rate: float | None) -> str:
    """A share (0–1) as "42 %"; a dash when there was nothing to divide by."""
    return "—" if rate is None else f"{round(rate * 100)} %"


@register.filter
def share(counts, outcome: str) -> str:
    """How many sends of `counts` (apps.nurture.results.Counts) met `outcome`, with their share:
    "12 · 40 %"."""
    count, rate = getattr(counts, outcome), counts.rate(outcome)
    if rate is None:
        return str(count)
    return format_html('{} <span class="text-body-secondary">· {}</span>', count, percent(rate))
