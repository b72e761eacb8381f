"""`{% opportunity_nurture opportunity %}`: the stall and the enrolment timeline of a deal, for
the opportunity page (apps/web), which knows nothing of nurture itself."""

from django import template

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
