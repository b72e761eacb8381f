import pytest
from django.db import transaction

from apps.demo import world
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


@pytest.fixture
def smaller_demo_world(monkeypatch):
    """The demo world's plan with a fifth of its accounts (12, with their committees, deals and a
    year of events), for guards on seeding as a whole (all or nothing, the same world each time)
    that need every step of it but not its size: the full world takes a while to seed."""
    monkeypatch.setattr(
        world, "TIERS", tuple(tier | {"accounts": tier["accounts"] // 5} for tier in world.TIERS)
    )
