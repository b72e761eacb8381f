"""`make run` serves on PORT; the links in emails its worker sends must point there too."""

import os
import re
import shutil
import subprocess

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not shutil.which("make"), reason="needs make")


def _honcho_line(**env: str) -> str:
    environ = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    dry_run = subprocess.run(
        ["make", "-n", "run"],
        cwd=settings.BASE_DIR,
        env=environ | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return next(line for line in dry_run.stdout.splitlines() if "honcho start" in line)


def test_site_url_follows_the_port_make_run_serves():
    assert re.search(r'SITE_URL="http://127\.0\.0\.1:8123" PORT=8123 ', _honcho_line(PORT="8123"))


def test_a_site_url_set_by_hand_wins():
    line = _honcho_line(PORT="8123", SITE_URL="https://waymark.example.com")
    assert 'SITE_URL="https://waymark.example.com"' in line
