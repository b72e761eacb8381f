from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.analytics.snapshots import snapshot_backfill, snapshot_day


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Write the dashboards' daily snapshots (buyers per journey stage, deals per pipeline "
        "stage, campaign KPIs) for one day, or for every day from a date to today; a day "
        "written again is replaced. Past days are rebuilt from the stage history."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--date", help="The day to write (YYYY-MM-DD); default today.")
        which.add_argument(
            "--backfill-from", help="Write every day from this one (YYYY-MM-DD) to today."
        )
        which.add_argument(
            "--backfill-days", type=int, help="Write the last N days, today included."
        )

    def handle(self, *args, date=None, backfill_from=None, backfill_days=None, **options):
        today = timezone.now().date()
        if backfill_days is not None:
            if backfill_days < 1:
                raise CommandError("--backfill-days takes a number of days from 1.")
            written = snapshot_backfill(start=today - timedelta(days=backfill_days - 1), end=today)
        elif backfill_from:
            start = _day(backfill_from)
            if start > today:
                raise CommandError(f"--backfill-from {start} is in the future.")
            written = snapshot_backfill(start=start, end=today)
        else:
            written = [snapshot_day(day=_day(date) if date else today)]
        for counts in written:
            self.stdout.write(
                f"{counts.day}: {counts.journey_stages} journey stages, "
                f"{counts.pipeline_stages} pipeline stages, {counts.campaigns} campaigns."
            )
