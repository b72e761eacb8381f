import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db


def test_the_schema_is_served(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/opportunities/{id}/move-stage/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_the_schema_builds_valid_and_without_warnings(tmp_path):
    # --fail-on-warn raises when drf-spectacular had to guess anything; start from no warnings.
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    assert {p for p in paths if p.startswith("/api/v1/")} >= {
        "/api/v1/accounts/",
        "/api/v1/contacts/",
        "/api/v1/opportunities/",
        "/api/v1/opportunities/{id}/history/",
        "/api/v1/pipeline-stages/",
        "/api/v1/personas/",
        "/api/v1/assets/",
    }


@pytest.fixture
def schema(client) -> dict:
    return yaml.safe_load(client.get("/api/schema/").content)


def documented(schema: dict, path: str, method: str) -> set[str]:
    return set(schema["paths"][path][method]["responses"])


def test_error_answers_are_documented_where_they_can_happen(schema):
    assert documented(schema, "/api/v1/accounts/", "post") >= {"400", "401", "403", "409", "429"}
    assert documented(schema, "/api/v1/accounts/", "get") >= {"400", "401", "403", "404", "429"}
    assert documented(schema, "/api/v1/accounts/{id}/", "get") >= {"401", "403", "404"}
    assert "400" not in documented(schema, "/api/v1/accounts/{id}/", "get")
    assert documented(schema, "/api/v1/accounts/{id}/", "delete") >= {"400", "404", "409"}
    assert "409" not in documented(schema, "/api/v1/accounts/{id}/", "get")
    # The token endpoint is for the signed-out: it can refuse input, not a missing sign-in.
    assert documented(schema, "/api/v1/auth/token/", "post") & {"401", "403"} == set()
    error = schema["paths"]["/api/v1/accounts/"]["post"]["responses"]["400"]
    ref = error["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]["required"] == [
        "detail",
        "errors",
    ]
    throttled = schema["paths"]["/api/v1/accounts/"]["get"]["responses"]["429"]
    assert "Retry-After" in throttled["headers"]


def test_every_error_answers_in_the_documented_shape(api_client, sales_rep, world):
    not_found = api_client(sales_rep).get("/api/v1/accounts/999999/")
    assert not_found.status_code == 404
    assert not_found.json() == {"detail": "Not found.", "errors": {}}
    assert api_client().get("/api/v1/accounts/").json()["errors"] == {}
    invalid = api_client(sales_rep).post("/api/v1/personas/", {}, format="json")
    assert invalid.status_code in (400, 403) and set(invalid.json()) == {"detail", "errors"}


@pytest.mark.parametrize(
    ("component", "field"), [("Opportunity", "stall_reason"), ("Enrollment", "exit_reason")]
)
def test_blank_choices_are_documented_as_allowing_blank(schema, component, field):
    components = schema["components"]["schemas"]
    refs = [one["$ref"] for one in components[component]["properties"][field]["oneOf"]]
    enums = [components[ref.rsplit("/", 1)[-1]]["enum"] for ref in refs]
    assert [""] in enums


def test_a_created_enablement_request_answers_with_every_field_a_read_has(
    api_client, sales_rep, world
):
    response = api_client(sales_rep).post(
        "/api/v1/enablement-requests/",
        {"need": "ROI calculator", "opportunity": world.opportunity.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    read = api_client(sales_rep).get(f"/api/v1/enablement-requests/{response.json()['id']}/")
    assert response.json() == read.json() and response.json()["overdue"] is False


def test_every_list_that_offers_search_searches(schema, api_client, admin_member, every_record):
    searchable = [
        path
        for path, operations in schema["paths"].items()
        if any(p["name"] == "search" for p in operations.get("get", {}).get("parameters", []))
    ]
    assert "/api/v1/accounts/" in searchable and "/api/v1/events/" not in searchable
    client = api_client(admin_member)
    for path in searchable:
        assert client.get(path).json()["count"] > 0, path
        assert client.get(path, {"search": "no-such-words"}).json()["count"] == 0, path
