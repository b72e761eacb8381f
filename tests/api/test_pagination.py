import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.api.views import AccountViewSet, ContactViewSet
from apps.accounts.models import Account, Contact
from apps.core import paginator
from apps.engagement.api.views import EventViewSet
from apps.engagement.models import Event
from apps.personas.models import Persona
from apps.pipeline.api.views import OpportunityViewSet
from apps.pipeline.models import Opportunity
from tests.api.conftest import url
from tests.factories import AccountFactory, PersonaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def personas():
    return Persona.objects.bulk_create(PersonaFactory.build_batch(205))


@pytest.mark.parametrize(
    ("query", "rows"),
    [("", 50), ("?page_size=10", 10), ("?page_size=200", 200), ("?page_size=500", 200)],
)
def test_page_size_defaults_to_50_and_stops_at_200(api_client, marketer, personas, query, rows):
    body = api_client(marketer).get(url("personas") + query).json()
    assert body["count"] == 205
    assert len(body["results"]) == rows


def test_the_last_page_holds_the_rest(api_client, marketer, personas):
    client = api_client(marketer)
    first = client.get(url("personas") + "?page_size=200").json()
    last = client.get(first["next"]).json()
    assert len(last["results"]) == 5
    assert last["next"] is None
    seen = {row["id"] for row in first["results"] + last["results"]}
    assert seen == {p.pk for p in personas}


def test_a_count_up_to_the_cap_is_exact(api_client, marketer, personas):
    body = api_client(marketer).get(url("personas")).json()
    assert (body["count"], body["count_is_estimate"]) == (205, False)


def test_past_the_cap_the_count_is_the_planners_estimate(
    api_client, marketer, personas, monkeypatch
):
    """A million-row list must not count a million rows on every page."""
    monkeypatch.setattr(paginator, "EXACT_COUNT_UP_TO", 100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE personas_persona")
    body = api_client(marketer).get(url("personas")).json()
    assert body["count_is_estimate"] is True
    # The planner's estimate, from fresh statistics: near the truth, never below the cap.
    assert 100 < body["count"] <= 400
    assert len(body["results"]) == 50


def test_where_the_planner_expects_many_rows_nothing_is_counted(
    api_client, marketer, personas, monkeypatch
):
    """Even a count capped at 10,001 rows took a million-row list's page as long as the rest:
    a large estimate is the answer without it."""
    monkeypatch.setattr(paginator, "EXACT_COUNT_UP_TO", 20)
    monkeypatch.setattr(paginator, "ESTIMATE_WITHOUT_COUNTING_PAST", 100)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE personas_persona")
    with CaptureQueriesContext(connection) as queries:
        body = api_client(marketer).get(url("personas")).json()
    assert body["count_is_estimate"] is True
    assert 100 < body["count"] <= 400
    assert not [q for q in queries if "COUNT(" in q["sql"]]


def test_equal_values_keep_one_order_so_pages_neither_overlap_nor_skip(api_client, marketer):
    AccountFactory.create_batch(30, name="Same name")
    client = api_client(marketer)
    for ordering, direction in (("name", 1), ("-name", -1)):
        seen = []
        page = client.get(url("accounts") + f"?ordering={ordering}&page_size=7").json()
        while True:
            seen += [row["id"] for row in page["results"]]
            if not page["next"]:
                break
            page = client.get(page["next"]).json()
        assert seen == sorted(seen, key=lambda pk: direction * pk)
        assert len(seen) == len(set(seen)) == 30


@pytest.mark.parametrize(
    ("viewset", "model"),
    [
        (AccountViewSet, Account),
        (ContactViewSet, Contact),
        (OpportunityViewSet, Opportunity),
        (EventViewSet, Event),
    ],
)
def test_every_offered_ordering_is_read_from_an_index(viewset, model):
    """A sort of a million rows per page is what made lists slow: each ordering a list of a
    large table offers has an index that starts with it (unique fields have theirs)."""
    indexed = {tuple(index.fields[:1]) for index in model._meta.indexes}
    unique = {(f.name,) for f in model._meta.fields if f.unique}
    for ordering in viewset.ordering_fields:
        assert (ordering,) in indexed | unique, ordering
