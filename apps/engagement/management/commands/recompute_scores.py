"""`manage.py recompute_scores [--as-of DATE|TIME] [--known-then] [--rule-set N]`: rescore every
buyer now, or replay history as it stood at a past moment (under the rule set version in force
then, or version N)."""

from datetime import date, datetime

from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.engagement.services import as_of_moment, scores_recompute


def as_of_argument(text: str):
    """An ISO date (the end of that day) or date and time, for `--as-of`."""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--as-of: {text!r} is no date (YYYY-MM-DD) or ISO time.") from error


class Command(BaseCommand):
    help = (
        "Rescore every contact and account, and store their scores, stages, stage changes and "
        "handoffs; --as-of replays them as they stood at a past date or time; --rule-set "
        "computes them with a stored rule set version."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=as_of_argument,
            help="Count the events that had occurred by then (a date: by the end of that day).",
        )
        parser.add_argument(
            "--known-then",
            action="store_true",
            help="Count only the events Waymark had also received by then.",
        )
        parser.add_argument(
            "--rule-set",
            type=int,
            metavar="N",
            help="Score with rule set version N instead of the live rules (with --as-of and no "
            "version: the version in force then).",
        )

    def handle(self, *args, as_of, known_then, rule_set, **options):
        try:
            at = None if as_of is None else as_of_moment(as_of=as_of)
            result = scores_recompute(at=at, known_then=known_then, rule_set=rule_set)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Scored {result.contacts} contacts and {result.accounts} accounts"
            f"{'' if at is None else f' as of {at:%Y-%m-%d %H:%M %Z}'}"
            f"{'' if rule_set is None else f' with rule set v{rule_set}'}: "
            f"{result.stage_changes} stage changes, {result.handoffs} handoffs raised."
        )
