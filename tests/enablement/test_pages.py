import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.content.models import EnablementRequest
from tests.factories import AssetFactory, EnablementRequestFactory

pytestmark = pytest.mark.django_db


def test_rep_request_page_warns_of_similar_then_submits(client, sales_rep, deal):
    EnablementRequestFactory(
        requested_by=sales_rep, opportunity=deal, need="ROI calculator for the CFO"
    )
    client.force_login(sales_rep)
    url = reverse("enablement:request_new")
    data = {"opportunity": deal.pk, "need": "ROI calculator for finance", "priority": "high"}
    first = client.post(url, data)
    assert b"similar-requests" in first.content
    assert EnablementRequest.objects.count() == 1
    assert client.post(url, {**data, "confirm": "1"}).status_code == 302
    assert EnablementRequest.objects.count() == 2


def test_similar_requests_show_only_once_the_form_is_valid(client, sales_rep, deal):
    """A past due date (refused by the service, not the form) is named first; the warning of
    similar requests waits for a sound request, and unrelated ones never show."""
    EnablementRequestFactory(requested_by=sales_rep, opportunity=deal, need="Security review pack")
    client.force_login(sales_rep)
    url = reverse("enablement:request_new")
    data = {"opportunity": deal.pk, "need": "Security review pack", "priority": "high"}
    refused = client.post(url, {**data, "due_date": "2001-01-01"})
    assert b"error-due_date" in refused.content
    assert b"similar-requests" not in refused.content
    assert b"similar-requests" in client.post(url, data).content
    other = client.post(url, {**data, "need": "Customer story in retail"})
    assert other.status_code == 302  # nothing alike: sent straight away
    assert EnablementRequest.objects.count() == 2


def test_request_page_shows_field_errors(client, sales_rep, deal):
    client.force_login(sales_rep)
    page = client.post(
        reverse("enablement:request_new"),
        {
            "opportunity": deal.pk,
            "need": "x",
            "priority": "high",
            "due_date": "2001-01-01",
            "persona": 99999,
        },
    )
    assert b"error-persona" in page.content
    assert not EnablementRequest.objects.exists()


def test_queue_is_marketing_only_and_constant_queries(client, marketer, sales_rep):
    client.force_login(sales_rep)
    assert client.get(reverse("enablement:queue")).status_code in (403, 404)
    client.force_login(marketer)
    EnablementRequestFactory(requested_by=sales_rep)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("enablement:queue"))
    EnablementRequestFactory.create_batch(4, requested_by=sales_rep)
    with CaptureQueriesContext(connection) as five:
        page = client.get(reverse("enablement:queue"))
    assert len(one) == len(five)
    assert page.content.count(b'data-testid="request-') == 5


def test_queue_action_delivers(client, marketer, sales_rep):
    request = EnablementRequestFactory(requested_by=sales_rep)
    asset = AssetFactory()
    client.force_login(marketer)
    client.post(
        reverse("enablement:queue_action", args=[request.pk, "deliver"]), {"asset": asset.pk}
    )
    request.refresh_from_db()
    assert request.status == "delivered" and request.delivered_asset == asset


def test_a_rep_s_requests_page_in_fifties_sorted_and_filtered(
    client, sales_rep, django_assert_max_num_queries
):
    """55 requests used to show on one page: now 50 a page, sortable, searchable."""
    client.force_login(sales_rep)
    url = reverse("enablement:my_requests")
    for n in range(5):
        EnablementRequestFactory(requested_by=sales_rep, need=f"Ask {n:02}")
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(5, 55):
        EnablementRequestFactory(requested_by=sales_rep, need=f"Ask {n:02}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        first = client.get(url + "?sort=need")
    assert "1–50 of 55" in first.text
    assert [r.need for r in first.context["page_obj"]][:2] == ["Ask 00", "Ask 01"]
    last = client.get(url + "?sort=-need&page=2")
    assert [r.need for r in last.context["page_obj"]] == [f"Ask {n:02}" for n in range(4, -1, -1)]
    found = client.get(url + "?q=Ask 5")
    assert {r.need for r in found.context["page_obj"]} == {f"Ask {n}" for n in range(50, 55)}
