from django import template

from apps.fit import selectors

register = template.Library()


@register.inclusion_tag("fit/fit_panel.html", takes_context=True)
def account_fit_panel(context, account):
    """`{% account_fit_panel account %}`: the account's fit, learned or set by hand, with each
    attribute's points."""
    explained = selectors.account_fit_explain(account=account, context=selectors.fit_context())
    return {"fit": explained, "account": account, "kind": "account", "perms": context["perms"]}


@register.inclusion_tag("fit/fit_panel.html", takes_context=True)
def contact_fit_panel(context, contact):
    """`{% contact_fit_panel contact %}`: the person's learned fit with each attribute's points,
    beside their account's fit."""
    explained = selectors.contact_fit_explain(contact=contact, context=selectors.fit_context())
    return {"fit": explained, "contact": contact, "kind": "person", "perms": context["perms"]}


@register.filter
def signed(points: float) -> str:
    """Whole points with their sign, as the explanations read: +18, −4, 0."""
    whole = round(points)
    if whole > 0:
        return f"+{whole}"
    return f"−{-whole}" if whole < 0 else "0"
