import pytest
from django.core.files.base import ContentFile

from apps.imports import services
from apps.imports.models import ImportRun
from apps.users.models import Role
from tests.factories import UserFactory


@pytest.fixture
def importer(db):
    return UserFactory(username="ivy", email="ivy@waymark.test", role=Role.MARKETER)


def upload(text: str | bytes, name: str = "data.csv") -> ContentFile:
    return ContentFile(text.encode("utf-8") if isinstance(text, str) else text, name=name)


@pytest.fixture
def run_import(importer):
    """`run_import(kind, csv_text, commit=True, **options)`: upload, preview, commit."""

    def run(kind: str, text: str | bytes, *, commit: bool = True, mapping=None, **options):
        run = services.import_run_start(
            kind=kind, file=upload(text), created_by=importer, **options
        )
        if mapping is not None:
            run = services.import_mapping_set(run=run, mapping=mapping)
        run = services.import_preview(run=run)
        if commit:
            run = services.import_commit(run=run)
        return run

    return run


def row_errors(run: ImportRun) -> list[tuple[int, str, str, str]]:
    return list(
        run.row_errors.order_by("row", "pk").values_list("row", "column", "value", "message")
    )
