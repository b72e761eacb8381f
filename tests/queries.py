"""What a block of code wrote, from the statements a `CaptureQueriesContext` saw."""

from django.test.utils import CaptureQueriesContext


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The INSERT, UPDATE and DELETE statements run, in order."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
