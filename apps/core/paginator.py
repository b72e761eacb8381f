"""Numbered pages with a count that stays cheap at a million rows: the API's lists
(`apps.core.api.pagination`) and the largest list pages (`apps.core.listing`)."""

import json

from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property

# Up to this many matching rows a list counts them exactly; past it the planner's estimate.
EXACT_COUNT_UP_TO = 10_000
# Where the planner expects more rows than this, its estimate is taken without counting: the
# margin over the cap covers its usual misses, and counting even the capped 10,001 rows took
# a million-row list's page as long as serving the rest of it.
ESTIMATE_WITHOUT_COUNTING_PAST = 5 * EXACT_COUNT_UP_TO


def estimated_count(queryset) -> tuple[int, bool]:
    """How many rows `queryset` holds, and whether that is an estimate.

    Counting a million rows reads a million index entries on every page; people need "about
    1.2 million" there, not the last digit. The planner's row estimate for the query comes
    first (PostgreSQL): past `ESTIMATE_WITHOUT_COUNTING_PAST` it is the answer; otherwise up
    to `EXACT_COUNT_UP_TO` rows are counted (a count that stops at the cap), and more take
    the estimate, never below the cap.
    """
    # Only the ids: a list's per-row annotations (an account's contact count) cost nothing here.
    queryset = queryset.order_by().values("pk")
    estimate = _planner_rows(queryset) if connection.vendor == "postgresql" else None
    if estimate is not None and estimate > ESTIMATE_WITHOUT_COUNTING_PAST:
        return estimate, True
    capped = queryset[: EXACT_COUNT_UP_TO + 1].count()
    if capped <= EXACT_COUNT_UP_TO:
        return capped, False
    if estimate is None:
        return queryset.count(), False
    return max(estimate, EXACT_COUNT_UP_TO + 1), True


def _planner_rows(queryset) -> int:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


class EstimatingPaginator(Paginator):
    """Django's paginator, counting a queryset with `estimated_count`; `count_is_estimate`
    says whether `count` is the planner's estimate."""

    @cached_property
    def _count(self) -> tuple[int, bool]:
        if not hasattr(self.object_list, "query"):
            return len(self.object_list), False
        return estimated_count(self.object_list)

    @property
    def count(self) -> int:
        return self._count[0]

    @property
    def count_is_estimate(self) -> bool:
        return self._count[1]
