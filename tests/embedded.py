"""Driving `manage.py` in a process of its own on a SQLite file, as `make run` runs Waymark
(the suite itself runs on PostgreSQL)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def sqlite_file(folder: Path) -> Path:
    return folder / "waymark.sqlite3"


def sqlite_env(folder: Path) -> dict[str, str]:
    """`manage()`'s environment for `make run`'s settings on the SQLite file in `folder`."""
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{sqlite_file(folder)}",
        "CELERY_BROKER_URL": "memory://",
        "MEDIA_ROOT": str(folder / "media"),
    }


def manage(*args: str, env: dict) -> str:
    """Run `manage.py` with `args`; its output, or the test fails with its error."""
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
