"""Every list runs the same number of queries for one row as for a full page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.users.models import Role, User
from tests.api.conftest import url
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _asset():
    asset = AssetFactory(owner=UserFactory())
    asset.personas.add(*PersonaFactory.create_batch(2))
    return asset


# Each row brings its own related records, so a missing join shows as one query per row.
MAKERS = {
    "accounts": lambda: AccountFactory(owner=UserFactory()),
    "contacts": lambda: ContactFactory(persona=PersonaFactory()),
    "opportunities": OpportunityFactory,
    "pipeline-stages": PipelineStageFactory,
    "personas": PersonaFactory,
    "assets": _asset,
}


@pytest.mark.parametrize("endpoint", MAKERS)
def test_a_list_runs_a_constant_number_of_queries(api_client, endpoint):
    reader = UserFactory(role=Role.SALES)
    make = MAKERS[endpoint]

    def count_list_queries(rows: int) -> int:
        # A fresh user each time: permission and role caches live on the user object.
        client = api_client(User.objects.get(pk=reader.pk))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url(endpoint))
        assert response.status_code == 200
        assert response.json()["count"] == rows
        return len(queries)

    make()
    one = count_list_queries(1)
    for _ in range(49):
        make()
    assert count_list_queries(50) == one
