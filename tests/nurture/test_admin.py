"""The admin pages of the models the nurture engine added, as tests/admin checks every model
(tests/admin builds records from tests/factories, which does not know these yet)."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.nurture.models import Enrollment, SuppressedAddress, Touch
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import (
    EnrollmentFactory,
    HolidayFactory,
    NotificationFactory,
    OpportunityStallFactory,
    SuppressedAddressFactory,
    TouchFactory,
)

pytestmark = pytest.mark.django_db

FACTORIES = [HolidayFactory, NotificationFactory, OpportunityStallFactory]


@pytest.fixture
def staff_client(client, admin_member):
    client.force_login(admin_member)
    return client


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f._meta.model.__name__)
def test_pages_open_and_save_unchanged(staff_client, factory):
    obj = factory()
    model = type(obj)
    assert staff_client.get(admin_url(model, "changelist"), {"q": "acme"}).status_code == 200
    page = staff_client.get(admin_url(model, "change", obj.pk))
    assert page.status_code == 200
    if page.context["has_change_permission"]:
        saved = staff_client.post(admin_url(model, "change", obj.pk), page_post_data(page))
        assert saved.status_code == 302
    else:
        assert staff_client.get(admin_url(model, "add")).status_code == 403


@pytest.mark.parametrize("factory", FACTORIES, ids=lambda f: f._meta.model.__name__)
def test_changelist_queries_do_not_grow_with_rows(staff_client, factory):
    model = factory._meta.model

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(admin_url(model, "changelist")).status_code == 200
        return len(captured)

    factory()
    one = queries()
    factory.create_batch(5)
    assert queries() == one


def test_ending_enrolments_from_the_admin_records_the_reason(staff_client):
    active = EnrollmentFactory()

    response = staff_client.post(
        admin_url(Enrollment, "changelist"),
        {"action": "end_enrollments", "_selected_action": [active.pk]},
    )

    active.refresh_from_db()
    assert response.status_code == 302
    assert (active.status, active.exit_reason) == ("exited", "manual")
    assert "1 enrolment(s) ended." in [str(m) for m in get_messages(response.wsgi_request)]


def test_lifting_a_suppression_from_the_admin_leaves_an_audit_trail(staff_client, admin_member):
    suppressed = SuppressedAddressFactory(email="ben@acme.example")

    response = staff_client.post(
        admin_url(SuppressedAddress, "changelist"),
        {"action": "lift", "_selected_action": [suppressed.pk]},
    )

    assert response.status_code == 302
    assert not SuppressedAddress.objects.exists()
    (lifted,) = SuppressedAddress.history.filter(history_type="-")
    assert (lifted.email, lifted.history_user, lifted.path) == (
        "ben@acme.example",
        admin_member,
        "admin",
    )


def test_a_touch_moved_by_a_holiday_says_so_on_its_page_and_its_enrolments(staff_client):
    note = "from Thu 3 Oct to Fri 4 Oct: German Unity Day (DE)"
    touch = TouchFactory(holiday_move=note)

    for page in (
        staff_client.get(admin_url(Touch, "change", touch.pk)),
        staff_client.get(admin_url(Enrollment, "change", touch.enrollment_id)),
        staff_client.get(admin_url(Touch, "changelist")),
    ):
        assert page.status_code == 200
        assert note in page.text
