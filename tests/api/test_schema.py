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
