"""Opens and clicks of sequence emails are touches of their sequence, UTM code or not.

The tracking drain (apps/nurture/tracking.py) stores each buyer's open and click as an
`email_open` / `email_click` event naming its touch, step, sequence and campaign, with
`utm_campaign` only when the sequence's campaign has a UTM code. 0003 made an event a touch
only with a `utm_campaign` or an asset, so a campaign without a UTM code got the email's
nurture touch but none of its opens and clicks. Now an open or click whose `sequence` property
is a whole number is a touch too, and carries that `sequence_id`, which attribution already
reads for nurture touches: the campaign of its UTM code first, else its sequence's campaign
("No campaign" for a sequence linked to none), as the campaigns stand when read.

Only the events' trigger is changed (PostgreSQL: its function replaced in place; SQLite: the
insert and update triggers made again), then the events already stored are read once more
with the new rule: an event that becomes a touch is added, a touch that gains its sequence is
updated, nothing else is written.
"""

from importlib import import_module

from django.db import migrations

before = import_module("apps.analytics.migrations.0003_touches_kept_by_triggers")

# The opens and clicks the tracking drain stores (`apps.engagement.models.EventKind`).
SEQUENCE_EMAIL_ENGAGEMENT = ("email_open", "email_click")


def _sequence(pg: bool, e: str, kinds: tuple[str, ...]) -> str:
    """The sequence an event of these kinds names (its `sequence` property, a whole number);
    NULL for any other event, or a value that is no id (an API client's own naming)."""
    kinds = ", ".join(f"'{kind}'" for kind in kinds)
    if pg:
        value = f"{e}.properties ->> 'sequence'"
        return (
            f"CASE WHEN {e}.kind IN ({kinds}) AND {value} ~ '^[0-9]{{1,18}}$' "
            f"THEN CAST({value} AS bigint) END"
        )
    return (
        f"CASE WHEN {e}.kind IN ({kinds}) "
        f"AND json_type({e}.properties, '$.sequence') = 'integer' "
        f"THEN json_extract({e}.properties, '$.sequence') END"
    )


def _event_touches(
    pg: bool, events: str | None, kinds: tuple[str, ...] = SEQUENCE_EMAIL_ENGAGEMENT
) -> str:
    """0003's rule with opens and clicks of sequence emails (`kinds`) added, and their
    sequence kept."""
    e = "e" if events else "NEW"
    carries_utm = (
        f"{e}.properties ? 'utm_campaign'"
        if pg
        else f"json_extract({e}.properties, '$.utm_campaign') IS NOT NULL"
    )
    sequence = _sequence(pg, e, kinds)
    return f"""INSERT INTO analytics_touch ({before.EVENT_COLUMNS}, sequence_id)
    SELECT {e}.id, {e}.account_id, {e}.occurred_at, {before._utm(pg, e, "utm_campaign")},
        {before._utm(pg, e, "utm_medium")}, {e}.source, {e}.asset_id, {sequence}
    {f"FROM {events}" if events else ""}
    WHERE {e}.asset_id IS NOT NULL OR {carries_utm} OR {e}.url LIKE '%utm_campaign=%'
        OR {sequence} IS NOT NULL"""


def _follow_events(event_touches) -> str:
    """PostgreSQL: the statement trigger's function of 0003, with `event_touches`' rule."""
    return f"""
        CREATE OR REPLACE FUNCTION analytics_touch_follow_events() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                DELETE FROM analytics_touch t USING old_rows o WHERE t.event_id = o.id;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                {event_touches(True, "new_rows e")}
                ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING;
            END IF;
            RETURN NULL;
        END $$"""


def _sqlite_event_triggers(cursor, event_touches) -> None:
    """SQLite: the insert and update row triggers of 0003 again, with `event_touches`' rule."""
    forget_event = "DELETE FROM analytics_touch WHERE event_id = OLD.id"
    for operation, statements in (
        ("insert", [event_touches(False, None)]),
        ("update", [forget_event, event_touches(False, None)]),
    ):
        name = f"analytics_touch_engagement_event_{operation}"
        body = "".join(f"{statement};\n" for statement in statements)
        cursor.execute(f"DROP TRIGGER {name}")
        cursor.execute(
            f"CREATE TRIGGER {name} AFTER {operation.upper()} ON engagement_event "
            f"FOR EACH ROW BEGIN\n{body}END"
        )


def _follow(event_touches, connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_follow_events(event_touches))
        else:
            _sqlite_event_triggers(cursor, event_touches)


def _forwards(apps, schema_editor) -> None:
    _follow(_event_touches, schema_editor.connection)
    _read_again(_event_touches, schema_editor.connection)


def _read_again(event_touches, connection) -> None:
    """The events already stored, read with `event_touches`' rule: a touch added, or its
    sequence set, where the rule says."""
    pg = connection.vendor == "postgresql"
    differs = "IS DISTINCT FROM" if pg else "IS NOT"
    with connection.cursor() as cursor:
        cursor.execute(f"""{event_touches(pg, "engagement_event e")}
            ON CONFLICT (event_id) WHERE event_id IS NOT NULL
            DO UPDATE SET sequence_id = excluded.sequence_id
            WHERE analytics_touch.sequence_id {differs} excluded.sequence_id""")


def _backwards(apps, schema_editor) -> None:
    # Event touches with a sequence come from this rule: back to what 0003 makes of them.
    _undo(
        before._event_touches,
        schema_editor.connection,
        forget="DELETE FROM analytics_touch WHERE event_id IS NOT NULL AND sequence_id IS NOT NULL",
    )


def _undo(event_touches, connection, *, forget: str) -> None:
    """The trigger back on an earlier rule (`event_touches`), the touches only the later one
    made forgotten (`forget`), and the stored events read with the earlier rule again."""
    _follow(event_touches, connection)
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(forget)
        cursor.execute(f"""{event_touches(pg, "engagement_event e")}
            ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING""")


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_touches_kept_by_triggers"),
    ]

    operations = [migrations.RunPython(_forwards, _backwards)]
