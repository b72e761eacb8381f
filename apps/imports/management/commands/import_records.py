import json
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from apps.core.exceptions import ApplicationError
from apps.imports import services
from apps.imports.models import ImportRowError, ImportRun, RecordKind, SavedMapping
from apps.imports.presets import PRESETS, preset_mapping
from apps.users.models import User


class Command(BaseCommand):
    help = (
        "Import accounts, contacts or opportunities from a CSV or XLSX file: the same checks, "
        "upsert and undo history as the web import. Prints the counts and every row error."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=RecordKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--mapping",
            help="A JSON file of {column: field}, a preset (hubspot, salesforce) or the name "
            "of a saved mapping; default: suggested from the header.",
        )
        parser.add_argument("--source", default="", help="Where the external ids come from.")
        parser.add_argument("--dry-run", action="store_true", help="Preview: write nothing.")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="Write nothing if any row fails."
        )
        parser.add_argument("--user", help="Email of the user the import runs as.")

    def handle(self, *args, kind, file, mapping, source, dry_run, all_or_nothing, user, **opts):
        if not file.is_file():
            raise CommandError(f"No file {file}.")
        runner = None
        if user:
            runner = User.objects.filter(email__iexact=user).first()
            if runner is None:
                raise CommandError(f"No user with the email {user}.")
        mode = ImportRun.Mode.ALL_OR_NOTHING if all_or_nothing else ImportRun.Mode.VALID_ROWS
        try:
            with file.open("rb") as stream:
                run = services.import_run_start(
                    kind=kind,
                    file=File(stream, name=file.name),
                    created_by=runner,
                    source=source,
                    mode=mode,
                )
            if mapping:
                chosen, chosen_source = self._mapping(run, mapping)
                run = services.import_mapping_set(
                    run=run, mapping=chosen, source=source or chosen_source
                )
            run = services.import_preview(run=run)
            if not dry_run:
                run = services.import_commit(run=run)
        except ApplicationError as error:
            details = [m for messages in error.fields.values() for m in messages]
            raise CommandError(" ".join([error.message, *details])) from error
        self._report(run, dry_run=dry_run)

    def _mapping(self, run: ImportRun, name: str) -> tuple[dict[str, str], str]:
        if name.lower() in PRESETS:
            header = services.import_header(run=run)
            return preset_mapping(kind=run.kind, source=name.lower(), header=header), name.lower()
        saved = SavedMapping.objects.filter(kind=run.kind, name=name).first()
        if saved is not None:
            return saved.mapping, saved.source
        path = Path(name)
        if not path.is_file():
            raise CommandError(
                f"--mapping {name}: neither a JSON file, a preset "
                f"({', '.join(PRESETS)}) nor a saved mapping."
            )
        try:
            mapping = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise CommandError(f"--mapping {name}: not JSON ({error}).") from error
        if not isinstance(mapping, dict):
            raise CommandError(f"--mapping {name}: expected a JSON object of column → field.")
        return mapping, ""

    def _report(self, run: ImportRun, *, dry_run: bool) -> None:
        verb = "would create" if dry_run else "created"
        self.stdout.write(
            f"Import #{run.pk} ({run.get_status_display().lower()}): {run.rows_total} rows, "
            f"{verb} {run.creates}, {'would update' if dry_run else 'updated'} {run.updates}, "
            f"unchanged {run.unchanged}, rows with errors {run.errors}"
        )
        if run.failure:
            self.stdout.write(run.failure)
        for error in ImportRowError.objects.filter(run=run).order_by("row", "pk").iterator():
            self.stdout.write(f"row {error.row}, {error.column} = {error.value!r}: {error.message}")
