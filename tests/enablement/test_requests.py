import datetime

import pytest
from django.core import mail
from django.utils import timezone

from apps.content import services
from apps.content.models import Asset, EnablementRequest
from apps.content.selectors import enablement_request_queue, similar_open_requests
from apps.core.exceptions import ApplicationError
from apps.notifications.models import Notification
from apps.pipeline.models import PipelineStage
from tests.factories import (
    AssetFactory,
    EnablementRequestFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db
Status = EnablementRequest.Status


def ask(rep, deal, **extra):
    data = {"opportunity": deal, "need": "ERP integration risk", "priority": "high", **extra}
    return services.enablement_request_create(requested_by=rep, data=data)


def test_request_takes_the_deals_journey_stage(sales_rep, deal, evaluation):
    request = ask(sales_rep, deal)
    assert request.status == Status.NEW
    assert request.journey_stage == evaluation
    assert request.requested_by == sales_rep


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"due_date": datetime.date(2000, 1, 1)}, "due_date"),
        ({"opportunity": "closed"}, "opportunity"),
    ],
)
def test_bad_request_names_the_field_and_saves_nothing(sales_rep, deal, extra, field):
    if extra.get("opportunity") == "closed":
        lost = PipelineStageFactory(outcome=PipelineStage.Outcome.LOST)
        extra = {"opportunity": OpportunityFactory(stage=lost)}
    with pytest.raises(ApplicationError) as error:
        ask(sales_rep, deal, **extra)
    assert field in error.value.fields
    assert not EnablementRequest.objects.exists()


def test_lifecycle_to_delivered_notifies_once(
    sales_rep, marketer, deal, django_capture_on_commit_callbacks
):
    request = ask(sales_rep, deal)
    request = services.enablement_request_accept(request=request, assignee=marketer)
    assert (request.status, request.assignee) == (Status.ACCEPTED, marketer)
    request = services.enablement_request_start(request=request)
    asset = AssetFactory()
    with django_capture_on_commit_callbacks(execute=True):
        request = services.enablement_request_deliver(request=request, asset=asset)
    assert request.status == Status.DELIVERED and request.delivered_asset == asset
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [sales_rep.email]
    assert asset.title in mail.outbox[0].body
    # A second attempt cannot move it again, nor email again.
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        services.enablement_request_decline(request=request, reason="late")
    assert len(mail.outbox) == 1
    # And the rep finds it in their inbox, once.
    (notice,) = Notification.objects.all()
    assert (notice.recipient, notice.kind, notice.subject) == (
        sales_rep,
        Notification.Kind.REQUEST_DELIVERED,
        request,
    )
    assert notice.text == f"Your content request “ERP integration risk” was delivered: {asset}."
    assert notice.link == "/enablement/requests/mine/"


def test_a_declined_request_tells_the_rep_why_in_their_inbox(sales_rep, deal):
    request = services.enablement_request_decline(
        request=ask(sales_rep, deal), reason="We have one: the ERP brief."
    )
    (notice,) = Notification.objects.filter(recipient=sales_rep)
    assert (notice.kind, notice.subject) == (Notification.Kind.REQUEST_DECLINED, request)
    assert notice.text.endswith("was declined: We have one: the ERP brief.")


def test_deliver_a_new_asset_at_the_requests_stage(sales_rep, deal, evaluation):
    request = ask(sales_rep, deal, asset_type="case_study")
    request = services.enablement_request_deliver(
        request=request,
        asset_data={
            "title": "Acme ERP case study",
            "url": "https://content.example/acme",
            "asset_type": "case_study",
            "journey_stage": request.journey_stage,
            "status": Asset.Status.PUBLISHED,
        },
    )
    assert request.delivered_asset.journey_stage == evaluation


def test_decline_needs_a_reason_and_emails_it(sales_rep, deal, django_capture_on_commit_callbacks):
    request = ask(sales_rep, deal)
    with pytest.raises(ApplicationError) as error:
        services.enablement_request_decline(request=request, reason="  ")
    assert "decline_reason" in error.value.fields
    with django_capture_on_commit_callbacks(execute=True):
        services.enablement_request_decline(request=request, reason="We have one: see library")
    request.refresh_from_db()
    assert request.status == Status.DECLINED and request.notified_at is not None
    assert "see library" in mail.outbox[0].body


def test_deliver_needs_exactly_one_asset(sales_rep, deal):
    request = ask(sales_rep, deal)
    with pytest.raises(ApplicationError) as error:
        services.enablement_request_deliver(request=request)
    assert "asset" in error.value.fields
    assert EnablementRequest.objects.get().status == Status.NEW


def test_only_marketing_can_be_assigned(sales_rep, other_sales_rep, marketer, deal):
    request = ask(sales_rep, deal)
    with pytest.raises(ApplicationError):
        services.enablement_request_assign(request=request, assignee=other_sales_rep)
    assert services.enablement_request_assign(request=request, assignee=marketer).assignee == (
        marketer
    )


def test_queue_puts_overdue_first_and_filters(sales_rep, deal):
    today = timezone.localdate()
    late = EnablementRequestFactory(
        requested_by=sales_rep, due_date=today - datetime.timedelta(days=2), priority="low"
    )
    urgent = EnablementRequestFactory(requested_by=sales_rep, priority="critical")
    EnablementRequestFactory(requested_by=sales_rep, status=Status.DELIVERED)
    rows = list(enablement_request_queue(filters={"status": "open"}))
    assert rows == [late, urgent]
    assert rows[0].overdue and rows[0].is_overdue and not rows[1].overdue
    assert list(enablement_request_queue(filters={"overdue": True})) == [late]


def test_similar_open_requests_are_those_that_read_alike(sales_rep, deal):
    """By text similarity only: a request on the same deal for something else is not similar
    (it used to be), nor one that merely shares "for the CFO", nor a closed one."""
    persona = PersonaFactory()
    ask(sales_rep, deal, need="Pricing objection from procurement")
    alike = EnablementRequestFactory(requested_by=sales_rep, need="ERP integration guide")
    EnablementRequestFactory(requested_by=sales_rep, need="Unrelated webinar")
    EnablementRequestFactory(requested_by=sales_rep, need="TCO comparison for the CFO")
    EnablementRequestFactory(
        requested_by=sales_rep,
        need="ERP integration help",
        status=Status.DECLINED,
        decline_reason="x",
    )
    found = similar_open_requests(need="ERP integration help", opportunity=deal, persona=persona)
    assert found == [alike]
    assert similar_open_requests(need="Case study for the CFO", opportunity=deal) == []


def test_without_postgres_similar_requests_fall_back_to_difflib(sales_rep, deal):
    """`make run` on SQLite: difflib's ratio over the open requests near the deal."""
    from apps.content.selectors import similar_by_ratio

    rows = [
        EnablementRequestFactory(requested_by=sales_rep, need=need)
        for need in ("ERP integration guide", "Pricing objection", "TCO comparison for the CFO")
    ]
    assert similar_by_ratio("ERP integration help", rows) == [rows[0]]
    assert similar_by_ratio("Case study for the CFO", rows) == []
