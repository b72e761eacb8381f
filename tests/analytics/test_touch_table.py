"""The touch table attribution reads (`analytics.Touch`), kept by triggers on the events and the
nurture touches: which rows are touches, their UTM values as the README reads them, and that
every way an event or a nurture touch is written, rewritten or removed is followed."""

import datetime
import json

import pytest

from apps.analytics.models import Touch
from apps.engagement.models import Event
from apps.engagement.partitions import event_partitions_upkeep
from apps.engagement.services import events_ingest
from apps.nurture.models import Step
from tests.embedded import manage
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    EnrollmentFactory,
    EventFactory,
    SequenceFactory,
    StepFactory,
    TouchFactory,
)

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
AT = datetime.datetime(2026, 2, 10, 12, tzinfo=UTC)


def facts(**lookup) -> list[tuple]:
    return list(
        Touch.objects.filter(**lookup)
        .order_by("occurred_at", "pk")
        .values_list("utm_campaign", "medium", "source", "asset_id")
    )


@pytest.mark.parametrize(
    ("url", "properties", "utm_campaign", "medium"),
    [
        ("", {"utm_campaign": "spring", "utm_medium": "webinar"}, "spring", "webinar"),
        ("https://x.example/?utm_source=li&utm_campaign=spring&utm_medium=paid_social",
         {}, "spring", "paid_social"),
        ("https://x.example/p?utm_campaign=spring#top", {}, "spring", ""),
        ("https://x.example/p?utm_medium=email&utm_campaign=spring&x=1", {}, "spring", "email"),
        # The property first; an empty one leaves the URL's.
        ("https://x.example/?utm_campaign=by-url", {"utm_campaign": "by-property"},
         "by-property", ""),
        ("https://x.example/?utm_campaign=by-url", {"utm_campaign": ""}, "by-url", ""),
        ("https://x.example/?utm_campaign=", {"utm_medium": "email"}, "", "email"),
    ],
    ids=["properties", "url", "url-fragment", "url-middle", "property-first", "empty-property",
         "empty-code"],
)  # fmt: skip
def test_an_event_with_a_utm_campaign_is_a_touch_with_its_utm_values(
    url, properties, utm_campaign, medium
):
    event = EventFactory(url=url, properties=properties, source="email", occurred_at=AT)

    touch = Touch.objects.get()
    assert (touch.event_id, touch.account_id, touch.occurred_at) == (
        event.pk,
        event.account_id,
        AT,
    )
    assert facts() == [(utm_campaign, medium, "email", None)]
    assert touch.nurture_touch_id is None and touch.sequence_id is None


def test_an_event_naming_an_asset_is_a_touch_and_a_plain_one_is_not():
    asset = AssetFactory()
    EventFactory(url="https://x.example/pricing?utm_source=li", occurred_at=AT)
    EventFactory(asset=asset, occurred_at=AT)

    assert facts() == [("", "", "web", asset.pk)]


def test_ingested_events_are_added_once_each_batch_after_batch():
    ContactFactory(account=AccountFactory(domain="acme.com"), email="ann@acme.com")

    def event(n, **fields):
        return {"id": f"evt-{n}", "kind": "page_view", "source": "web", "email": "ann@acme.com",
                "occurred_at": (AT + datetime.timedelta(hours=n)).isoformat()} | fields  # fmt: skip

    first = [event(1, url="https://x.example/?utm_campaign=a"), event(2), event(3)]
    events_ingest(items=enumerate(first, start=1))
    kept = list(Touch.objects.values_list("pk", "event_id"))
    # The same batch again (duplicates, stored once) and a second one.
    events_ingest(items=enumerate(first, start=1))
    events_ingest(items=enumerate([event(4, properties={"utm_campaign": "b"})], start=1))

    assert list(Touch.objects.order_by("pk").values_list("pk", "event_id"))[:1] == kept
    assert [f[0] for f in facts()] == ["a", "b"]


def test_events_moved_out_of_the_default_partition_keep_one_touch_each():
    caught = EventFactory(
        occurred_at=datetime.datetime(2021, 3, 5, tzinfo=UTC), properties={"utm_campaign": "a"}
    )

    event_partitions_upkeep(since=datetime.datetime(2021, 3, 1, tzinfo=UTC))

    assert list(Touch.objects.values_list("event_id", "utm_campaign")) == [(caught.pk, "a")]


def test_a_rewritten_or_removed_event_takes_its_touch_with_it():
    asset = AssetFactory()
    erased = EventFactory(url="https://x.example/?utm_campaign=a", occurred_at=AT)
    asset_only = EventFactory(asset=asset, occurred_at=AT + datetime.timedelta(hours=1))
    both = EventFactory(
        asset=asset, properties={"utm_campaign": "b"}, occurred_at=AT + datetime.timedelta(hours=2)
    )
    gone = EventFactory(properties={"utm_campaign": "c"}, occurred_at=AT)

    # An erasure blanks the query string; the asset's deletion empties the events' asset.
    Event.objects.filter(pk=erased.pk).update(url="https://x.example/")
    asset.delete()
    gone.account.delete()

    assert list(Touch.objects.values_list("event_id", "utm_campaign", "asset_id")) == [
        (both.pk, "b", None)
    ]
    assert not Touch.objects.filter(event_id=asset_only.pk).exists()


def test_nurture_touches_are_touches_of_their_contacts_account_when_sent():
    asset = AssetFactory()
    sequence = SequenceFactory()
    account = AccountFactory()
    enrollment = EnrollmentFactory(sequence=sequence, contact=ContactFactory(account=account))
    email = TouchFactory(
        enrollment=enrollment, step=StepFactory(sequence=sequence, asset=asset), sent_at=AT
    )
    task = TouchFactory(
        enrollment=enrollment,
        step=StepFactory(sequence=sequence, kind=Step.Kind.TASK),
        kind=Step.Kind.TASK,
        sent_at=AT + datetime.timedelta(days=1),
    )

    rows = Touch.objects.order_by("occurred_at")
    assert list(
        rows.values_list("nurture_touch_id", "account_id", "occurred_at", "sequence_id")
    ) == [
        (email.pk, account.pk, AT, sequence.pk),
        (task.pk, account.pk, AT + datetime.timedelta(days=1), sequence.pk),
    ]
    assert facts() == [("", "email", "waymark", asset.pk), ("", "sales_outreach", "waymark", None)]
    assert all(touch.event_id is None for touch in rows)

    # The contact moving on leaves what was sent with the account it went to.
    enrollment.contact.account = AccountFactory()
    enrollment.contact.save()
    assert set(Touch.objects.values_list("account_id", flat=True)) == {account.pk}
    enrollment.delete()
    assert not Touch.objects.exists()


def test_opens_clicks_and_replies_of_sequence_emails_are_touches_of_their_sequence():
    """As the tracking drain stores opens and clicks: the sequence (and campaign) in the
    properties, a `utm_campaign` only when the campaign has a UTM code; a reply as a provider's
    report is stored. Attribution finds the campaign through the sequence, as for the email."""
    ContactFactory(account=AccountFactory(domain="acme.com"), email="ann@acme.com")
    sequence = SequenceFactory()
    common = {"source": "email", "email": "ann@acme.com", "occurred_at": AT.isoformat()}
    nurture = {"sequence": sequence.pk, "campaign": 3, "touch": 9, "utm_medium": "email"}
    events = [
        {"id": "open", "kind": "email_open", "properties": nurture},
        {"id": "click", "kind": "email_click", "properties": nurture | {"utm_campaign": "q3"}},
        {"id": "reply", "kind": "email_reply", "properties": {"sequence": sequence.pk}},
        # Not touches: another kind of event naming a sequence; a sequence that is no id.
        {"id": "view", "kind": "page_view", "properties": nurture},
        {"id": "theirs", "kind": "email_open", "properties": {"sequence": "welcome-2"}},
    ]
    events_ingest(items=enumerate([common | event for event in events], start=1))

    external_ids = dict(Event.objects.values_list("pk", "external_id"))
    touches = Touch.objects.values_list("event_id", "sequence_id", "utm_campaign", "medium")
    assert sorted((external_ids[event], *rest) for event, *rest in touches) == [
        ("click", sequence.pk, "q3", "email"),
        ("open", sequence.pk, "", "email"),
        ("reply", sequence.pk, "", ""),
    ]


SQLITE_TOUCHES = """
import json
from apps.accounts.models import Account
from apps.analytics.models import Touch
from apps.engagement.models import Event
from apps.engagement.services import events_ingest
Account.objects.create(name="Acme", domain="acme.com")
events = [
    {"id": "1", "url": "https://x.example/p?utm_campaign=spring&utm_medium=email#top"},
    {"id": "2", "properties": {"utm_campaign": "fall", "utm_medium": "webinar"}},
    {"id": "3", "properties": {"utm_campaign": ""}, "url": "https://x.example/?utm_campaign=url"},
    {"id": "4", "url": "https://x.example/pricing"},
    {"id": "5", "url": "https://x.example/?utm_campaign=erased"},
    {"id": "6", "kind": "email_click", "properties": {"sequence": 7, "utm_medium": "email"}},
    {"id": "7", "kind": "email_open", "properties": {"sequence": "welcome-2"}},
    {"id": "8", "kind": "email_reply", "properties": {"sequence": 8, "utm_medium": "email"}},
]
common = {"kind": "page_view", "source": "web", "domain": "acme.com",
          "occurred_at": "2026-02-10T12:00:00Z"}
for _ in range(2):
    events_ingest(items=enumerate([common | event for event in events], start=1))
Event.objects.filter(external_id="5").update(url="https://x.example/")
Event.objects.filter(external_id="2").delete()
touches = Touch.objects.order_by("event_id").values_list("utm_campaign", "medium", "sequence_id")
print(json.dumps(list(touches)))
"""


def test_on_sqlite_row_triggers_keep_the_touches(migrated_sqlite_env):
    out = manage("shell", "-c", SQLITE_TOUCHES, env=migrated_sqlite_env)

    assert json.loads(out.strip().splitlines()[-1]) == [
        ["spring", "email", None],
        ["url", "", None],
        ["", "email", 7],
        ["", "email", 8],
    ]


def test_on_sqlite_the_opens_and_clicks_stored_before_become_touches(migrated_sqlite_env):
    """Migrations 0004 and 0005 read the events already stored with their rule, and undo it."""
    manage("migrate", "analytics", "0003", env=migrated_sqlite_env)
    before = manage("shell", "-c", SQLITE_TOUCHES, env=migrated_sqlite_env)
    assert json.loads(before.strip().splitlines()[-1]) == [
        ["spring", "email", None],
        ["url", "", None],
    ]

    manage("migrate", "analytics", "0004", env=migrated_sqlite_env)
    out = manage("shell", "-c", SQLITE_TOUCHES_NOW, env=migrated_sqlite_env)
    assert json.loads(out.strip().splitlines()[-1]) == [
        ["spring", "email", None],
        ["url", "", None],
        ["", "email", 7],
    ]

    manage("migrate", "analytics", env=migrated_sqlite_env)

    out = manage("shell", "-c", SQLITE_TOUCHES_NOW, env=migrated_sqlite_env)
    assert json.loads(out.strip().splitlines()[-1]) == [
        ["spring", "email", None],
        ["url", "", None],
        ["", "email", 7],
        ["", "email", 8],
    ]


SQLITE_TOUCHES_NOW = """
import json
from apps.analytics.models import Touch
touches = Touch.objects.order_by("event_id").values_list("utm_campaign", "medium", "sequence_id")
print(json.dumps(list(touches)))
"""
