"""`make bench`'s servers: the test settings plus the bare list that list speed is measured
against (`config/bench_urls.py`)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "config.bench_urls"
