"""The embedded set-up (`config.settings.local`) works in a fresh checkout without `make run`."""

import os
import subprocess
import sys

from django.conf import settings

IMPORT_LOCAL_SETTINGS = """
import pathlib, sys
import config.env
config.env.BASE_DIR = pathlib.Path(sys.argv[1])
import config.settings.local as local
print(local.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
"""


def test_the_filesystem_broker_makes_its_folders(tmp_path):
    """A command that queues a task (seed_demo, train_fit_model) needs the transport's folders;
    loading the settings makes them, so no command fails with FileNotFoundError."""
    environ = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)}
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_LOCAL_SETTINGS, str(tmp_path)],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == str(tmp_path / "var" / "celery" / "queue")
    for folder in ("queue", "processed", "control"):
        assert (tmp_path / "var" / "celery" / folder).is_dir()
