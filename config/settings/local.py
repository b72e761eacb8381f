"""A laptop: embedded defaults so that `make run` needs no server of its own."""

from config.env import BASE_DIR, env
from config.settings.base import *  # noqa: F403

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="waymark-local-development-only")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Web, worker and beat share one SQLite file: wait for a lock instead of failing at once, and
# take the write lock when a transaction starts so two writers never deadlock on an upgrade.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {}).update(  # noqa: F405
        {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    )

# Celery's filesystem transport: worker and beat talk through a folder, no broker server.
# The folders are made here, not by `make run` alone, so that any command that queues a task
# (`seed_demo`, `train_fit_model`…) works in a fresh checkout.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = BASE_DIR / "var" / "celery"
    for _folder in ("queue", "processed", "control"):
        (_queue / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
