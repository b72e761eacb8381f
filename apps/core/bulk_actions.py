"""Bulk actions: one action over many ticked rows, in one transaction, each row on its own.

`bulk_apply` locks the rows, runs the action on each in a savepoint, and returns which were done
and which were refused with why ("Already archived."); a row that is gone is refused too. The
services of each app (`assets_archive`, `enablement_requests_assign`, …) are built on it, and
`report_bulk` tells the person what happened, naming each refused row.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize

from apps.core.exceptions import ApplicationError

MAX_BULK = 500


@dataclass(frozen=True)
class BulkResult:
    done: list = field(default_factory=list)
    refused: dict[int, str] = field(default_factory=dict)  # row id: why it was left alone


def bulk_apply(
    *, rows: QuerySet, ids: Iterable[int], act: Callable[[Any], Any], missing: str
) -> BulkResult:
    """Run `act` on each of the rows `ids` picks (locked, by id), inside the caller's
    transaction: a row `act` refuses (ApplicationError, ValidationError) is rolled back alone and
    reported; the others stand. `missing` is what an unknown id is told."""
    ids = {int(pk) for pk in ids}
    if not ids:
        raise ApplicationError("Tick at least one row.", fields={"ids": ["Nothing ticked."]})
    if len(ids) > MAX_BULK:
        raise ApplicationError(
            f"At most {MAX_BULK} at once.", fields={"ids": [f"{len(ids)} ticked."]}
        )
    locked = list(rows.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk"))
    refused = dict.fromkeys(ids - {row.pk for row in locked}, missing)
    done = []
    for row in locked:
        try:
            with transaction.atomic():
                done.append(act(row))
        except ApplicationError as error:
            refused[row.pk] = error.message
        except ValidationError as error:
            refused[row.pk] = " ".join(error.messages)
    return BulkResult(done=done, refused=dict(sorted(refused.items())))


def report_bulk(
    request: HttpRequest,
    *,
    result: BulkResult,
    done: str,
    noun: str,
    labels: dict[int, str] | None = None,
) -> None:
    """ "Archived 3 assets." and one warning per refused row: "Not archived: Brochure. Already
    archived." (`done` is the past participle, `noun` the singular)."""
    if result.done:
        n = len(result.done)
        messages.success(request, f"{done.capitalize()} {n} {noun}{pluralize(n)}.")
    labels = labels or {}
    for pk, why in result.refused.items():
        messages.warning(request, f"Not {done}: {labels.get(pk, f'{noun} {pk}')}. {why}")


def ticked_ids(request: HttpRequest, name: str = "ids") -> list[int]:
    """The ticked row ids of a bulk form (values that are not ids are dropped)."""
    return [int(value) for value in request.POST.getlist(name) if value.isdigit()]


def bulk_confirmation(
    request: HttpRequest,
    *,
    question: str,
    labels: list[str],
    button: str,
    back: str,
    explanation: str = "",
):
    """The page a destructive bulk action asks first on: what it would act on, and a button
    that posts the same form again with `confirm=1`."""
    from django.shortcuts import render

    hidden = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]
    context = {
        "question": question,
        "labels": labels,
        "button": button,
        "back": back,
        "explanation": explanation,
        "hidden": hidden,
    }
    return render(request, "core/bulk_confirm.html", context)
