import pytest

from apps.content.models import AssetShare, EnablementRequest
from apps.demo.services import demo_world_seed
from apps.enablement.models import DealObjection
from apps.engagement.models import Event, EventKind

pytestmark = pytest.mark.django_db


def test_the_demo_world_has_objections_shares_and_requests_in_every_state():
    demo_world_seed()
    requests = list(EnablementRequest.objects.all())
    assert {r.status for r in requests} == set(EnablementRequest.Status.values)
    assert [r.status for r in requests if r.is_overdue] == ["accepted"]
    [declined] = [r for r in requests if r.status == "declined"]
    assert declined.decline_reason
    [delivered] = [r for r in requests if r.status == "delivered"]
    assert delivered.delivered_asset is not None and delivered.notified_at is not None
    assert DealObjection.objects.count() == 3
    shares = AssetShare.objects.count()
    assert shares > 0
    recorded = Event.objects.filter(
        kind=EventKind.ASSET_SHARED, external_id__startswith="demo-share-"
    )
    assert recorded.count() == shares
