"""`make run` without a `DATABASE_URL` runs on SQLite: the starter kit, the demo world, scores
and stages included. The suite runs on PostgreSQL, so this drives the SQLite path in a process
of its own."""

import json
import os
import subprocess
import sys

from django.conf import settings

REPORT = """
import json
from apps.engagement.models import ContactScore, InferredStageChange
from apps.engagement.services import scores_recompute
result = scores_recompute()
print(json.dumps({
    "contacts": result.contacts,
    "placed": ContactScore.objects.filter(stage__isnull=False).count(),
    "changes_with_evidence": InferredStageChange.objects.exclude(evidence=[]).count(),
}))
"""


def _manage(*args: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_demo_world_seeds_and_scores_on_sqlite(tmp_path):
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'waymark.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
    }
    _manage("migrate", "--noinput", "-v0", env=env)  # as `make run` does
    _manage("install_starter_kit", env=env)
    _manage("seed_demo", env=env)

    report = json.loads(_manage("shell", "-c", REPORT, env=env).strip().splitlines()[-1])

    assert report["contacts"] > 0
    assert 0 < report["placed"] <= report["contacts"]
    assert report["changes_with_evidence"] > 0
