"""A run's lock (apps/core/run_locks.py): held while its block runs, by one session at a time,
and gone with the session that held it, as when its worker is killed."""

import psycopg
import pytest
from django.db import connection

from apps.core import run_locks
from apps.core.run_locks import redelivered_run_lock, run_lock

pytestmark = pytest.mark.django_db

KIND = "tests.run"


def free_for_another_session(run_id: int) -> bool:
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as session:
        return session.execute(
            "SELECT pg_try_advisory_lock(%s, %s)", [run_locks._key(KIND), run_id]
        ).fetchone()[0]


def test_the_lock_is_held_for_the_block_re_entrantly_and_let_go_after_it():
    with run_lock(KIND, 1) as ours:
        with run_lock(KIND, 1) as again:
            assert (ours, again) == (True, True)
        assert not free_for_another_session(1)  # still held after the inner block
    assert free_for_another_session(1)


def test_a_run_locked_by_another_session_is_not_ours_until_that_session_ends(run_lock_elsewhere):
    worker = run_lock_elsewhere(KIND, 7)

    with run_lock(KIND, 7) as ours, redelivered_run_lock(KIND, 7) as after_waiting:
        assert (ours, after_waiting) == (False, False)
    with run_lock(KIND, 8) as another_run, run_lock("tests.other", 7) as another_kind:
        assert (another_run, another_kind) == (True, True)

    worker.close()  # its worker killed: the server lets go of its locks

    with redelivered_run_lock(KIND, 7) as ours:
        assert ours
