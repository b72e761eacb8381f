"""`make bench` for imports (apps/core/bench.py); `manage.py bench imports` runs only this.

One world: 10,000 accounts (written with set-based SQL) and a CSV of 100,000 contacts in them
(email, names, job title, the account's domain), imported through the services the web flow
uses: `import_run_start`, `import_preview`, `import_commit` (parse, check, normalise, match,
upsert, undo records, rescoring queue).

- `import_vs_copy`: contacts per second of the commit against a raw PostgreSQL COPY of the same
  rows, already in their final form (account ids, defaults, timestamps), into the same table
  with its indexes, in the same run: throughput over throughput. The preview before the commit
  is not counted (it is a step of its own in the web flow); its time is printed.
- `reimport_vs_copy`: the same file again with every job title changed (100,000 updates, each
  with its previous values kept for undo) against the same COPY;
  `reimport_unchanged_vs_copy`: the file as it is, a third time (every row unchanged).
- `import_rss_growth_mb`: how far this process's resident memory peaked above its size before
  the first import: flat memory means the rows streamed through, never a list of 100,000.
"""

import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection
from django.test import override_settings

from apps.core.bench import BenchReport, benchmark, stopwatch, timed_copy
from apps.imports import services
from apps.imports.models import ImportRun
from apps.users.models import Role, User
from apps.users.services import user_create

ACCOUNTS = 10_000
CONTACTS = 100_000
TITLES = ("CFO", "VP Finance", "Head of IT", "Controller", "Procurement manager", "Analyst")
COPY_COLUMNS = (
    "created_at",
    "updated_at",
    "account_id",
    "first_name",
    "last_name",
    "email",
    "title",
    "buying_role",
    "consent",
    "time_zone",
    "external_source",
    "external_id",
)


def _world() -> None:
    user_create(
        username="imports-bench", email="imports@bench.test", password=None, role=Role.MARKETER
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_account (created_at, updated_at, name, domain, industry,
                   region, tier, is_target, fit_score, external_source, external_id)
               SELECT now(), now(), 'Bench account ' || n, 'bench' || n || '.example', '', '',
                      1 + n %% 3, n %% 4 = 0, n %% 101, '', ''
               FROM generate_series(1, %s) n""",
            [ACCOUNTS],
        )
        cursor.execute("ANALYZE")


def _write_files(folder: Path) -> tuple[Path, Path, Path]:
    """The contacts CSV, the same with other titles, and the COPY text of the first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT domain, id FROM accounts_account")
        account_ids = dict(cursor.fetchall())
    csv_path, changed_path, copy_path = (
        folder / "contacts.csv",
        folder / "contacts-new-titles.csv",
        folder / "contacts.copy",
    )
    header = "email,first_name,last_name,title,account_domain\n"
    with csv_path.open("w") as csv, changed_path.open("w") as changed, copy_path.open("w") as copy:
        csv.write(header)
        changed.write(header)
        for n in range(CONTACTS):
            domain = f"bench{1 + n % ACCOUNTS}.example"
            email = f"person{n}@{domain}"
            title = TITLES[n % len(TITLES)]
            csv.write(f"{email},Pat,Bench {n},{title},{domain}\n")
            changed.write(f"{email},Pat,Bench {n},Senior {title},{domain}\n")
            copy.write(
                f"now\tnow\t{account_ids[domain]}\tPat\tBench {n}\t{email}\t{title}\t\t"
                "unknown\tUTC\t\t\n"
            )
    return csv_path, changed_path, copy_path


def _import(path: Path) -> tuple[ImportRun, float, float]:
    """A run through the web flow's services: (committed run, preview seconds, commit seconds)."""
    with path.open("rb") as stream:
        run = services.import_run_start(
            kind="contacts",
            file=File(stream, name=path.name),
            created_by=User.objects.get(username="imports-bench"),
        )
    with stopwatch() as preview:
        run = services.import_preview(run=run)
    with stopwatch() as commit:
        run = services.import_commit(run=run)
    if run.status != ImportRun.Status.COMMITTED or run.errors:
        raise RuntimeError(f"import {run.pk} ended {run.status} with {run.errors} bad rows")
    return run, preview(), commit()


def _files_on_disk(folder: Path):
    """Uploads kept on disk as in production (the test settings keep them in memory)."""
    disk = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    storages = {**settings.STORAGES, "default": disk}
    return override_settings(STORAGES=storages, MEDIA_ROOT=folder / "media")


def _memory_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


@benchmark
def imports(report: BenchReport) -> None:
    _world()
    with tempfile.TemporaryDirectory() as folder, _files_on_disk(Path(folder)):
        csv_path, changed_path, copy_path = _write_files(Path(folder))
        copy_time = timed_copy(table="accounts_contact", columns=COPY_COLUMNS, path=copy_path)
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_contact CASCADE")
            cursor.execute("VACUUM ANALYZE accounts_contact")
        before_mb = _memory_mb("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
        run, preview_seconds, import_seconds = _import(csv_path)
        changed_run, _, reimport_seconds = _import(changed_path)
        unchanged_run, _, unchanged_seconds = _import(changed_path)
        peak_mb = _memory_mb("VmHWM")
    if (run.creates, changed_run.updates, unchanged_run.unchanged) != (CONTACTS,) * 3:
        raise RuntimeError("the runs did not create, update and leave every contact")
    report.line("copy_contacts_per_s", CONTACTS / copy_time)
    report.line("import_contacts_per_s", CONTACTS / import_seconds)
    report.line("import_preview_seconds", preview_seconds)
    report.line("import_commit_seconds", import_seconds)
    report.line("import_vs_copy", copy_time / import_seconds, target=">= 0.2")
    report.line("reimport_commit_seconds", reimport_seconds)
    report.line("reimport_vs_copy", copy_time / reimport_seconds, target=">= 0.2")
    report.line("reimport_unchanged_vs_copy", copy_time / unchanged_seconds)
    report.line("import_rss_growth_mb", peak_mb - before_mb, target="flat: small against 100k rows")
