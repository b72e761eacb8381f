from django.core.management.base import BaseCommand
from django.db import connection

from apps.core.bench import BenchReport, discover


class Command(BaseCommand):
    help = "Run the registered benchmarks on a throw-away database; prints `name: value` lines."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Only the benchmarks with these names.")

    def handle(self, *args, names, **options):
        benchmarks = [b for b in discover() if not names or b.__name__ in names]
        if not benchmarks:
            self.stdout.write("no benchmarks registered")
            return
        old_name = connection.settings_dict["NAME"]
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            for bench in benchmarks:
                report = BenchReport()
                bench(report)
                for name, value, target in report.lines:
                    suffix = f"  (target {target})" if target else ""
                    self.stdout.write(f"{name}: {value:.3f}{suffix}")
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
