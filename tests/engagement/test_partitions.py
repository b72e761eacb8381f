"""The events table partitioned by month on PostgreSQL: each event in its month's partition, a
default partition for the rest, the daily upkeep (months ahead, the default's events moved out,
the retention) and re-delivery still stored once."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.engagement import tasks
from apps.engagement.models import ContactScore, Event, EventKind
from apps.engagement.partitions import add_months, event_partitions_upkeep, month_of
from apps.engagement.services import events_ingest, scores_recompute
from tests.embedded import manage, sqlite_env
from tests.factories import AccountFactory, ContactFactory, EventFactory, SignalRuleFactory

THIS_MONTH = month_of(timezone.now())


def _at(month: datetime.date, day: int = 10) -> datetime.datetime:
    return datetime.datetime(month.year, month.month, day, 12, tzinfo=datetime.UTC)


def _partition_of(event: Event) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(tableoid AS regclass)::text FROM engagement_event WHERE id = %s",
            [event.pk],
        )
        return cursor.fetchone()[0]


def _partitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT CAST(inhrelid AS regclass)::text FROM pg_inherits "
            "WHERE inhparent = CAST('engagement_event' AS regclass)"
        )
        return {name for (name,) in cursor.fetchall()}


def _rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        return cursor.fetchone()[0]


def _name(month: datetime.date) -> str:
    return f"engagement_event_{month:%Y_%m}"


@pytest.mark.django_db
def test_the_events_table_is_partitioned_by_month_with_a_default_partition():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partstrat FROM pg_partitioned_table "
            "WHERE partrelid = CAST('engagement_event' AS regclass)"
        )
        assert cursor.fetchone() == ("r",)
    ahead = {_name(add_months(THIS_MONTH, n)) for n in range(4)}
    assert _partitions() >= ahead | {"engagement_event_default"}


@pytest.mark.django_db
def test_each_event_lands_in_its_months_partition_and_the_rest_in_the_default():
    now = EventFactory(occurred_at=_at(THIS_MONTH))
    next_month = EventFactory(occurred_at=_at(add_months(THIS_MONTH, 1), day=1))
    long_ago = EventFactory(occurred_at=datetime.datetime(2021, 3, 5, tzinfo=datetime.UTC))

    assert _partition_of(now) == _name(THIS_MONTH)
    assert _partition_of(next_month) == _name(add_months(THIS_MONTH, 1))
    assert _partition_of(long_ago) == "engagement_event_default"
    # Django's primary key is still `id`: looked up, changed and moved to another month by it.
    next_month.occurred_at = _at(THIS_MONTH)
    next_month.save()
    assert Event.objects.get(pk=next_month.pk).occurred_at == _at(THIS_MONTH)
    assert _partition_of(next_month) == _name(THIS_MONTH)


@pytest.mark.django_db
def test_the_upkeep_moves_what_the_default_caught_into_a_partition_of_its_own():
    caught = EventFactory(occurred_at=datetime.datetime(2021, 3, 5, tzinfo=datetime.UTC))
    stays = EventFactory(occurred_at=datetime.datetime(2021, 4, 1, tzinfo=datetime.UTC))

    done = event_partitions_upkeep(since=datetime.datetime(2021, 3, 1, tzinfo=datetime.UTC))

    assert _name(datetime.date(2021, 3, 1)) in done.created
    assert done.moved == 2
    assert _partition_of(caught) == "engagement_event_2021_03"
    assert _partition_of(stays) == "engagement_event_2021_04"
    assert _rows_in("engagement_event_default") == 0
    assert Event.objects.get(pk=caught.pk).external_id == caught.external_id


@pytest.mark.django_db
def test_the_upkeep_makes_the_coming_months_once():
    later = _at(add_months(THIS_MONTH, 2))

    first = event_partitions_upkeep(at=later)
    again = event_partitions_upkeep(at=later)

    assert first.created == [_name(add_months(THIS_MONTH, 4)), _name(add_months(THIS_MONTH, 5))]
    assert (again.created, again.moved, again.retired) == ([], 0, [])
    assert tasks.event_partitions_upkeep() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["engagement-event-partitions-upkeep"]
    assert entry["task"] == tasks.event_partitions_upkeep.name


def _months_back(count: int) -> list[Event]:
    """Partitions and one event each for the `count` months before this one, oldest first."""
    months = [add_months(THIS_MONTH, -n) for n in range(count, 0, -1)]
    event_partitions_upkeep(since=_at(months[0]))
    return [EventFactory(occurred_at=_at(month)) for month in months]


@pytest.mark.django_db
def test_the_retention_archives_exactly_the_months_before_it(settings):
    oldest, _, kept, last_month = _months_back(4)
    settings.EVENT_RETENTION_MONTHS = 2

    done = event_partitions_upkeep()

    gone = [_name(add_months(THIS_MONTH, -4)), _name(add_months(THIS_MONTH, -3))]
    assert done.retired == gone
    assert not set(gone) & _partitions()
    assert {_name(add_months(THIS_MONTH, -2)), _name(add_months(THIS_MONTH, -1))} <= _partitions()
    assert set(Event.objects.all()) == {kept, last_month}
    assert [_rows_in(f"{name}_archived") for name in gone] == [1, 1]
    # An archive refers to nothing: the account of an archived event can still be deleted.
    oldest.account.delete()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # A late event for an archived month joins its archive at the next upkeep.
    EventFactory(occurred_at=_at(add_months(THIS_MONTH, -4), day=20))
    assert event_partitions_upkeep().retired == [gone[0]]
    assert _rows_in(f"{gone[0]}_archived") == 2
    assert _rows_in("engagement_event_default") == 0


@pytest.mark.django_db
def test_the_retention_can_drop_the_old_months(settings):
    _months_back(3)
    settings.EVENT_RETENTION_MONTHS = 1
    settings.EVENT_RETENTION_ACTION = "drop"

    done = event_partitions_upkeep()

    assert len(done.retired) == 2
    with connection.cursor() as cursor:
        for name in done.retired:
            cursor.execute("SELECT to_regclass(%s), to_regclass(%s)", [name, f"{name}_archived"])
            assert cursor.fetchone() == (None, None)
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_a_redelivered_event_is_stored_once_in_its_partition():
    ContactFactory(account=AccountFactory(domain="acme.com"), email="ann@acme.com")
    event = {"id": "evt-1", "kind": "page_view", "source": "web", "email": "ann@acme.com",
             "occurred_at": timezone.now().isoformat()}  # fmt: skip
    old = event | {"id": "evt-2", "occurred_at": "2021-03-05T10:00:00Z"}

    first = events_ingest(items=enumerate([event, old], start=1))
    again = events_ingest(items=enumerate([event, old], start=1))
    moved = events_ingest(items=enumerate([event | {"occurred_at": "2021-03-06T10:00:00Z"}]))

    assert (first.accepted, again.accepted, again.duplicates) == (2, 0, 2)
    # The trade-off of a key that holds the time: the same id at another time is another event.
    assert moved.accepted == 1
    assert Event.objects.filter(external_id="evt-1").count() == 2


SQLITE_REDELIVERY = """
import json
from django.utils import timezone
from apps.accounts.models import Account
from apps.engagement.partitions import event_partitions_upkeep
from apps.engagement.services import events_ingest
Account.objects.create(name="Acme", domain="acme.com")
event = {"id": "evt-1", "kind": "page_view", "source": "web", "domain": "acme.com",
         "occurred_at": timezone.now().isoformat()}
reports = [events_ingest(items=enumerate([event], start=1)) for _ in range(2)]
print(json.dumps([[r.accepted, r.duplicates] for r in reports]
                 + [event_partitions_upkeep().created]))
"""


def test_on_sqlite_the_events_stay_one_plain_table_and_redelivery_is_stored_once(tmp_path):
    env = sqlite_env(tmp_path)
    manage("migrate", "--noinput", "-v0", env=env)

    out = manage("shell", "-c", SQLITE_REDELIVERY, env=env).strip().splitlines()[-1]

    assert json.loads(out) == [[1, 0], [0, 1], []]


@pytest.mark.django_db
def test_the_recompute_groups_each_rules_events_in_order_not_by_hashing(stages, scoring):
    """Over several months' partitions the planner would rather hash each rule's events per
    buyer; merging the partitions' kind-first indexes in buyer order is faster (README)."""
    SignalRuleFactory(kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision, weight=10)
    contacts = ContactFactory.create_batch(20)
    since = _at(add_months(THIS_MONTH, -2), day=1)
    event_partitions_upkeep(since=since)
    with connection.cursor() as cursor:
        # Enough events over three months for the planner to weigh hashing against merging.
        cursor.execute(
            """INSERT INTO engagement_event (account_id, contact_id, kind, direction, source,
                   occurred_at, received_at, url, properties, external_id)
               SELECT c.account_id, c.id, 'demo_request', 'buyer', 'web',
                      %s + n * interval '30 minutes', now(), '', '{}', ''
               FROM accounts_contact c, generate_series(1, 3000) n
               WHERE c.id = ANY(%s)""",
            [since, [c.pk for c in contacts]],
        )
        cursor.execute("ANALYZE engagement_event")
    plans = []

    def explain_points(execute, sql, params, many, context):
        if sql.startswith("CREATE TEMPORARY TABLE sig_points AS "):
            with context["connection"].cursor() as cursor:
                cursor.execute("EXPLAIN " + sql.split(" AS ", 1)[1], params)
                plans.append("\n".join(line for (line,) in cursor.fetchall()))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain_points):
        scores_recompute(at=timezone.now())

    assert ContactScore.objects.filter(contact__in=contacts, engagement__gt=0).count() == 20
    assert "HashAggregate" not in plans[0]
