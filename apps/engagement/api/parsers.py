"""Bodies of the bulk endpoints, parsed lazily: `request.data` is an iterator of numbered items
(see `apps.engagement.ingestion`), so a large NDJSON body is read one line at a time."""

from rest_framework.parsers import BaseParser

from apps.engagement import ingestion


class EventArrayParser(BaseParser):
    """A JSON array of events."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return ingestion.json_array_items(stream)


class NDJSONParser(BaseParser):
    """Newline-delimited JSON: one event per line; a malformed line is an error for that line."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        return ingestion.ndjson_items(stream, limit=ingestion.MAX_BODY_BYTES)
