"""CSV for the API's lists (`?format=csv` or `Accept: text/csv`), written by the one CSV writer.

A list streams its rows itself (`CsvListModelMixin` in viewsets.py); this renderer only writes
what reaches it as a whole answer, such as an error, as a small CSV of the same shape.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer

from apps.core.csv_export import csv_lines


def flat_cell(value: Any) -> Any:
    """One CSV cell for a serialized value: a nested record by its id, other objects as JSON;
    the CSV writer puts a list in one cell as `a|b`."""
    if isinstance(value, Mapping):
        return value["id"] if "id" in value else json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return [flat_cell(item) for item in value]
    return value


def flat_row(data: Mapping[str, Any], columns: Iterable[str]) -> list[Any]:
    return [flat_cell(data.get(column)) for column in columns]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        rows = data if isinstance(data, list) else [data]
        columns = list(rows[0]) if rows and isinstance(rows[0], Mapping) else ["detail"]
        lines = csv_lines(
            columns,
            (flat_row(row, columns) if isinstance(row, Mapping) else [row] for row in rows),
        )
        return "".join(lines).encode(self.charset)
