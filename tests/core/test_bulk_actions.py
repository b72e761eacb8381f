"""Bulk actions: archive assets, assign or decline enablement requests, enrol contacts and end
enrolments. Each goes through its app's service in one transaction; the refused rows are named
with why, on the page and in the API; destructive ones ask first."""

import pytest
from django.urls import reverse

from apps.accounts.models import Contact
from apps.content.models import Asset, EnablementRequest
from apps.content.services import (
    assets_archive,
    enablement_requests_assign,
    enablement_requests_decline,
)
from apps.core.exceptions import ApplicationError
from apps.nurture.models import Enrollment
from apps.nurture.services import contacts_enrol, enrollments_exit
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    EnablementRequestFactory,
    EnrollmentFactory,
    OpportunityFactory,
    SequenceFactory,
)

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# -- assets -------------------------------------------------------------------------------------


def test_archiving_assets_in_bulk_names_those_left_alone(marketer):
    live = [AssetFactory(title=f"Live {n}") for n in range(3)]
    gone = AssetFactory(title="Old")
    gone.archived_at = gone.created_at
    gone.save()

    result = assets_archive(asset_ids=[a.pk for a in live] + [gone.pk, 999999], by=marketer)

    assert {a.pk for a in result.done} == {a.pk for a in live}
    assert result.refused == {gone.pk: "Already archived.", 999999: "No such asset."}
    assert Asset.objects.active().filter(pk__in=[a.pk for a in live]).count() == 0


def test_the_library_asks_before_archiving_then_reports(client, marketer):
    assets = [AssetFactory(title=f"Brochure {n}") for n in range(2)]
    client.force_login(marketer)
    url = reverse("content:asset_bulk_archive")
    ids = [a.pk for a in assets]

    asked = client.post(url, {"ids": ids, "next": "sort=title"})
    assert asked.status_code == 200
    assert "Archive 2 assets?" in asked.text and "“Brochure 0”" in asked.text
    assert Asset.objects.active().count() == 2  # nothing yet

    done = client.post(url, {"ids": ids, "next": "sort=title", "confirm": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("content:asset_list") + "?sort=title"
    assert "Archived 2 assets." in _messages(done)
    again = client.post(url, {"ids": ids[:1], "confirm": "1"}, follow=True)
    assert "Not archived: “Brochure 0”. Already archived." in _messages(again)


def test_a_rep_cannot_archive_assets(client, sales_rep):
    asset = AssetFactory()
    client.force_login(sales_rep)
    page = client.get(reverse("content:asset_list"))
    assert 'data-testid="bulk-assets"' not in page.text
    response = client.post(
        reverse("content:asset_bulk_archive"), {"ids": [asset.pk], "confirm": "1"}
    )
    assert response.status_code == 403
    assert Asset.objects.active().filter(pk=asset.pk).exists()


def test_assets_archive_in_bulk_through_the_api(api_client, marketer, sales_rep):
    asset, other = AssetFactory(), AssetFactory()
    assets_archive(asset_ids=[other.pk], by=marketer)

    response = api_client(marketer).post(
        "/api/v1/assets/archive/", {"ids": [asset.pk, other.pk]}, format="json"
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["done"]] == [asset.pk]
    assert response.json()["refused"] == [{"id": other.pk, "detail": "Already archived."}]
    refused = api_client(sales_rep).post("/api/v1/assets/archive/", {"ids": [1]}, format="json")
    assert refused.status_code == 403


# -- enablement requests ------------------------------------------------------------------------


def test_assign_and_decline_requests_in_bulk(marketer, sales_rep):
    open_ones = [EnablementRequestFactory() for _ in range(3)]
    closed = EnablementRequestFactory(status=EnablementRequest.Status.DECLINED, decline_reason="No")
    ids = [r.pk for r in open_ones] + [closed.pk]

    assigned = enablement_requests_assign(request_ids=ids, assignee=marketer)
    assert {r.pk for r in assigned.done} == {r.pk for r in open_ones}
    assert assigned.refused == {closed.pk: "A closed request cannot be reassigned."}
    with pytest.raises(ApplicationError):
        enablement_requests_assign(request_ids=ids, assignee=sales_rep)  # not marketing
    with pytest.raises(ApplicationError):
        enablement_requests_decline(request_ids=ids, reason="  ")

    declined = enablement_requests_decline(request_ids=[*ids[:2], closed.pk], reason="Exists")
    assert len(declined.done) == 2 and list(declined.refused) == [closed.pk]
    statuses = set(EnablementRequest.objects.filter(pk__in=ids[:2]).values_list("status"))
    assert statuses == {(EnablementRequest.Status.DECLINED,)}


def test_the_queue_assigns_ticked_requests_and_names_the_refused(client, marketer):
    rows = [EnablementRequestFactory(need=f"Need {n}") for n in range(2)]
    closed = EnablementRequestFactory(
        status=EnablementRequest.Status.DECLINED, decline_reason="No", need="Old"
    )
    client.force_login(marketer)
    page = client.get(reverse("enablement:queue"))
    assert 'data-testid="bulk-requests"' in page.text
    assert f'value="{rows[0].pk}" form="bulk-requests"' in page.text

    response = client.post(
        reverse("enablement:queue_bulk"),
        {"ids": [r.pk for r in rows] + [closed.pk], "action": "assign", "assignee": marketer.pk},
        follow=True,
    )
    shown = _messages(response)
    assert "Assigned 2 requests." in shown
    assert any(m.startswith(f"Not assigned: #{closed.pk} Old.") for m in shown)
    missing_reason = client.post(
        reverse("enablement:queue_bulk"), {"ids": [rows[0].pk], "action": "decline"}, follow=True
    )
    assert "Say why they are declined." in _messages(missing_reason)[0]


def test_a_rep_cannot_work_the_queue_in_bulk(client, sales_rep, marketer):
    item = EnablementRequestFactory(requested_by=sales_rep)
    client.force_login(sales_rep)
    response = client.post(
        reverse("enablement:queue_bulk"),
        {"ids": [item.pk], "action": "assign", "assignee": marketer.pk},
    )
    assert response.status_code in (403, 404)
    item.refresh_from_db()
    assert item.assignee is None


def test_requests_in_bulk_through_the_api(api_client, marketer, sales_rep):
    item, closed = (
        EnablementRequestFactory(),
        EnablementRequestFactory(status=EnablementRequest.Status.DECLINED, decline_reason="No"),
    )
    response = api_client(marketer).post(
        "/api/v1/enablement-requests/assign/",
        {"ids": [item.pk, closed.pk], "assignee": marketer.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [row["id"] for row in response.json()["done"]] == [item.pk]
    assert response.json()["refused"][0]["id"] == closed.pk
    declined = api_client(marketer).post(
        "/api/v1/enablement-requests/decline/",
        {"ids": [item.pk], "reason": "We have one"},
        format="json",
    )
    assert declined.json()["done"][0]["status"] == "declined"
    by_rep = api_client(sales_rep).post(
        "/api/v1/enablement-requests/decline/", {"ids": [item.pk], "reason": "x"}, format="json"
    )
    assert by_rep.status_code == 403


# -- nurture ------------------------------------------------------------------------------------


def test_enrol_contacts_in_bulk_names_the_refused(marketer):
    sequence = SequenceFactory(is_active=True)
    account = AccountFactory()
    fine = [ContactFactory(account=account) for _ in range(2)]
    opted_out = ContactFactory(account=account, consent=Contact.Consent.OPTED_OUT)
    already = ContactFactory(account=account)
    EnrollmentFactory(sequence=sequence, contact=already)

    result = contacts_enrol(
        contact_ids=[c.pk for c in fine] + [opted_out.pk, already.pk],
        sequence=sequence,
        enrolled_by=marketer,
    )
    assert {e.contact_id for e in result.done} == {c.pk for c in fine}
    assert result.refused == {
        opted_out.pk: "This contact opted out of our emails.",
        already.pk: "Already enrolled in this sequence.",
    }


def test_a_rep_ends_only_enrolments_on_their_own_deals(sales_rep, other_sales_rep):
    mine = EnrollmentFactory(opportunity=OpportunityFactory(owner=sales_rep))
    theirs = EnrollmentFactory(opportunity=OpportunityFactory(owner=other_sales_rep))
    ended = EnrollmentFactory(status=Enrollment.Status.EXITED, opportunity=mine.opportunity)

    result = enrollments_exit(enrollment_ids=[mine.pk, theirs.pk, ended.pk], by=sales_rep)

    assert [e.pk for e in result.done] == [mine.pk]
    assert result.refused == {
        theirs.pk: "Not on a deal of yours.",
        ended.pk: "This enrolment has already ended.",
    }
    theirs.refresh_from_db()
    assert theirs.status == Enrollment.Status.ACTIVE


def test_the_enrolment_page_ends_ticked_enrolments_after_asking(client, marketer):
    sequence = SequenceFactory(is_active=True)
    rows = [EnrollmentFactory(sequence=sequence) for _ in range(3)]
    client.force_login(marketer)
    page = client.get(reverse("nurture:sequence_enrollments", args=[sequence.pk]) + "?sort=contact")
    assert page.status_code == 200 and "1–3 of 3" in page.text
    url = reverse("nurture:bulk_exit")
    back = reverse("nurture:sequence_enrollments", args=[sequence.pk])
    asked = client.post(url, {"ids": [r.pk for r in rows[:2]], "back": back})
    assert "Take 2 contacts out of the sequence?" in asked.text
    done = client.post(
        url, {"ids": [r.pk for r in rows[:2]], "back": back, "confirm": "1"}, follow=True
    )
    assert "Ended 2 enrolments." in _messages(done)
    assert Enrollment.objects.filter(status=Enrollment.Status.ACTIVE).count() == 1


def test_marketing_enrols_an_account_s_committee_from_its_page(client, marketer, sales_rep):
    sequence = SequenceFactory(is_active=True, name="Wake-up")
    account = AccountFactory()
    people = [ContactFactory(account=account) for _ in range(2)]
    client.force_login(marketer)
    page = client.get(reverse("web:account_detail", args=[account.pk]))
    assert 'data-testid="bulk-enrol"' in page.text
    response = client.post(
        reverse("nurture:bulk_enrol"),
        {"ids": [p.pk for p in people], "sequence": sequence.pk, "back": page.request["PATH_INFO"]},
        follow=True,
    )
    assert "Enrolled in wake-up 2 contacts." in _messages(response) or any(
        "2 contacts" in m for m in _messages(response)
    )
    assert Enrollment.objects.filter(sequence=sequence).count() == 2
    client.force_login(sales_rep)
    assert 'data-testid="bulk-enrol"' not in client.get(page.request["PATH_INFO"]).text
    refused = client.post(
        reverse("nurture:bulk_enrol"), {"ids": [people[0].pk], "sequence": sequence.pk}
    )
    assert refused.status_code == 403


def test_enrolments_in_bulk_through_the_api(api_client, marketer, sales_rep):
    sequence = SequenceFactory(is_active=True)
    contact = ContactFactory()
    enrolled = api_client(marketer).post(
        "/api/v1/enrollments/enrol/", {"ids": [contact.pk], "sequence": sequence.pk}, format="json"
    )
    assert enrolled.status_code == 200, enrolled.json()
    enrollment_id = enrolled.json()["done"][0]["id"]
    by_rep = api_client(sales_rep).post(
        "/api/v1/enrollments/enrol/", {"ids": [contact.pk], "sequence": sequence.pk}, format="json"
    )
    assert by_rep.status_code == 403
    ended = api_client(marketer).post(
        "/api/v1/enrollments/exit/", {"ids": [enrollment_id, 999999]}, format="json"
    )
    assert [row["id"] for row in ended.json()["done"]] == [enrollment_id]
    assert ended.json()["refused"] == [{"id": 999999, "detail": "No such enrolment."}]
