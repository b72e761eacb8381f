"""The events table's monthly partitions on PostgreSQL (README, "Events at 100 million rows").

`engagement_event` is partitioned by the month of `occurred_at`: one `engagement_event_YYYY_MM`
per month (UTC) and `engagement_event_default` catching any event outside them, so ingestion
never fails for a month not prepared yet. The daily upkeep creates the coming months ahead,
moves what the default partition caught into partitions of their own, and retires the months
older than `EVENT_RETENTION_MONTHS`. SQLite (`make run`'s embedded set-up) keeps one plain
table: nothing to do there.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

TABLE = "engagement_event"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
_MONTH_PARTITION = re.compile(rf"{TABLE}_(\d{{4}})_(\d{{2}})")


@dataclass
class PartitionUpkeep:
    created: list[str] = field(default_factory=list)
    moved: int = 0  # events moved out of the default partition
    retired: list[str] = field(default_factory=list)


def month_of(moment: datetime) -> date:
    moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_{month:%Y_%m}"


def create_partition_sql(month: date) -> str:
    return (
        f"CREATE TABLE {partition_name(month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{month.isoformat()} 00:00+00') "
        f"TO ('{add_months(month, 1).isoformat()} 00:00+00')"
    )


def event_partitions_upkeep(
    *, at: datetime | None = None, since: datetime | None = None
) -> PartitionUpkeep:
    """Partitions for this month and `MONTHS_AHEAD` more (and every month from `since`, for a
    back-fill), the events the default partition caught moved into their months' partitions,
    and the months before the retention archived or dropped. Idempotent; two runs at once take
    turns."""
    done = PartitionUpkeep()
    if connection.vendor != "postgresql":
        return done
    this_month = month_of(at or timezone.now())
    keep_from = None
    if settings.EVENT_RETENTION_MONTHS is not None:
        keep_from = add_months(this_month, -settings.EVENT_RETENTION_MONTHS)
    start = month_of(since) if since else this_month
    if keep_from is not None:
        start = max(start, keep_from)
    wanted = set(_months(start, through=add_months(this_month, MONTHS_AHEAD)))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('engagement_event partitions'))")
        existing = _month_partitions(cursor)
        cursor.execute(
            "SELECT DISTINCT CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS date) "
            f"FROM {DEFAULT_PARTITION}"
        )
        caught = {row[0] for row in cursor.fetchall()}
        for month in sorted((wanted | caught) - existing.keys()):
            done.moved += _create(cursor, month, move=month in caught)
            existing[month] = partition_name(month)
            done.created.append(existing[month])
        # Foreign keys are checked at commit, and a partition with checks pending (its events
        # moved in above) cannot be detached: check now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for month, name in sorted(existing.items()):
            if keep_from is not None and month < keep_from:
                _retire(cursor, name, archive=settings.EVENT_RETENTION_ACTION == "archive")
                done.retired.append(name)
    return done


def _months(start: date, *, through: date) -> list[date]:
    months = [start]
    while months[-1] < through:
        months.append(add_months(months[-1], 1))
    return months


def _month_partitions(cursor) -> dict[date, str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(%s AS regclass)",
        [TABLE],
    )
    names = (_MONTH_PARTITION.fullmatch(name) for (name,) in cursor.fetchall())
    return {date(int(m[1]), int(m[2]), 1): m[0] for m in names if m}


def _create(cursor, month: date, *, move: bool) -> int:
    """The month's partition; returns how many events moved in from the default partition
    (a new partition may not overlap rows the default one holds, so they leave it first)."""
    if not move:
        cursor.execute(create_partition_sql(month))
        return 0
    cursor.execute(f"CREATE TEMPORARY TABLE event_move (LIKE {TABLE}) ON COMMIT DROP")
    cursor.execute(
        f"""WITH moved AS (DELETE FROM {DEFAULT_PARTITION}
                           WHERE occurred_at >= %s AND occurred_at < %s RETURNING *)
            INSERT INTO event_move SELECT * FROM moved""",
        [_midnight(month), _midnight(add_months(month, 1))],
    )
    cursor.execute(create_partition_sql(month))
    cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM event_move")
    moved = cursor.rowcount
    cursor.execute("DROP TABLE event_move")
    return moved


def _retire(cursor, name: str, *, archive: bool) -> None:
    """Drop a month's partition, or detach it and keep it as `<name>_archived` (for a dump to
    cold storage): out of every query, its foreign keys gone so it never blocks deleting an
    account, a contact or an asset. A month retired twice (late events) joins its archive."""
    if not archive:
        cursor.execute(f"DROP TABLE {name}")
        return
    cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = CAST(%s AS regclass) AND contype = 'f'",
        [name],
    )
    for (constraint,) in cursor.fetchall():
        cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {constraint}")
    archived = f"{name}_archived"
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [archived])
    if cursor.fetchone()[0]:
        cursor.execute(f"INSERT INTO {archived} SELECT * FROM {name}")
        cursor.execute(f"DROP TABLE {name}")
    else:
        cursor.execute(f"ALTER TABLE {name} RENAME TO {archived}")


def _midnight(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)
