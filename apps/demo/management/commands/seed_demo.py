from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.demo import world
from apps.demo.selectors import demo_calibration_history
from apps.demo.services import demo_world_seed


class Command(BaseCommand):
    help = "Fill the database with the demo world; running it again changes nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed",
            type=int,
            default=world.RANDOM_SEED,
            help="Draw another world of the same plan (default: the demo's own).",
        )

    def handle(self, *args, **options):
        try:
            report = demo_world_seed(seed=options["seed"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if report.created:
            self.stdout.write(self.style.SUCCESS("Seeded the demo world."))
        else:
            self.stdout.write("The demo world is already in place; nothing changed.")
        self.stdout.write(", ".join(f"{label}: {count}" for label, count in report.counts.items()))
        self.stdout.write(f'Demo logins (password "{report.password}"):')
        for username, name, role in report.logins:
            self.stdout.write(f"  {username:<10} {name:<14} {role}")
        history = demo_calibration_history()
        self.stdout.write(
            "Calibrate on its history (Signals → Calibrate, as a marketer): history from"
            f" {history.start:%Y-%m-%d} to {history.end:%Y-%m-%d}, horizon"
            f" {history.horizon_days} days, outcome Opportunity created,"
            f" {history.cutoffs} days scored."
        )
