"""Who may do what, on every endpoint: one table, one test per cell.

Anonymous requests get 401 with a `WWW-Authenticate: Token` challenge (token authentication
comes first in settings).
A sales rep writing another rep's opportunity gets 403, not 404: reps may read every deal, so
hiding it would only confuse them.
"""

import pytest

from apps.pipeline.models import Opportunity
from tests.api.conftest import MODELS, url

pytestmark = pytest.mark.django_db

ROLES = ("marketer", "sales", "admin", "anonymous")

READ = (200, 200, 200, 401)
ADMIN_ONLY = {
    "create": (403, 403, 201, 401),
    "update": (403, 403, 200, 401),
    "partial_update": (403, 403, 200, 401),
    "delete": (403, 403, 204, 401),
}
MARKETING_MANAGED = {
    "create": (201, 403, 201, 401),
    "update": (200, 403, 200, 401),
    "partial_update": (200, 403, 200, 401),
    "delete": (204, 403, 204, 401),
}


def _crud(endpoint: str, writes: dict) -> list[tuple]:
    rows = [(endpoint, "list", *READ), (endpoint, "retrieve", *READ)]
    return rows + [(endpoint, action, *statuses) for action, statuses in writes.items()]


# endpoint, action, then the status for each of ROLES.
MATRIX = [
    *_crud("accounts", ADMIN_ONLY),
    *_crud("contacts", ADMIN_ONLY),
    *_crud("personas", MARKETING_MANAGED),
    *_crud("assets", MARKETING_MANAGED),
    *_crud(
        "opportunities",
        {
            "create": (403, 201, 201, 401),
            "update": (403, 200, 200, 401),
            "partial_update": (403, 200, 200, 401),
            "update_others": (403, 403, 200, 401),
            "partial_update_others": (403, 403, 200, 401),
            "move_stage": (403, 200, 200, 401),
            "move_stage_others": (403, 403, 200, 401),
            "history": READ,
            "delete": (403, 403, 204, 401),
        },
    ),
    # Stages are reference data: readable by all, written only in Django admin.
    *_crud("pipeline-stages", {"create": (403, 403, 405, 401)}),
]

CELLS = [
    pytest.param(endpoint, action, role, status, id=f"{endpoint}-{action}-{role}")
    for endpoint, action, *statuses in MATRIX
    for role, status in zip(ROLES, statuses, strict=True)
]


def _request(client, world, endpoint: str, action: str):
    record = world.record(endpoint)
    if action.endswith("_others"):
        action, record = action.removesuffix("_others"), world.others_opportunity
    body = world.valid_input(endpoint)
    match action:
        case "list":
            return client.get(url(endpoint))
        case "retrieve":
            return client.get(url(endpoint, record.pk))
        case "history":
            return client.get(url(endpoint, record.pk, "history"))
        case "create":
            return client.post(url(endpoint), body)
        case "update":
            return client.put(url(endpoint, record.pk), body)
        case "partial_update":
            # Each resource has a `name` or a `title`; the other key is ignored.
            return client.patch(url(endpoint, record.pk), {"name": "Renamed", "title": "Renamed"})
        case "delete":
            return client.delete(url(endpoint, record.pk))
        case "move_stage":
            return client.post(url(endpoint, record.pk, "move-stage"), {"stage": world.won.pk})
    raise AssertionError(f"no request for {action}")


def _rows(endpoint: str) -> list[dict]:
    return list(MODELS[endpoint].objects.order_by("pk").values())


@pytest.mark.parametrize(("endpoint", "action", "role", "status"), CELLS)
def test_role_matrix(api_client, users, world, endpoint, action, role, status):
    before = _rows(endpoint)
    response = _request(api_client(users[role]), world, endpoint, action)
    assert response.status_code == status, response.content
    if status >= 400:
        assert _rows(endpoint) == before, "a refused request changed nothing"


def test_a_sales_rep_owns_the_opportunity_they_create_whoever_they_name(
    api_client, world, sales_rep, other_sales_rep
):
    body = world.valid_input("opportunities") | {"owner": other_sales_rep.pk}
    response = api_client(sales_rep).post(url("opportunities"), body)
    assert response.status_code == 201
    assert response.json()["owner"] == sales_rep.pk
    assert Opportunity.objects.get(pk=response.json()["id"]).owner == sales_rep


def test_a_sales_rep_cannot_hand_their_opportunity_to_another_rep(
    api_client, world, sales_rep, other_sales_rep
):
    response = api_client(sales_rep).patch(
        url("opportunities", world.opportunity.pk), {"owner": other_sales_rep.pk}
    )
    assert response.status_code == 200
    world.opportunity.refresh_from_db()
    assert world.opportunity.owner == sales_rep


def test_an_admin_may_assign_an_opportunity_and_owns_it_when_naming_nobody(
    api_client, world, admin_member, sales_rep
):
    client = api_client(admin_member)
    body = world.valid_input("opportunities")
    assigned = client.post(url("opportunities"), body | {"owner": sales_rep.pk})
    unassigned = client.post(url("opportunities"), body)
    assert (assigned.json()["owner"], unassigned.json()["owner"]) == (
        sales_rep.pk,
        admin_member.pk,
    )
