"""Bodies of the bulk event endpoints, parsed lazily: `request.data` is an iterator of numbered
events (see `apps.core.bulk`), so a large NDJSON body is read one line at a time."""

from apps.core.api import bulk


class EventArrayParser(bulk.JSONArrayParser):
    """A JSON array of events."""

    noun = "event"


class NDJSONParser(bulk.NDJSONParser):
    """Newline-delimited JSON: one event per line; a malformed line is an error for that line."""

    noun = "event"
