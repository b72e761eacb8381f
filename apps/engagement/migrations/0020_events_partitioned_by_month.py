"""Events partitioned by month on PostgreSQL (README, "Events at 100 million rows").

A partitioned table's unique indexes must hold its partition key, so the sender's-id constraint
becomes (source, external_id, occurred_at), and the database's primary key (id, occurred_at).
Django keeps `id` as the model's primary key: nothing refers to an event by foreign key, and a
lookup by id uses the primary key's index (id first) in each partition. SQLite keeps one plain
table with the new constraint.

The table is rebuilt: the plain one set aside; a partitioned one created with its columns, a
partition for each month holding events, this month and the next three, and a default partition
for any other time; the rows copied; the old table dropped; then its indexes and constraints
replayed from the catalog (those written by hand in earlier migrations too). It copies every
row and holds the table meanwhile: on a large table, run it in a quiet hour. Reversed the same
way, back to one plain table (refused by the old constraint if a sender's id was stored twice
at two times).
"""

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone

from apps.engagement.partitions import (
    DEFAULT_PARTITION,
    MONTHS_AHEAD,
    TABLE,
    add_months,
    create_partition_sql,
    month_of,
)

SET_ASIDE = f"{TABLE}_set_aside"


def _definitions(cursor) -> list[str]:
    """Statements that re-create the table's indexes and constraints, its primary key aside."""
    cursor.execute(
        # A partitioned table's own indexes read `ON ONLY`: the plain table takes them whole.
        """SELECT replace(pg_get_indexdef(i.indexrelid), ' ON ONLY ', ' ON ')
           FROM pg_index i
           WHERE i.indrelid = CAST(%s AS regclass)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
           ORDER BY i.indexrelid""",
        [TABLE],
    )
    indexes = [statement for (statement,) in cursor.fetchall()]
    cursor.execute(
        """SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', %s, conname,
                         pg_get_constraintdef(oid))
           FROM pg_constraint
           WHERE conrelid = CAST(%s AS regclass) AND contype IN ('c', 'f', 'u')
           ORDER BY oid""",
        [TABLE, TABLE],
    )
    return indexes + [statement for (statement,) in cursor.fetchall()]


def _rebuild(schema_editor, *, partitioned: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        definitions = _definitions(cursor)
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {SET_ASIDE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {SET_ASIDE} INCLUDING DEFAULTS INCLUDING IDENTITY)"
            + (" PARTITION BY RANGE (occurred_at)" if partitioned else "")
        )
        if partitioned:
            cursor.execute(
                "SELECT DISTINCT CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS date) "
                f"FROM {SET_ASIDE}"
            )
            this_month = month_of(timezone.now())
            months = {row[0] for row in cursor.fetchall()}
            months |= {add_months(this_month, n) for n in range(MONTHS_AHEAD + 1)}
            for month in sorted(months):
                cursor.execute(create_partition_sql(month))
            cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
        cursor.execute(f"INSERT INTO {TABLE} SELECT * FROM {SET_ASIDE}")
        cursor.execute(f"DROP TABLE {SET_ASIDE}")
        key = "id, occurred_at" if partitioned else "id"
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY ({key})")
        for statement in definitions:
            cursor.execute(statement)
        # The identity's sequence went with the old table; the new one carries on from the rows.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [TABLE])
        cursor.execute(f"ALTER SEQUENCE {cursor.fetchone()[0]} RENAME TO {TABLE}_id_seq")
        cursor.execute(
            f"SELECT setval('{TABLE}_id_seq', COALESCE(MAX(id), 0) + 1, false) FROM {TABLE}"
        )


def partition_by_month(apps, schema_editor):
    _rebuild(schema_editor, partitioned=True)


def one_plain_table(apps, schema_editor):
    _rebuild(schema_editor, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("engagement", "0019_account_own_change_index")]

    operations = [
        migrations.RemoveConstraint(model_name="event", name="event_source_external_id_unique"),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(
                condition=~Q(external_id=""),
                fields=("source", "external_id", "occurred_at"),
                name="event_source_external_id_unique",
                violation_error_message="This source already sent an event with this id "
                "at this time.",
            ),
        ),
        migrations.RunPython(partition_by_month, one_plain_table),
    ]
