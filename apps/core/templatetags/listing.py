"""Template pieces of the shared list mechanism (`apps.core.listing`): sortable column headers
and the pager with its counts."""

from django import template
from django.http import QueryDict
from django.utils.html import format_html

register = template.Library()

ARROWS = {"ascending": "▲", "descending": "▼"}


def _query(request, **changes) -> str:
    query: QueryDict = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def sort_th(context, listing, key: str, label: str, css: str = ""):
    """`{% sort_th listing "name" "Account" "text-end" %}`: a column header that sorts the list
    by `key` (ascending first, descending on a second click), back on page 1, the filters kept.

    A key the list does not sort by renders a plain header."""
    css_attr = format_html(' class="{}"', css) if css else ""
    if not listing or key not in getattr(listing, "sortable", ()):
        return format_html('<th scope="col"{}>{}</th>', css_attr, label)
    current = listing.sort
    state = "ascending" if current == key else "descending" if current == f"-{key}" else None
    chosen = f"-{key}" if state == "ascending" else key
    href = _query(context.get("request"), sort=chosen, page=None)
    htmx = (
        format_html(' hx-get="{}" hx-target="{}" hx-push-url="true"', href, listing.htmx_target)
        if listing.htmx_target
        else ""
    )
    return format_html(
        '<th scope="col"{}{}><a class="sort-link" href="{}"{} data-sort="{}">{}{}</a></th>',
        css_attr,
        format_html(' aria-sort="{}"', state) if state else "",
        href,
        htmx,
        key,
        label,
        format_html(' <span aria-hidden="true">{}</span>', ARROWS[state]) if state else "",
    )


@register.filter
def thousands(number) -> str:
    """1234 → "1,234"."""
    try:
        return f"{int(number):,}"
    except (TypeError, ValueError):
        return str(number)


@register.simple_tag
def page_numbers(page_obj):
    """The page numbers to offer around the current one (… where some are left out)."""
    pages = page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1)
    return list(pages)


@register.simple_tag(takes_context=True)
def page_href(context, number) -> str:
    return _query(context.get("request"), page=number)


@register.simple_tag(takes_context=True)
def kept_query(context, form) -> list[tuple[str, str]]:
    """What of the query string a filter bar carries over as hidden fields: everything but its
    own fields and the page (a new filter starts on page 1), e.g. the sort and the tab."""
    request = context.get("request")
    if request is None:
        return []
    own = set(form.fields) if form is not None else set()
    return [
        (name, value)
        for name, values in request.GET.lists()
        if name not in own | {"page", "format"}
        for value in values
    ]
