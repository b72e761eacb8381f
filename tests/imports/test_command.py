import json

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Account
from apps.imports.models import ImportRun

pytestmark = pytest.mark.django_db


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_records", *args, stdout=out)
    return out.getvalue()


def test_the_command_imports_and_prints_counts_and_each_row_error(tmp_path, importer):
    data = tmp_path / "companies.csv"
    data.write_text(
        "Record ID,Company name,Company Domain Name,Industry\n"
        "1,Acme,acme.com,Retail\n"
        "2,Broken,not a domain,Retail\n",
        encoding="utf-8",
    )

    out = _call("accounts", str(data), "--mapping", "hubspot", "--user", "ivy@waymark.test")

    assert out.splitlines() == [
        f"Import #{ImportRun.objects.get().pk} (committed): 2 rows, created 1, updated 0, "
        "unchanged 0, rows with errors 1",
        "row 3, Company Domain Name = 'not a domain': Not a web domain such as acme.com.",
    ]
    acme = Account.objects.get()
    assert (acme.external_source, acme.external_id, acme.name) == ("hubspot", "1", "Acme")
    assert ImportRun.objects.get().created_by == importer


def test_dry_run_with_a_json_mapping_writes_nothing(tmp_path):
    data = tmp_path / "companies.csv"
    data.write_text("Company,Web\nAcme,acme.com\n", encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Company": "name", "Web": "domain"}), encoding="utf-8")

    out = _call("accounts", str(data), "--mapping", str(mapping), "--dry-run")

    assert "(previewed): 1 rows, would create 1, would update 0" in out
    assert not Account.objects.exists()


def test_all_or_nothing_from_the_command(tmp_path):
    data = tmp_path / "companies.csv"
    data.write_text("name,domain\nAcme,acme.com\nBad,bad domain\n", encoding="utf-8")

    out = _call("accounts", str(data), "--all-or-nothing")

    assert "(failed)" in out
    assert "no row was imported" in out
    assert not Account.objects.exists()


def test_an_unreadable_file_stops_the_command_with_the_reason(tmp_path):
    data = tmp_path / "empty.csv"
    data.write_bytes(b"")

    with pytest.raises(CommandError, match="The file is empty"):
        _call("accounts", str(data))
