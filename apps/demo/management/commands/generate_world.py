from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.demo.synthetic import world_generate


class Command(BaseCommand):
    help = (
        "Generate a world with a hidden ground truth (apps/demo/synthetic.py): accounts, people,"
        " a year of events, deals and handoffs. Needs the starter kit (install_starter_kit)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=500)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--weeks", type=int, default=56, help="Weeks of history.")

    def handle(self, *args, accounts: int, seed: int, weeks: int, **options):
        try:
            report = world_generate(accounts=accounts, seed=seed, weeks=weeks)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {report.accounts} accounts, {report.contacts} people,"
                f" {report.events} events, {report.opportunities} deals ({report.won} won) and"
                f" {report.handoffs} handoffs from {report.start:%Y-%m-%d} to"
                f" {report.end:%Y-%m-%d}."
            )
        )
