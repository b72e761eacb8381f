import pytest
from django.db import transaction

from apps.demo.services import demo_world_seed


@pytest.fixture(scope="module")
def demo_world(django_db_setup, django_db_blocker):
    """The demo world, seeded once per module in a transaction rolled back after the module.

    Each test still runs in its own savepoint (the `db` fixture), so tests cannot leak into
    one another, and nothing is left for other modules.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_world_seed()
        transaction.set_rollback(True)
