"""`manage.py load_events`: CSV and NDJSON files, errors by file and line, duplicates skipped."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.engagement import ingestion
from apps.engagement.models import Event
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def acme():
    account = AccountFactory(domain="acme.com")
    ContactFactory(account=account, email="ann@acme.com")
    return account


def _load(*paths, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("load_events", *map(str, paths), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_csv_rows_are_loaded_and_bad_ones_named_by_line(tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(
        "id,kind,occurred_at,email,domain,properties\n"
        'm-1,meeting,2026-03-01T10:00:00Z,ann@acme.com,,"{""topic"": ""ROI review""}"\n'
        "m-2,meeting,not a time,ann@acme.com,,\n"
        "m-3,crm_activity,2026-03-02T10:00:00Z,,acme.com,\n"
    )

    out, err = _load(path, source="crm")

    assert f"{path}: 2 accepted, 0 duplicates, 1 rejected" in out
    assert f"{path}:3: occurred_at: Not an ISO 8601 time" in err
    meeting = Event.objects.get(external_id="m-1")
    assert (meeting.source, meeting.contact.email) == ("crm", "ann@acme.com")
    assert meeting.properties == {"topic": "ROI review"}
    out, _ = _load(path, source="crm")
    assert "0 accepted, 2 duplicates, 1 rejected" in out


def test_a_csv_direction_column_overrides_the_kinds_default(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "id,kind,direction,occurred_at,email\n"
        "c-1,call,,2026-03-01T10:00:00Z,ann@acme.com\n"
        "c-2,call,buyer,2026-03-01T11:00:00Z,ann@acme.com\n"
    )

    _load(path, source="crm")

    assert dict(Event.objects.values_list("external_id", "direction")) == {
        "c-1": "seller",
        "c-2": "buyer",
    }


def test_ndjson_files_load_in_batches(tmp_path, monkeypatch):
    monkeypatch.setattr(ingestion, "MAX_EVENTS", 3)
    path = tmp_path / "web.ndjson"
    lines = [
        json.dumps({"id": f"v-{n}", "kind": "page_view", "occurred_at": "2026-03-01T10:00:00Z",
                    "source": "web", "domain": "acme.com"})
        for n in range(7)
    ]  # fmt: skip
    path.write_text("\n".join([*lines, "{oops"]) + "\n")

    out, err = _load(path)

    assert "7 accepted, 0 duplicates, 1 rejected" in out
    assert ":8: event: Malformed JSON" in err
    assert Event.objects.count() == 7


def test_unknown_csv_columns_stop_the_load(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,kind,when\n1,meeting,2026-03-01\n")

    with pytest.raises(CommandError, match="Unknown CSV columns: when"):
        _load(path)
    assert not Event.objects.exists()
