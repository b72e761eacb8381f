import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.admin.helpers import FACTORY_BY_MODEL, admin_url, registered_models

# A single-row model (scoring settings) cannot have twenty rows: nothing to grow.
MODELS = [model for model in registered_models() if not hasattr(model, "SINGLETON_ID")]


def _changelist_queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_changelist_queries_do_not_grow_with_rows(staff_client, model):
    factory = FACTORY_BY_MODEL[model]
    url = admin_url(model, "changelist")
    factory()
    _changelist_queries(staff_client, url)  # warm per-process caches (content types, …)
    with_one = _changelist_queries(staff_client, url)

    factory.create_batch(19)
    with_twenty = _changelist_queries(staff_client, url)

    assert model._default_manager.count() >= 20
    assert len(with_twenty) == len(with_one), "\n".join(with_twenty)
