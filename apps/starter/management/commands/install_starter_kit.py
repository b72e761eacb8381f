from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.starter.services import starter_kit_install


class Command(BaseCommand):
    help = (
        "Install the starter kit: a B2B journey, pipeline stages with stall rules, signal rules, "
        "scoring settings and nurture sequences. Parts the database already has are left as "
        "they are, so running it again changes nothing."
    )

    def handle(self, *args, **options):
        try:
            report = starter_kit_install()
        except ApplicationError as error:
            raise CommandError(error.message) from error
        if report.installed:
            self.stdout.write(self.style.SUCCESS(f"Installed: {', '.join(report.installed)}."))
        if report.kept:
            self.stdout.write(f"Already in place, left as they are: {', '.join(report.kept)}.")
