"""What every bulk endpoint shares: lazy body parsers (a JSON array or NDJSON, read as numbered
items; see `apps.core.bulk`) and the shape of a per-item error."""

from rest_framework import serializers
from rest_framework.parsers import BaseParser

from apps.core import bulk


class JSONArrayParser(BaseParser):
    """A JSON array of `noun`s, decoded item by item."""

    media_type = "application/json"
    noun = "record"

    def parse(self, stream, media_type=None, parser_context=None):
        return bulk.json_array_items(stream, noun=self.noun)


class NDJSONParser(BaseParser):
    """Newline-delimited JSON: one `noun` per line; a malformed line is an error for that line."""

    media_type = "application/x-ndjson"
    noun = "record"

    def parse(self, stream, media_type=None, parser_context=None):
        return bulk.ndjson_items(stream, limit=bulk.MAX_BODY_BYTES, noun=self.noun)


class ItemErrorSerializer(serializers.Serializer):
    item = serializers.IntegerField(help_text="Position in the array, or line of the NDJSON.")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
