"""`make run` uses SQLite: the import's staging, matching, writing and undo run there too (the
suite runs on PostgreSQL, so this drives the SQLite path in a process of its own)."""

import json

from tests.embedded import manage

SETUP = """
from apps.users.models import User
from apps.pipeline.models import PipelineStage
User.objects.create_user(username="ivy", email="ivy@waymark.test", password="x")
PipelineStage.objects.create(name="Discovery", position=1, probability=10)
PipelineStage.objects.create(name="Won", position=2, probability=100, outcome="won")
"""

UNDO = """
import json
from apps.accounts.models import Account, Contact
from apps.imports.models import ImportRun
from apps.imports.services import import_undo
from apps.pipeline.models import Opportunity, StageChange
deal = Opportunity.objects.get()
before = {
    "accounts": Account.objects.count(),
    "contacts": Contact.objects.count(),
    "titles": sorted(Contact.objects.values_list("title", flat=True)),
    "deal": [deal.stage.name, str(deal.closed_at), str(deal.stage_entered_at)],
    "stays": StageChange.objects.count(),
}
runs = list(ImportRun.objects.order_by("pk"))
for run in (runs[4], runs[2]):
    import_undo(run=run, user=None)
deal.refresh_from_db()
print(json.dumps({
    "before": before,
    "after": {
        "contacts": sorted(Contact.objects.values_list("title", flat=True)),
        "deal": [deal.stage.name, str(deal.closed_at)],
        "stays": StageChange.objects.count(),
    },
}))
"""


def test_import_and_undo_on_sqlite(migrated_sqlite_env, tmp_path):
    env = migrated_sqlite_env
    manage("shell", "-c", SETUP, env=env)
    files = {
        "accounts.csv": "name,domain,tier,is_target\nAcme,acme.com,Tier 1,yes\n",
        "contacts.csv": "email,first_name,last_name,title\na@acme.com,A,A,CFO\nb@acme.com,B,B,\n",
        "contacts2.csv": "email,title\na@acme.com,COO\nc@acme.com,\n",
        "deals.csv": "external_id,name,account_domain,stage,stage_entered_at\n"
        "1,Deal,acme.com,Discovery,2025-01-01\n",
        "deals2.csv": "external_id,stage\n1,Won\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = [
        manage(
            "import_records",
            kind,
            str(tmp_path / name),
            "--user",
            "ivy@waymark.test",
            "--source",
            "crm",
            env=env,
        ).splitlines()[0]
        for kind, name in [
            ("accounts", "accounts.csv"),
            ("contacts", "contacts.csv"),
            ("contacts", "contacts2.csv"),
            ("opportunities", "deals.csv"),
            ("opportunities", "deals2.csv"),
        ]
    ]
    assert [line.split(": ", 1)[1] for line in out] == [
        "1 rows, created 1, updated 0, unchanged 0, rows with errors 0",
        "2 rows, created 2, updated 0, unchanged 0, rows with errors 0",
        # c@acme.com has no name: a new contact needs one.
        "2 rows, created 0, updated 1, unchanged 0, rows with errors 1",
        "1 rows, created 1, updated 0, unchanged 0, rows with errors 0",
        "1 rows, created 0, updated 1, unchanged 0, rows with errors 0",
    ]

    report = json.loads(manage("shell", "-c", UNDO, env=env).strip().splitlines()[-1])

    assert report["before"]["titles"] == ["", "COO"]
    assert report["before"]["deal"][0] == "Won"
    assert report["before"]["stays"] == 2
    # The stage move and the second contacts file undone.
    assert report["after"] == {"contacts": ["", "CFO"], "deal": ["Discovery", "None"], "stays": 1}
