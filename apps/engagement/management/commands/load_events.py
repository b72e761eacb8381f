"""`manage.py load_events FILE...`: buyer signals from CSV or NDJSON files, checked like the bulk
API, stored a batch of 10,000 at a time (each batch all-or-nothing), duplicates skipped."""

import csv
import io
import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.engagement import ingestion
from apps.engagement.models import EventSource
from apps.engagement.services import events_ingest

# CSV columns, as the JSON fields of the bulk API; ids are numbers, properties a JSON object.
CSV_NUMBERS = ("contact", "account", "asset")
CSV_COLUMNS = ("id", "kind", "occurred_at", "source", "direction", "email", "contact", "domain",
               "account", "url", "asset", "properties")  # fmt: skip


def csv_items(stream) -> Iterator[tuple[int, Any]]:
    """Rows as bulk-API items, numbered by line (the header is line 1)."""
    reader = csv.DictReader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""))
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    if unknown:
        raise CommandError(f"Unknown CSV columns: {', '.join(sorted(unknown))}.")
    for row in reader:
        item: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None)}
        try:
            for name in CSV_NUMBERS:
                if name in item:
                    item[name] = int(item[name])
            if "properties" in item:
                item["properties"] = json.loads(item["properties"])
        except ValueError as error:
            yield reader.line_num, ingestion.ItemError(reader.line_num, {"event": [str(error)]})
            continue
        yield reader.line_num, item


class Command(BaseCommand):
    help = "Load buyer signals from CSV or NDJSON files (by extension, or --format)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--format", choices=["csv", "ndjson"], help="Default: by extension.")
        parser.add_argument(
            "--source", choices=EventSource.values, help="Source of every event in the files."
        )

    def handle(self, *args, files, format, source, **options):
        for path in files:
            kind = format or ("csv" if path.suffix.lower() == ".csv" else "ndjson")
            with path.open("rb") as stream:
                items = (
                    csv_items(stream)
                    if kind == "csv"
                    else ingestion.ndjson_items(stream, limit=None)
                )
                total = ingestion.IngestReport()
                while batch := list(islice(items, ingestion.MAX_EVENTS)):
                    total.add(events_ingest(items=batch, source=source))
            for error in total.errors:
                for field, messages in error.errors.items():
                    self.stderr.write(f"{path}:{error.item}: {field}: {' '.join(messages)}")
            self.stdout.write(
                f"{path}: {total.accepted} accepted, {total.duplicates} duplicates, "
                f"{total.rejected} rejected"
            )
