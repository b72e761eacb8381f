"""`manage.py event_partitions [--since YYYY-MM]`: the daily upkeep of the events' monthly
partitions, by hand (apps/engagement/partitions.py)."""

from argparse import ArgumentTypeError
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.engagement.partitions import event_partitions_upkeep


def month_argument(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m").replace(tzinfo=UTC)
    except ValueError as error:
        raise ArgumentTypeError(f"{text!r} is no month (YYYY-MM).") from error


class Command(BaseCommand):
    help = (
        "Create the events table's partitions for this month and the next three, move the "
        "events the default partition caught into their months, and archive or drop the months "
        "older than EVENT_RETENTION_MONTHS (PostgreSQL; SQLite keeps one plain table)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--since",
            type=month_argument,
            help="Also create every month's partition from this month on (before a back-fill).",
        )

    def handle(self, *args, since, **options):
        done = event_partitions_upkeep(since=since)
        action = "archived" if settings.EVENT_RETENTION_ACTION == "archive" else "dropped"
        self.stdout.write(
            f"Created {len(done.created)} partitions{_names(done.created)}, moved {done.moved} "
            f"events out of the default partition, {action} {len(done.retired)}"
            f"{_names(done.retired)}."
        )


def _names(names: list[str]) -> str:
    return f" ({', '.join(names)})" if names else ""
