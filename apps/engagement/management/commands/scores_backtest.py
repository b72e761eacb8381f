"""`manage.py scores_backtest --as-of DATE --horizon DAYS [--outcome …] [--known-then]
[--csv FILE]`: how well the scores of a past day foresaw what followed, against the activity
count. Runs here and now, whatever the size; the run is kept for the backtest page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.csv_export import csv_lines
from apps.core.exceptions import ApplicationError
from apps.engagement.management.commands.recompute_scores import as_of_argument
from apps.engagement.models import Backtest
from apps.engagement.selectors import BACKTEST_CSV_COLUMNS, backtest_rows, backtest_sections
from apps.engagement.services import backtest_start


class Command(BaseCommand):
    help = (
        "Score every contact and account as of a past date and compare with what happened in "
        "the horizon after: ROC AUC and lift by decile, beside a plain activity count."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=as_of_argument, required=True, help="YYYY-MM-DD")
        parser.add_argument("--horizon", type=int, required=True, help="Days after --as-of.")
        parser.add_argument(
            "--outcome",
            choices=Backtest.Outcome.values,
            default=Backtest.Outcome.OPPORTUNITY_CREATED,
        )
        parser.add_argument(
            "--known-then",
            action="store_true",
            help="Count only the events Waymark had received by the as-of time.",
        )
        parser.add_argument("--csv", type=Path, help="Write every number to this CSV file.")

    def handle(self, *args, as_of, horizon, outcome, known_then, csv, **options):
        try:
            run = backtest_start(
                as_of=as_of,
                horizon_days=horizon,
                outcome=outcome,
                known_then=known_then,
                in_background=False,
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if run.status == Backtest.Status.FAILED:
            raise CommandError(f"The backtest failed: {run.failure}")
        for section in backtest_sections(backtest=run):
            self.stdout.write(
                f"{section['buyer'].title()}s: {section['count']}, "
                f"{section['positives']} with the outcome"
            )
            for scorer in section["scorers"]:
                auc = "n/a" if scorer["auc"] is None else f"{scorer['auc']:.3f}"
                lifts = " ".join(
                    "-" if row["lift"] is None else f"{row['lift']:.2f}"
                    for row in scorer["deciles"]
                )
                self.stdout.write(f"  {scorer['label']}: AUC {auc}; lift by decile {lifts}")
        if csv:
            with csv.open("w", encoding="utf-8", newline="") as file:
                file.writelines(csv_lines(BACKTEST_CSV_COLUMNS, backtest_rows(backtest=run)))
            self.stdout.write(f"Numbers written to {csv}.")
        self.stdout.write(f"Backtest {run.pk} kept for the backtest page.")
