"""Seeding is all or nothing, deterministic, and refuses a database it would clash with."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Account
from apps.core.exceptions import ApplicationError
from apps.demo import services
from apps.demo.selectors import demo_world_counts
from apps.engagement.models import Event
from apps.pipeline.models import StageChange
from apps.users.models import Role
from tests.factories import PipelineStageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _snapshot() -> dict:
    return {
        "accounts": list(Account.objects.order_by("domain").values_list("domain", "tier")),
        "history": list(
            StageChange.objects.order_by("opportunity__name", "entered_at").values_list(
                "opportunity__name", "stage__name", "entered_at"
            )
        ),
        "events": list(
            Event.objects.order_by("external_id").values_list(
                "external_id", "kind", "occurred_at", "contact__email"
            )
        ),
    }


def test_a_failure_late_in_seeding_leaves_nothing_behind(monkeypatch, smaller_demo_world):
    def fail(**kwargs):
        raise RuntimeError("seeding interrupted")

    monkeypatch.setattr(services, "_seed_campaigns", fail)
    with pytest.raises(RuntimeError):
        services.demo_world_seed()
    assert set(demo_world_counts().values()) == {0}


def test_the_same_day_gives_the_same_world(smaller_demo_world):
    today = timezone.now().date()
    snapshots = []
    for _ in range(2):
        with transaction.atomic():
            services.demo_world_seed(today=today)
            snapshots.append(_snapshot())
            transaction.set_rollback(True)
    assert snapshots[0]["events"]
    assert snapshots[0] == snapshots[1]


@pytest.mark.parametrize(
    "clash",
    [
        lambda: UserFactory(username="sales", role=Role.SALES),
        lambda: PipelineStageFactory(name="Qualification", position=1),
    ],
    ids=["demo username taken", "a pipeline of its own"],
)
def test_a_clashing_database_is_refused_before_anything_is_written(clash):
    clash()
    before = demo_world_counts()
    with pytest.raises(ApplicationError, match="fresh database"):
        services.demo_world_seed()
    with pytest.raises(CommandError, match="fresh database"):
        call_command("seed_demo")
    assert demo_world_counts() == before
