"""pytest: the real PostgreSQL and Redis, defaulting to the local servers."""

from config.env import database, env
from config.settings.base import *  # noqa: F403

SECRET_KEY = "waymark-tests"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": database("postgres://postgres@127.0.0.1:5432/waymark")}
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
# `make test` runs pytest in several processes (pytest-xdist names them gw0, gw1…): each keeps
# its keys on the broker apart, so one's real Celery workers never take another's tasks. The
# workers it starts inherit the name, hence the prefix. So do the email tracking hits waiting in
# Redis: one process's drain never takes, nor its tests clear, another's.
if xdist_worker := env("PYTEST_XDIST_WORKER", default=""):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "global_keyprefix": f"{xdist_worker}:",
    }
    NURTURE_TRACKING_KEY_PREFIX = f"{xdist_worker}:{NURTURE_TRACKING_KEY_PREFIX}"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A test whose real Celery worker (another process) reads the uploads keeps them in a folder
# both processes see (tests/browser/test_imports.py).
if env("TEST_UPLOADS_DIR", default=""):
    MEDIA_ROOT = env("TEST_UPLOADS_DIR")
    STORAGES["default"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# No throttling for the suite; the throttle tests set real rates themselves.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "bulk": None},
}
