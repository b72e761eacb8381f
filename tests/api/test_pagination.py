import pytest

from apps.personas.models import Persona
from tests.api.conftest import url
from tests.factories import PersonaFactory

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
