import json

import pytest

from apps.accounts.models import Account, Contact
from apps.imports import services
from apps.imports.models import ImportRun
from apps.pipeline.models import Opportunity
from apps.users.models import Role
from tests.factories import AccountFactory, PipelineStageFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(client, endpoint: str, body, *, ndjson: bool = False, query: str = ""):
    if ndjson:
        data = "\n".join(json.dumps(item) for item in body) + "\n"
        content_type = "application/x-ndjson"
    else:
        data, content_type = json.dumps(body), "application/json"
    return client.post(f"/api/v1/{endpoint}/bulk/{query}", data=data, content_type=content_type)


def test_accounts_upsert_from_a_json_array_with_per_item_errors(api_client, importer):
    AccountFactory(domain="acme.com", industry="Retail")

    response = _post(
        api_client(importer),
        "accounts",
        [
            {"domain": "https://www.Acme.com", "industry": "Energy"},
            {"name": "Globex", "domain": "globex.io", "tier": 1, "is_target": True},
            {"name": "Bad", "domain": "not a domain", "fit_score": 101},
            {"name": "Typo", "domian": "typo.io"},
            "not an object",
        ],
    )

    assert response.status_code == 200
    body = response.json()
    run = ImportRun.objects.get()
    assert body == {
        "run": run.pk,
        "created": 1,
        "updated": 1,
        "unchanged": 0,
        "rejected": 3,
        "errors": [
            {
                "item": 3,
                "errors": {
                    "domain": ["Not a web domain such as acme.com."],
                    "fit_score": ["Must be between 0 and 100."],
                },
            },
            {"item": 4, "errors": {"domian": [body["errors"][1]["errors"]["domian"][0]]}},
            {"item": 5, "errors": {"record": ["Each record is a JSON object."]}},
        ],
    }
    assert body["errors"][1]["errors"]["domian"][0].startswith("Unknown field: use ")
    globex = Account.objects.get(domain="globex.io")
    assert (globex.tier, globex.is_target) == (1, True)
    assert Account.objects.get(domain="acme.com").industry == "Energy"
    assert (run.status, run.file_name, run.created_by, run.errors) == (
        "committed",
        "API request",
        importer,
        3,
    )


def test_contacts_from_ndjson_by_external_id_and_undoable(api_client, importer):
    AccountFactory(domain="acme.com")
    items = [
        {"external_id": "c-1", "email": "ana@acme.com", "first_name": "Ana", "last_name": "L"},
        {"external_id": "c-2", "email": "bo@acme.com", "first_name": "Bo", "last_name": "B"},
    ]
    client = api_client(importer)

    first = _post(client, "contacts", items, ndjson=True, query="?source=hubspot").json()
    items[0]["email"] = "ana.lima@acme.com"
    second = _post(client, "contacts", items, ndjson=True, query="?source=hubspot").json()

    assert (first["created"], second["updated"], second["unchanged"]) == (2, 1, 1)
    ana = Contact.objects.get(external_source="hubspot", external_id="c-1")
    assert ana.email == "ana.lima@acme.com"
    services.import_undo(run=ImportRun.objects.get(pk=second["run"]), user=importer)
    ana.refresh_from_db()
    assert ana.email == "ana@acme.com"


def test_a_malformed_ndjson_line_is_an_error_of_its_own(api_client, importer):
    AccountFactory(domain="acme.com")
    body = '{"email": "a@acme.com", "first_name": "A", "last_name": "A"}\n{not json\n'

    response = api_client(importer).post(
        "/api/v1/contacts/bulk/", data=body, content_type="application/x-ndjson"
    )

    assert response.status_code == 200
    report = response.json()
    assert (report["created"], report["rejected"]) == (1, 1)
    assert report["errors"][0]["item"] == 2
    assert report["errors"][0]["errors"]["record"][0].startswith("Malformed JSON")


def test_opportunities_by_the_api_start_their_history(api_client, importer):
    AccountFactory(domain="acme.com")
    PipelineStageFactory(name="Discovery")

    response = _post(
        api_client(importer),
        "opportunities",
        [{"name": "Deal", "account_domain": "acme.com", "stage": "Discovery", "amount": 500}],
    )

    assert response.json()["created"] == 1
    deal = Opportunity.objects.get()
    assert (deal.owner, deal.stage_changes.count()) == (importer, 1)


def test_more_than_10000_records_are_refused_and_nothing_is_written(api_client, importer):
    items = [{"name": f"A{n}", "domain": f"a{n}.example"} for n in range(10_001)]

    response = _post(api_client(importer), "accounts", items, ndjson=True)

    assert response.status_code == 413
    assert response.json()["detail"] == "A request carries at most 10,000 records."
    assert not Account.objects.exists()
    assert not ImportRun.objects.exists()


def test_an_empty_body_is_a_400(api_client, importer):
    response = _post(api_client(importer), "accounts", [])

    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["Send at least one record."]}


def test_a_source_no_database_can_store_is_a_400_naming_it(api_client, importer):
    response = _post(
        api_client(importer), "accounts", [{"name": "Globex"}], query="?source=hub%00spot"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"source": ["Null characters are not allowed."]}
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.MARKETER, 200), (Role.ADMIN, 200), (Role.SALES, 403), (None, 401)],
)
def test_marketers_and_admins_may_import(api_client, role, status):
    user = UserFactory(role=role) if role else None

    response = _post(api_client(user), "accounts", [{"name": "A", "domain": "a.example"}])

    assert response.status_code == status
    assert Account.objects.exists() == (status == 200)


def test_a_refused_value_no_database_can_store_is_kept_without_what_it_cannot(api_client, importer):
    long_name = "x" * 300
    response = _post(
        api_client(importer),
        "accounts",
        [
            {"name": "Nul\u0000name", "domain": "nul.io"},
            {"name": "Half \ud800", "domain": "h.io"},
            {"name": "Odd", "domain": "odd.io", "bad\u0000field": 1},
            {"name": "Long", "domain": "long.io", long_name: 2},
        ],
    )
    assert response.status_code == 200
    assert response.json()["rejected"] == 4
    stored = set(ImportRun.objects.get().row_errors.values_list("column", "value"))
    assert {("name", "Nul\ufffdname"), ("name", "Half \ufffd")} <= stored
    assert {("bad\ufffdfield", ""), (long_name[:255], "")} <= stored
