from django.core.management.base import BaseCommand
from django.db import connection

from apps.core.bench import BenchReport, commit_ms, discover


class Command(BaseCommand):
    help = "Run the registered benchmarks, each on a database of its own; prints `name: value`."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Only the benchmarks with these names.")

    def handle(self, *args, names, **options):
        benchmarks = [b for b in discover() if not names or b.__name__ in names]
        if not benchmarks:
            self.stdout.write("no benchmarks registered")
            return
        old_name = connection.settings_dict["NAME"]
        for bench in benchmarks:
            # A database of its own each: no benchmark runs beside the clean-up of another's
            # million rows (autovacuum, checkpoints).
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            try:
                report = BenchReport()
                # Beside its figures, what the disk made a commit cost when it started.
                report.line(f"{bench.__name__}_commit_ms", commit_ms())
                bench(report)
            finally:
                connection.creation.destroy_test_db(old_name, verbosity=0)
            for name, value, target in report.lines:
                suffix = f"  (target {target})" if target else ""
                self.stdout.write(f"{name}: {value:.3f}{suffix}")
