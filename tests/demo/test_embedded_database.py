"""`make run` without a `DATABASE_URL` runs on SQLite: the starter kit, the demo world, scores
and stages included. The suite runs on PostgreSQL, so this drives the SQLite path in a process
of its own."""

import json

from tests.embedded import manage

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


def test_the_demo_world_seeds_and_scores_on_sqlite(migrated_sqlite_env):
    env = migrated_sqlite_env
    manage("install_starter_kit", env=env)
    manage("seed_demo", env=env)

    report = json.loads(manage("shell", "-c", REPORT, env=env).strip().splitlines()[-1])

    assert report["contacts"] > 0
    assert 0 < report["placed"] <= report["contacts"]
    assert report["changes_with_evidence"] > 0
