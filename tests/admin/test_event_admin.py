from apps.engagement.models import Event
from tests.admin.helpers import admin_url
from tests.factories import EventFactory


def test_events_cannot_be_added(staff_client):
    assert staff_client.get(admin_url(Event, "add")).status_code == 403
    assert staff_client.post(admin_url(Event, "add"), {}).status_code == 403


def test_event_page_is_view_only(staff_client):
    event = EventFactory(url="https://acme.example/pricing")
    url = admin_url(Event, "change", event.pk)

    response = staff_client.get(url)

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["adminform"].form.fields == {}
    html = response.content.decode()
    assert 'name="_save"' not in html
    assert "https://acme.example/pricing" in html  # shown, as text
    assert staff_client.post(url, {"kind": "demo_request"}).status_code == 403
    event.refresh_from_db()
    assert event.kind == "page_view"


def test_event_list_offers_no_add_button(staff_client):
    EventFactory()

    response = staff_client.get(admin_url(Event, "changelist"))

    assert response.status_code == 200
    assert response.context["has_add_permission"] is False
    assert admin_url(Event, "add") not in response.content.decode()
