import pytest

from apps.content.models import EnablementRequest
from tests.factories import AssetFactory, EnablementRequestFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/enablement-requests/"


def test_rep_creates_and_sees_only_own(api_client, sales_rep, other_sales_rep, deal):
    mine = api_client(sales_rep).post(
        URL, {"opportunity": deal.pk, "need": "ROI model", "priority": "high"}, format="json"
    )
    assert mine.status_code == 201, mine.json()
    assert mine.json()["requested_by"] == sales_rep.pk
    theirs = EnablementRequestFactory(requested_by=other_sales_rep)
    listed = api_client(sales_rep).get(URL).json()["results"]
    assert [row["id"] for row in listed] == [mine.json()["id"]]
    assert api_client(sales_rep).patch(f"{URL}{theirs.pk}/", {"need": "x"}).status_code == 404
    assert (
        api_client(sales_rep).patch(f"{URL}{mine.json()['id']}/", {"need": "ROI v2"}).status_code
        == 200
    )


def test_bad_input_names_fields(api_client, sales_rep, deal):
    response = api_client(sales_rep).post(
        URL,
        {"opportunity": 999999, "persona": 999999, "need": "x", "due_date": "2001-01-01"},
        format="json",
    )
    assert response.status_code == 400
    assert {"opportunity", "persona"} <= response.json()["errors"].keys()
    response = api_client(sales_rep).post(
        URL, {"opportunity": deal.pk, "need": "x", "due_date": "2001-01-01"}, format="json"
    )
    assert response.status_code == 400 and "due_date" in response.json()["errors"]
    assert not EnablementRequest.objects.exists()


def test_marketer_works_every_request_rep_cannot(api_client, sales_rep, marketer):
    request = EnablementRequestFactory(requested_by=sales_rep)
    assert api_client(sales_rep).post(f"{URL}{request.pk}/accept/").status_code == 403
    assert api_client(marketer).get(URL).json()["count"] == 1
    accepted = api_client(marketer).post(f"{URL}{request.pk}/accept/")
    assert accepted.json()["status"] == "accepted"
    asset = AssetFactory()
    delivered = api_client(marketer).post(f"{URL}{request.pk}/deliver/", {"asset": asset.pk})
    assert delivered.json()["delivered_asset"] == asset.pk


def test_decline_without_reason_is_400(api_client, sales_rep, admin_member):
    request = EnablementRequestFactory(requested_by=sales_rep)
    response = api_client(admin_member).post(f"{URL}{request.pk}/decline/", {"reason": ""})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api_client(admin_member).post(f"{URL}{request.pk}/decline/", {"reason": "dup"})
    assert response.json()["status"] == "declined"
