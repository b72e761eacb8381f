"""Lists that scale: one way for every list page to sort, filter and page its rows.

A view hands its rows (a queryset, already scoped to the user) to `list_page` with

- `sorts`: the columns a person may sort by, each a key of the query string (`?sort=name`,
  `?sort=-name` for descending) mapped to the field or fields it orders by. Only these keys are
  honoured: any other `?sort=` falls back to the list's own order, never an error;
- `filterset`: optionally a django-filter `FilterSet` class (a subclass of `ListFilter`) whose
  form is the filter bar above the table; values it cannot read are ignored, as before;
- the page size.

It returns a `Listing`: the page (Django's `Paginator`, numbered pages), the filter form, and
what the sortable column headers and the pager (`templates/core/partials/`) need. A sorted list
always ends on the primary key, so rows with equal values keep one order from page to page.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest

from apps.core.paginator import EstimatingPaginator

PAGE_SIZE = 50
SORT_PARAM = "sort"

SortFields = str | tuple[str, ...]


def sort_order(sort: str | None, sorts: Mapping[str, SortFields]) -> tuple[str, list] | None:
    """The `order_by` arguments for `?sort=<key>` or `?sort=-<key>`, with the chosen key; None
    when the key is not one of `sorts` (the caller keeps its own order).

    Empty values sort last either way; the primary key breaks ties in the same direction."""
    if not sort:
        return None
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in sorts:
        return None
    names = sorts[key]
    names = (names,) if isinstance(names, str) else names
    order = [_ordered(name, descending) for name in names]
    order.append("-pk" if descending else "pk")
    return sort, order


def _ordered(name: str, descending: bool):
    """`name` ascending (descending); a field named "-field" sorts the other way round (days in
    a stage go up as the date it was entered goes down)."""
    if name.startswith("-"):
        name, descending = name[1:], not descending
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


def sorted_rows(rows: QuerySet, *, sort: str | None, sorts: Mapping[str, SortFields]):
    """`rows` ordered by a whitelisted `sort`, else as they came; with the sort applied ("" for
    none)."""
    chosen = sort_order(sort, sorts)
    if chosen is None:
        return rows, ""
    key, order = chosen
    return rows.order_by(*order), key


@dataclass
class Listing:
    """One page of a list, how it is sorted and filtered (what the templates read)."""

    page_obj: Page
    sort: str = ""
    sortable: frozenset[str] = frozenset()
    filter_form: forms.Form | None = None
    # The element htmx swaps when a header or page link is followed (None: whole pages).
    htmx_target: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.page_obj.paginator.count

    @property
    def rows(self) -> list:
        return self.page_obj.object_list

    def __iter__(self):
        return iter(self.page_obj)


def list_page(
    request: HttpRequest,
    rows: QuerySet,
    *,
    sorts: Mapping[str, SortFields] | None = None,
    filterset: type["ListFilter"] | None = None,
    filter_data: Mapping | None = None,
    per_page: int = PAGE_SIZE,
    htmx_target: str | None = None,
    estimate_count: bool = False,
    **filterset_kwargs,
) -> Listing:
    """Filter (through `filterset`), sort (by a whitelisted `?sort=`) and page `rows`.

    `estimate_count`, for lists that reach a million rows: past 10,000 rows the count is the
    planner's estimate (`apps.core.paginator`; `page_obj.paginator.count_is_estimate`)."""
    filter_form = None
    if filterset is not None:
        bound = filterset(
            filter_data if filter_data is not None else request.GET,
            queryset=rows,
            request=request,
            **filterset_kwargs,
        )
        filter_form = bound.form
        rows = bound.qs if bound.is_valid() else _valid_part(bound)
    rows, sort = sorted_rows(rows, sort=request.GET.get(SORT_PARAM), sorts=sorts or {})
    paginator = (EstimatingPaginator if estimate_count else Paginator)(rows, per_page)
    page = paginator.get_page(request.GET.get("page"))
    return Listing(
        page_obj=page,
        sort=sort,
        sortable=frozenset(sorts or ()),
        filter_form=filter_form,
        htmx_target=htmx_target,
    )


def _valid_part(bound: django_filters.FilterSet) -> QuerySet:
    """A filter bar with a value it cannot read still filters by the values it can."""
    cleaned = bound.form.cleaned_data
    rows = bound.queryset.all()
    for name, value in cleaned.items():
        rows = bound.filters[name].filter(rows, value)
    return rows


# -- filters ------------------------------------------------------------------------------------

SELECT = {"class": "form-select form-select-sm"}
TEXT = {"class": "form-control form-control-sm"}


class SearchFilter(django_filters.CharFilter):
    """A free-text box that matches any of `fields` (case-insensitive, contains)."""

    def __init__(self, *, fields: Iterable[str], placeholder: str = "", **kwargs):
        self.search_fields = tuple(fields)
        kwargs.setdefault("label", "Search")
        kwargs["widget"] = forms.TextInput(
            attrs={"type": "search", "placeholder": placeholder, **TEXT}
        )
        super().__init__(**kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        match = Q()
        for name in self.search_fields:
            match |= Q(**{f"{name}__icontains": value})
        return qs.filter(match).distinct() if self.distinct else qs.filter(match)


class ListFilter(django_filters.FilterSet):
    """The base of every list page's filter bar: compact Bootstrap widgets."""

    def __init__(self, *args, request: HttpRequest | None = None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Its ids stay clear of a form on the same page ("filter_q", not "id_q").
        self.form.auto_id = "filter_%s"
        for name, form_field in self.form.fields.items():
            widget = form_field.widget
            css = SELECT if isinstance(widget, forms.Select) else TEXT
            classes = widget.attrs.get("class", "")
            if "form-" not in classes:
                widget.attrs["class"] = f"{classes} {css['class']}".strip()
            if isinstance(form_field, forms.ChoiceField) and name != "q":
                form_field.required = False
