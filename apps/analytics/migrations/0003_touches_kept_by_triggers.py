"""The touch table attribution reads (`analytics.Touch`), kept by database triggers.

A touch is an event that carries a `utm_campaign` (in its properties or its URL's query string)
or names an asset, or a nurture touch. The triggers copy each into `analytics_touch` in the
statement that writes it, with its UTM values already read out of the JSON and the URL (what
made reading the raw events slow); an event updated or deleted, or a nurture touch deleted,
takes its touch with it. Nurture touches are never updated in what is copied (their time,
step and enrolment are written once), so only their inserts and deletes are followed.

Why triggers, not a fill by this app from a high-water mark: nothing else may call into
analytics, and a mark misses what a mark cannot see (an event committed after a later id was
read, an erasure blanking an event's query string, an event or contact deleted), where a
trigger sees every write in its own transaction. On PostgreSQL each is a statement trigger over
its transition table (one set-based statement per ingest statement, on the partitioned events
table as a whole); SQLite (`make run`) has row triggers. Existing rows are copied once here.
The rules for reading UTM values live here now: a change to them is a new migration.
"""

import django.db.models.deletion
from django.db import migrations, models

EVENT_COLUMNS = "event_id, account_id, occurred_at, utm_campaign, medium, source, asset_id"
NURTURE_COLUMNS = (
    "nurture_touch_id, account_id, occurred_at, utm_campaign, medium, source, sequence_id, asset_id"
)
EVENT_TRIGGERS = ("insert", "update", "delete")
NURTURE_TRIGGERS = ("insert", "delete")


def _url_param(pg: bool, e: str, name: str) -> str:
    """The first `name=` value after a `?` or `&` of the URL, up to the next `&` or `#`:
    string functions, not a regular expression (a regex costs ten times as much a row)."""
    if pg:
        query = f"replace({e}.url, '?', '&')"
        value = f"split_part(split_part(split_part({query}, '&{name}=', 2), '&', 1), '#', 1)"
        return f"NULLIF({value}, '')"
    rest = f"substr({e}.url, instr({e}.url, '{name}=') + {len(name) + 1})"
    for end in ("#", "&"):
        rest = (
            f"CASE WHEN instr({rest}, '{end}') > 0 "
            f"THEN substr({rest}, 1, instr({rest}, '{end}') - 1) ELSE {rest} END"
        )
    return (
        f"CASE WHEN instr({e}.url, '?{name}=') + instr({e}.url, '&{name}=') > 0 "
        f"THEN NULLIF({rest}, '') END"
    )


def _utm(pg: bool, e: str, name: str) -> str:
    """The event's UTM value: its property, else its URL's query string; '' for none."""
    prop = f"{e}.properties ->> '{name}'" if pg else f"json_extract({e}.properties, '$.{name}')"
    from_url = f"CASE WHEN {e}.url LIKE '%{name}=%' THEN {_url_param(pg, e, name)} END"
    return f"COALESCE(NULLIF({prop}, ''), {from_url}, '')"


def _event_touches(pg: bool, events: str | None) -> str:
    """The touches among `events` ("<table> e"; None: a SQLite row trigger's NEW row)."""
    e = "e" if events else "NEW"
    carries_utm = (
        f"{e}.properties ? 'utm_campaign'"
        if pg
        else f"json_extract({e}.properties, '$.utm_campaign') IS NOT NULL"
    )
    return f"""INSERT INTO analytics_touch ({EVENT_COLUMNS})
    SELECT {e}.id, {e}.account_id, {e}.occurred_at, {_utm(pg, e, "utm_campaign")},
        {_utm(pg, e, "utm_medium")}, {e}.source, {e}.asset_id
    {f"FROM {events}" if events else ""}
    WHERE {e}.asset_id IS NOT NULL OR {carries_utm} OR {e}.url LIKE '%utm_campaign=%'"""


def _nurture_touches(touches: str | None) -> str:
    """`touches` ("<table> t"; None: a SQLite row trigger's NEW row) with their contact's
    account, channel, sequence and step's asset."""
    t = "t" if touches else "NEW"
    return f"""INSERT INTO analytics_touch ({NURTURE_COLUMNS})
    SELECT {t}.id, ct.account_id, {t}.sent_at, '',
        CASE WHEN {t}.kind = 'email' THEN 'email' ELSE 'sales_outreach' END, 'waymark',
        en.sequence_id, st.asset_id
    FROM {f"{touches}, " if touches else ""}nurture_enrollment en, accounts_contact ct,
        nurture_step st
    WHERE en.id = {t}.enrollment_id AND ct.id = en.contact_id AND st.id = {t}.step_id"""


def _postgresql(cursor) -> None:
    cursor.execute(f"""
        CREATE FUNCTION analytics_touch_follow_events() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM analytics_touch t USING old_rows o WHERE t.event_id = o.id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {_event_touches(True, "new_rows e")}
                ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING;
            END IF;
            RETURN NULL;
        END $$""")
    cursor.execute(f"""
        CREATE FUNCTION analytics_touch_follow_nurture() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                DELETE FROM analytics_touch a USING old_rows o WHERE a.nurture_touch_id = o.id;
            ELSE
                {_nurture_touches("new_rows t")}
                ON CONFLICT (nurture_touch_id) WHERE nurture_touch_id IS NOT NULL DO NOTHING;
            END IF;
            RETURN NULL;
        END $$""")
    transitions = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for table, follow, operations in (
        ("engagement_event", "events", EVENT_TRIGGERS),
        ("nurture_touch", "nurture", NURTURE_TRIGGERS),
    ):
        for operation in operations:
            cursor.execute(
                f"CREATE TRIGGER analytics_touch_on_{operation} AFTER {operation.upper()} "
                f"ON {table} REFERENCING {transitions[operation]} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION analytics_touch_follow_{follow}()"
            )
    cursor.execute(_event_touches(True, "engagement_event e"))
    cursor.execute(_nurture_touches("nurture_touch t"))


def _sqlite(cursor) -> None:
    forget_event = "DELETE FROM analytics_touch WHERE event_id = OLD.id"
    bodies = {
        ("engagement_event", "insert"): [_event_touches(False, None)],
        ("engagement_event", "update"): [forget_event, _event_touches(False, None)],
        ("engagement_event", "delete"): [forget_event],
        ("nurture_touch", "insert"): [_nurture_touches(None)],
        ("nurture_touch", "delete"): [
            "DELETE FROM analytics_touch WHERE nurture_touch_id = OLD.id"
        ],
    }
    for (table, operation), statements in bodies.items():
        body = "".join(f"{statement};\n" for statement in statements)
        cursor.execute(
            f"CREATE TRIGGER analytics_touch_{table}_{operation} AFTER {operation.upper()} "
            f"ON {table} FOR EACH ROW BEGIN\n{body}END"
        )
    cursor.execute(_event_touches(False, "engagement_event e"))
    cursor.execute(_nurture_touches("nurture_touch t"))


def _create_triggers(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            _postgresql(cursor)
        else:
            _sqlite(cursor)


def _drop_triggers(apps, schema_editor) -> None:
    pg = schema_editor.connection.vendor == "postgresql"
    with schema_editor.connection.cursor() as cursor:
        for table, operations in (
            ("engagement_event", EVENT_TRIGGERS),
            ("nurture_touch", NURTURE_TRIGGERS),
        ):
            for operation in operations:
                if pg:
                    cursor.execute(f"DROP TRIGGER analytics_touch_on_{operation} ON {table}")
                else:
                    cursor.execute(f"DROP TRIGGER analytics_touch_{table}_{operation}")
        if pg:
            cursor.execute("DROP FUNCTION analytics_touch_follow_events()")
            cursor.execute("DROP FUNCTION analytics_touch_follow_nurture()")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_country_and_subdivision"),
        ("analytics", "0002_stage_kpi_snapshot"),
        ("content", "0007_trigram_extension"),
        ("engagement", "0020_events_partitioned_by_month"),
        ("nurture", "0013_holiday_calendars"),
    ]

    operations = [
        migrations.CreateModel(
            name="Touch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("event_id", models.BigIntegerField(blank=True, null=True)),
                ("occurred_at", models.DateTimeField()),
                ("utm_campaign", models.TextField(blank=True)),
                ("medium", models.TextField(blank=True)),
                ("source", models.CharField(max_length=16)),
                (
                    "account",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.account",
                    ),
                ),
                (
                    "asset",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="content.asset",
                    ),
                ),
                (
                    "nurture_touch",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="nurture.touch",
                    ),
                ),
                (
                    "sequence",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="nurture.sequence",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["occurred_at"], name="touch_by_occurred_at")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("event_id__isnull", False)),
                        fields=("event_id",),
                        name="touch_once_per_event",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("nurture_touch__isnull", False)),
                        fields=("nurture_touch",),
                        name="touch_once_per_nurture_touch",
                    ),
                ],
            },
        ),
        migrations.RunPython(_create_triggers, _drop_triggers),
    ]
