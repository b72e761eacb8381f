"""A management command's writes are tagged `command` (`manage.py` sets the path), and an
import's set-based trail rows are written on SQLite too (`make run`'s database): driven in a
process of its own, as `make run` runs Waymark."""

import json

from tests.embedded import manage

SETUP = """
from apps.accounts.models import Account
from apps.users.models import User
User.objects.create_user(username="ivy", email="ivy@waymark.test", password="x")
Account.objects.create(name="Acme", domain="acme.com", industry="Retail")
"""

TRAIL = """
import json
from apps.accounts.models import Account
print(json.dumps([
    [row.domain, row.history_type, row.path, row.history_user and row.history_user.username,
     row.industry]
    for row in Account.history.order_by("history_id")
]))
"""


def test_commands_and_imports_are_tagged_on_sqlite(migrated_sqlite_env, tmp_path):
    env = migrated_sqlite_env
    manage("shell", "-c", SETUP, env=env)
    csv = tmp_path / "accounts.csv"
    csv.write_text("name,domain,industry\nAcme,acme.com,Banking\nGlobex,globex.com,\n")
    manage("import_records", "accounts", str(csv), "--user", "ivy@waymark.test", env=env)

    trail = json.loads(manage("shell", "-v0", "-c", TRAIL, env=env))

    assert trail == [
        ["acme.com", "+", "command", None, "Retail"],
        ["acme.com", "~", "import", "ivy", "Banking"],
        ["globex.com", "+", "import", "ivy", ""],
    ]
