import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from apps.core import run_locks
from apps.demo import world
from apps.users.models import Role
from apps.users.roles import sync_role_groups
from config.celery_app import app as celery_app
from tests.embedded import manage, sqlite_env, sqlite_file
from tests.factories import UserFactory
from tests.waiting import wait_for_progress


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put the role groups back after a test whose database was flushed.

    A data migration makes the groups; the flush that ends a transactional test (a live server,
    a worker) empties every table, and post_migrate brings back only content types and
    permissions. Tests after it in the same process (pytest-xdist does not keep transactional
    tests last) would find no groups.
    """
    result = yield
    marker = item.get_closest_marker("django_db")
    flushed = "transactional_db" in getattr(item, "fixturenames", ()) or (
        marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,))
    )
    if flushed and nextitem is not None:  # after the last test, the test database is gone
        with item.config.stash[blocking_manager_key].unblock():
            sync_role_groups(django_apps)
    return result


@pytest.fixture
def marketer(db):
    return UserFactory(username="mia.marketer", role=Role.MARKETER)


@pytest.fixture
def sales_rep(db):
    return UserFactory(username="sam.sales", role=Role.SALES)


@pytest.fixture
def other_sales_rep(db):
    return UserFactory(username="olly.sales", role=Role.SALES)


@pytest.fixture
def sales_manager(db):
    """A sales manager: a rep's grants over every rep's deals and handoffs."""
    return UserFactory(username="max.manager", role=Role.MANAGER)


@pytest.fixture
def admin_member(db):
    """A user in the admin role (not a superuser): every permission comes from the role."""
    return UserFactory(username="ada.admin", role=Role.ADMIN)


@pytest.fixture
def staff_client(client, admin_member):
    """A browser signed in as an admin-role member: staff, but not a superuser."""
    client.force_login(admin_member)
    return client


@pytest.fixture
def api_client():
    """`api_client(user)` gives a DRF client signed in as that user (or anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def smaller_demo_world(monkeypatch):
    """The demo world's plan with a fifth of its accounts (12, with their committees, deals and a
    year of events), for tests of seeding as a whole (all or nothing, the same world each day, on
    an installed kit) that need every step of it but not its size: the full world takes a while."""
    monkeypatch.setattr(
        world, "TIERS", tuple(tier | {"accounts": tier["accounts"] // 5} for tier in world.TIERS)
    )


@pytest.fixture
def run_lock_elsewhere(db, settings):
    """`run_lock_elsewhere(kind, run_id)`: another database session (a live worker, say) takes
    a run's lock (apps/core/run_locks.py) and holds it until the test ends; `.close()` on what it
    returns ends that session, as a killed worker's ends. Redeliveries wait a moment for it."""
    settings.RUN_LOCK_WAIT_SECONDS = 0.2
    sessions: list[psycopg.Connection] = []

    def take(kind: str, run_id: int) -> psycopg.Connection:
        db = connection.settings_dict
        session = psycopg.connect(
            host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
        )
        session.execute("SELECT pg_advisory_lock(%s, %s)", [run_locks._key(kind), run_id])
        sessions.append(session)
        return session

    yield take
    for session in sessions:
        session.close()


@pytest.fixture
def shared_uploads(settings, monkeypatch, tmp_path):
    """Uploads go to a folder a worker process reads too (it gets the variable when it starts)."""
    monkeypatch.setenv("TEST_UPLOADS_DIR", str(tmp_path / "media"))
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def committed_db(transactional_db):
    """A database whose writes commit, so that a live server or a worker process sees them.

    The flush after each such test also drops the role groups a data migration made; put them
    back. (Serialized rollback cannot: once Playwright's event loop runs, Django hands the test
    thread a fresh connection that lacks the serialized data.)
    """
    sync_role_groups(django_apps)


@pytest.fixture
def celery_worker_process(committed_db, tmp_path):
    """`celery_worker_process(name)` starts a real Celery worker (a subprocess) on the configured
    broker and this test's database, and waits until it is ready; all are stopped after the test.
    `queues` limits it to those queues, as a cluster's workers are (all of them by default).

    The worker must see the test's rows, hence `committed_db`.
    """
    db = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    channel = celery_app.connection_for_write().default_channel
    for queue in settings.CELERY_TASK_QUEUES:
        channel.queue_purge(queue.name)
    workers: list[subprocess.Popen] = []

    def start(
        name: str = "w1", *, concurrency: int = 2, queues: tuple[str, ...] = ()
    ) -> subprocess.Popen:
        log = tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=info",
                f"--hostname={name}@%h",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-mingle",
                "--without-gossip",
                f"--logfile={log}",
                *([f"--queues={','.join(queues)}"] if queues else []),
            ],
            env=env,
        )
        workers.append(process)
        # A booting worker keeps writing its log: wait while it does.
        wait_for_progress(
            lambda: (log.read_text() if log.exists() else "", process.poll()),
            lambda state: " ready." in state[0] or state[1] is not None,
        )
        if process.poll() is None:
            return process
        raise RuntimeError(f"Celery worker {name} did not start:\n{log.read_text()}")

    yield start
    for process in workers:
        process.terminate()
    for process in workers:
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory) -> Path:
    """A SQLite database migrated once per pytest process, as `make run` migrates it: `migrate`
    on SQLite takes half a minute of CPU, so `migrated_sqlite_env` hands out copies."""
    folder = tmp_path_factory.mktemp("migrated-sqlite")
    manage("migrate", "--noinput", "-v0", env=sqlite_env(folder))
    return sqlite_file(folder)


@pytest.fixture
def migrated_sqlite_env(_migrated_sqlite, tmp_path) -> dict[str, str]:
    """`manage()`'s environment on a migrated SQLite database of this test's own (in `tmp_path`),
    for tests that drive `make run`'s SQLite path in processes of their own."""
    shutil.copyfile(_migrated_sqlite, sqlite_file(tmp_path))
    return sqlite_env(tmp_path)
