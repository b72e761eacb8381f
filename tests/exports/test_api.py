"""Every API list answers `?format=csv`: its filters, every row (no pages), streamed."""

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.api.viewsets import CsvListModelMixin
from apps.core.csv_export import FORMULA_PREFIXES
from apps.users.models import Role, User
from config.api_urls import router
from tests.api.test_queries import MAKERS
from tests.downloads import csv_rows
from tests.factories import (
    AccountFactory,
    EnablementRequestFactory,
    OpportunityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LISTS = [(prefix, viewset) for prefix, viewset, _ in router.registry if hasattr(viewset, "list")]


@pytest.fixture
def admin_api(api_client, admin_member):
    return api_client(admin_member)


def test_every_registered_list_can_answer_csv():
    assert [prefix for prefix, viewset in LISTS if not issubclass(viewset, CsvListModelMixin)] == []


@pytest.mark.parametrize(("prefix", "viewset"), LISTS, ids=[prefix for prefix, _ in LISTS])
def test_every_list_streams_csv_with_the_serializers_fields(admin_api, prefix, viewset):
    response = admin_api.get(f"/api/v1/{prefix}/?format=csv")

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{prefix}.csv"'
    fields = viewset(action="list").get_serializer_class()().fields
    assert csv_rows(response)[0] == [name for name, f in fields.items() if not f.write_only]


def test_the_csv_keeps_the_lists_filters_and_has_no_pages(admin_api):
    AccountFactory.create_batch(60, tier=1)
    AccountFactory(tier=3)

    rows = csv_rows(admin_api.get("/api/v1/accounts/?tier=1&page_size=10&format=csv"))

    tiers = [row[rows[0].index("tier")] for row in rows[1:]]
    assert tiers == ["1"] * 60


def test_an_accept_header_asks_for_csv_too(admin_api):
    AccountFactory(name="Acme")

    response = admin_api.get("/api/v1/accounts/", HTTP_ACCEPT="text/csv")

    assert response.streaming
    assert csv_rows(response)[1][1] == "Acme"


def test_nested_and_listed_values_are_flattened(admin_api):
    asset = MAKERS["assets"]()

    rows = csv_rows(admin_api.get("/api/v1/assets/?format=csv"))

    personas = rows[1][rows[0].index("personas")]
    assert sorted(personas.split("|")) == sorted(str(p.pk) for p in asset.personas.all())


@pytest.mark.parametrize("prefix", ["accounts", "opportunities"])
def test_formula_cells_are_neutralised(admin_api, prefix):
    names = [f"{prefix}SUM(A1)" for prefix in FORMULA_PREFIXES]
    make = AccountFactory if prefix == "accounts" else OpportunityFactory
    for name in names:
        make(name=name)

    rows = csv_rows(admin_api.get(f"/api/v1/{prefix}/?format=csv"))

    written = [row[rows[0].index("name")] for row in rows[1:]]
    assert sorted(written) == sorted("'" + name for name in names)


@pytest.mark.parametrize("endpoint", MAKERS)
def test_a_csv_list_runs_the_same_queries_for_10_rows_as_for_50(api_client, endpoint):
    reader = UserFactory(role=Role.SALES)

    def count(rows: int) -> int:
        while made[0] < rows:
            MAKERS[endpoint]()
            made[0] += 1
        client = api_client(User.objects.get(pk=reader.pk))
        with CaptureQueriesContext(connection) as queries:
            written = csv_rows(client.get(f"/api/v1/{endpoint}/?format=csv"))
        assert len(written) == rows + 1
        return len(queries)

    made = [0]
    assert count(10) == count(50)


def test_a_sales_rep_exports_only_what_they_may_see(api_client, sales_rep):
    mine = EnablementRequestFactory(requested_by=sales_rep)
    EnablementRequestFactory()
    client = api_client(sales_rep)

    rows = csv_rows(client.get("/api/v1/enablement-requests/?format=csv"))

    assert [row[0] for row in rows[1:]] == [str(mine.pk)]
    assert client.get("/api/v1/signal-rules/?format=csv").status_code == 403


def test_an_anonymous_caller_gets_no_csv(api_client):
    AccountFactory(name="Acme")

    response = api_client().get("/api/v1/accounts/?format=csv")

    assert response.status_code == 401
    assert "Acme" not in response.content.decode()


@pytest.mark.parametrize(
    "path", ["/api/v1/accounts/?format=xml", "/api/v1/accounts/{pk}/?format=csv"]
)
def test_a_format_the_endpoint_does_not_offer_is_a_404(admin_api, path):
    account = AccountFactory()

    assert admin_api.get(path.format(pk=account.pk)).status_code == 404


def test_the_schema_offers_csv_for_every_list(admin_api):
    schema = yaml.safe_load(admin_api.get("/api/schema/").content)

    for prefix, _ in LISTS:
        operation = schema["paths"][f"/api/v1/{prefix}/"]["get"]
        assert operation["responses"]["200"]["content"]["text/csv"]["schema"]["type"] == "string"
        assert (
            "csv"
            in next(p for p in operation["parameters"] if p["name"] == "format")["schema"]["enum"]
        )
