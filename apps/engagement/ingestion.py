"""Bulk intake of buyer signals.

Each item is checked on its own: a bad one becomes an error naming its fields and the others
still go in. Good items stream into a temporary staging table (COPY on PostgreSQL), never into a
list; one statement then matches them to contacts (by email or id) and accounts (by domain or
id) and inserts them, skipping every (source, sender's id, time) already stored. The caller's
transaction makes a request all-or-nothing: more than `MAX_EVENTS` items or a body over
`MAX_BODY_BYTES` stores nothing.
"""

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import IO, Any
from urllib.parse import urlsplit

from django.db import connection

from apps.accounts.models import normalise_domain
from apps.core import bulk
from apps.core.bulk import MAX_BODY_BYTES, MAX_NESTING, ItemError, OversizePayload
from apps.core.exceptions import ApplicationError
from apps.engagement.models import Direction, EventKind, EventSource, default_direction

MAX_EVENTS = 10_000
MAX_EVENT_BYTES = bulk.MAX_ITEM_BYTES
MAX_PROPERTIES_BYTES = 8 * 1024
# Clocks drift: an event up to an hour ahead of ours is taken (and counted once its time comes).
FUTURE_TOLERANCE = timedelta(hours=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
SQLITE_BATCH = 1_000
# Record ids are 64-bit.
MAX_RECORD_ID = 2**63 - 1

KINDS = frozenset(EventKind.values)
SOURCES = frozenset(EventSource.values)
DIRECTIONS = frozenset(Direction.values)
STAGE_COLUMNS = (
    "item",
    "kind",
    "source",
    "direction",
    "occurred_at",
    "url",
    "asset_id",
    "properties",
    "external_id",
    "email",
    "contact_id",
    "domain",
    "domain_given",
    "account_id",
)


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[ItemError] = field(default_factory=list)

    def add(self, other: "IngestReport") -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.errors += other.errors


# -- reading (apps/core/bulk.py, in the words of events) -----------------------------------------


def ndjson_items(stream: IO[bytes], *, limit: int | None) -> Iterator[tuple[int, Any]]:
    """One event per line (see `bulk.ndjson_items`); `limit` None for files."""
    return bulk.ndjson_items(stream, limit=limit, noun="event", item_bytes=MAX_EVENT_BYTES)


def json_array_items(stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    return bulk.json_array_items(stream, noun="event", limit=MAX_BODY_BYTES)


def empty_body() -> ApplicationError:
    return bulk.empty_body("event")


def oversize_body(limit: int) -> OversizePayload:
    return bulk.oversize_body(limit, "event")


# -- checking one item ----------------------------------------------------------------------

# The fields an event is read from; anything else in it is ignored, never stored.
FIELDS = frozenset(
    (
        "id",
        "kind",
        "source",
        "direction",
        "occurred_at",
        "email",
        "contact",
        "domain",
        "account",
        "url",
        "asset",
        "properties",
    )
)
# A NUL, or half of a surrogate pair (JSON's "\ud800" alone): no database stores them as text.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


def _shape_errors(event: dict) -> dict[str, list[str]]:
    """What no field may hold, at whatever depth: text that cannot be stored as text, or lists
    and objects nested deeper than `MAX_NESTING`. Checked before anything reads the fields."""
    errors: dict[str, list[str]] = {}
    for name, value in event.items():
        if isinstance(value, str):
            found = _NOT_TEXT.search(value)
            problem = _not_text(found.group()) if found else None
        elif isinstance(value, dict | list):
            problem = _container_problem(value)
        else:
            continue
        if problem and name in FIELDS:
            errors[name] = [problem]
    return errors


def _container_problem(container: dict | list) -> str | None:
    """What is wrong inside a list or an object (an event's level 2), walked without recursion."""
    pending: list[tuple[Any, int]] = [(container, 2)]
    while pending:
        value, level = pending.pop()
        if level > MAX_NESTING:
            return f"Nested more than {MAX_NESTING} levels deep."
        for child in (*value, *value.values()) if isinstance(value, dict) else value:
            if isinstance(child, str):
                if found := _NOT_TEXT.search(child):
                    return _not_text(found.group())
            elif isinstance(child, dict | list):
                pending.append((child, level + 1))
    return None


def _not_text(character: str) -> str:
    if character == "\x00":
        return "Holds a NUL character (\\u0000): not allowed in text."
    return f"Holds half a surrogate pair (\\u{ord(character):04x}): not valid text."


def _choice(value: Any, name: str, choices: frozenset[str], errors: dict) -> None:
    if isinstance(value, str) and value in choices:
        return
    listed = ", ".join(sorted(choices))
    if not value:
        errors[name] = ["Required."]
    elif isinstance(value, str):
        errors[name] = [f"Unknown {name} {value!r}: use one of {listed}."]
    else:
        errors[name] = [f"Must be a string, one of {listed}."]


def _text(value: Any, name: str, errors: dict, *, limit: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        errors[name] = ["Must be a string."]
        return ""
    text = str(value).strip()
    if len(text) > limit:
        errors[name] = [f"At most {limit} characters."]
    return text


def _record_id(value: Any, name: str, errors: dict) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RECORD_ID:
        errors[name] = [f"Must be a whole number from 1 to {MAX_RECORD_ID} (a record id)."]
        return None
    return value


def _timestamp(value: Any, errors: dict, *, now: datetime) -> datetime | None:
    if not value:
        errors["occurred_at"] = ["Required: when it happened, e.g. 2026-03-02T09:30:00Z."]
        return None
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        when = None
    if when is None:
        errors["occurred_at"] = ["Not an ISO 8601 time such as 2026-03-02T09:30:00Z."]
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # documented: times without an offset are UTC
    if when > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = ["In the future: more than an hour ahead of the server clock."]
    elif when < EARLIEST:
        errors["occurred_at"] = ["Before the year 2000: check the time."]
    return when


def check_item(number: int, value: Any, *, source: str | None, now: datetime) -> tuple | ItemError:
    """A staging row for a well-formed item, else the errors by field."""
    if isinstance(value, ItemError):
        return value
    if not isinstance(value, dict):
        return ItemError(number, {"event": ["Each event is a JSON object."]})
    errors = _shape_errors(value)
    if errors:
        return ItemError(number, errors)
    kind = value.get("kind")
    _choice(kind, "kind", KINDS, errors)
    occurred_at = _timestamp(value.get("occurred_at"), errors, now=now)
    event_source = source or value.get("source")
    _choice(event_source, "source", SOURCES, errors)
    direction = value.get("direction") or default_direction(kind if isinstance(kind, str) else "")
    _choice(direction, "direction", DIRECTIONS, errors)
    external_id = _text(value.get("id"), "id", errors, limit=120)
    email = _text(value.get("email"), "email", errors, limit=254).lower()
    if email and "@" not in email:
        errors["email"] = ["Not an email address."]
    contact_id = _record_id(value.get("contact"), "contact", errors)
    account_id = _record_id(value.get("account"), "account", errors)
    asset_id = _record_id(value.get("asset"), "asset", errors)
    given_domain = _text(value.get("domain"), "domain", errors, limit=253)
    domain = normalise_domain(given_domain or email.rpartition("@")[2])
    if given_domain and not domain:
        errors["domain"] = ["Not a web domain such as acme.com."]
    if not (email or contact_id or domain or account_id) and "email" not in errors:
        errors["contact"] = ["Name a contact (email or contact) or an account (domain or account)."]
    url = _text(value.get("url"), "url", errors, limit=500)
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        errors["url"] = ["Not a web address starting with http:// or https://."]
    properties = value.get("properties") or {}
    if not isinstance(properties, dict):
        errors["properties"] = ["Must be a JSON object."]
        properties = {}
    properties_json = json.dumps(properties, separators=(",", ":"))
    if len(properties_json) > MAX_PROPERTIES_BYTES:
        errors["properties"] = [f"At most {MAX_PROPERTIES_BYTES} bytes of JSON."]
    if errors:
        return ItemError(number, errors)
    return (
        number,
        kind,
        event_source,
        direction,
        occurred_at,
        url,
        asset_id,
        properties_json,
        external_id,
        email,
        contact_id,
        domain,
        bool(given_domain),
        account_id,
    )


# -- storing ------------------------------------------------------------------------------------

_RESOLVE = """
    SELECT s.*,
           COALESCE(ci.id, ce.id) AS contact_match,
           COALESCE(ci.account_id, ce.account_id, ai.id, ad.id) AS account_match,
           CASE
               WHEN s.contact_id IS NOT NULL AND ci.id IS NULL THEN 'contact'
               WHEN s.account_id IS NOT NULL AND ai.id IS NULL THEN 'account'
               WHEN s.asset_id IS NOT NULL AND asset.id IS NULL THEN 'asset'
               WHEN COALESCE(ci.id, ce.id, ai.id) IS NULL AND s.domain_given AND ad.id IS NULL
                   THEN 'domain'
               WHEN COALESCE(ci.account_id, ce.account_id, ai.id, ad.id) IS NULL THEN 'buyer'
           END AS problem
    FROM ingest_stage s
    LEFT JOIN accounts_contact ci ON ci.id = s.contact_id
    LEFT JOIN accounts_contact ce ON ce.email = s.email AND s.email <> ''
    LEFT JOIN accounts_account ai ON ai.id = s.account_id
    LEFT JOIN accounts_account ad ON ad.domain = s.domain AND s.domain <> ''
    LEFT JOIN content_asset asset ON asset.id = s.asset_id
"""

_PROBLEMS = {
    "contact": ("contact", "No contact with id {contact_id}."),
    "account": ("account", "No account with id {account_id}."),
    "asset": ("asset", "No content asset with id {asset_id}."),
    "domain": ("domain", "No account with the domain {domain}."),
    "buyer": (
        "contact",
        "Matches neither a known contact nor an account: no contact has this email and no "
        "account has its domain.",
    ),
}


def ingest(*, items: Iterable[tuple[int, Any]], source: str | None, at: datetime) -> IngestReport:
    """Check, stage and store `items` in the current transaction; `source` overrides theirs.

    Raises OversizePayload beyond `MAX_EVENTS` items and an ApplicationError for none at all:
    the caller's rollback then keeps nothing.
    """
    report = IngestReport()
    postgres = connection.vendor == "postgresql"
    seen = 0

    def rows() -> Iterator[tuple]:
        nonlocal seen
        for seen, (number, value) in enumerate(items, start=1):
            if seen > MAX_EVENTS:
                raise OversizePayload(
                    f"A request carries at most {MAX_EVENTS:,} events.",
                    fields={"body": ["Too many events: split them over several requests."]},
                )
            row = check_item(number, value, source=source, now=at)
            if isinstance(row, ItemError):
                report.errors.append(row)
            else:
                yield row

    with connection.cursor() as cursor:
        _create_stage(cursor, postgres=postgres)
        _fill_stage(cursor, rows(), postgres=postgres)
        if not seen:
            raise empty_body()
        cursor.execute("DROP TABLE IF EXISTS ingest_resolved")
        cursor.execute(f"CREATE TEMPORARY TABLE ingest_resolved AS {_RESOLVE}")
        cursor.execute(
            "SELECT item, problem, contact_id, account_id, asset_id, domain "
            "FROM ingest_resolved WHERE problem IS NOT NULL"
        )
        for number, problem, contact_id, account_id, asset_id, domain in cursor.fetchall():
            name, message = _PROBLEMS[problem]
            text = message.format(
                contact_id=contact_id, account_id=account_id, asset_id=asset_id, domain=domain
            )
            report.errors.append(ItemError(number, {name: [text]}))
        cursor.execute("SELECT COUNT(*) FROM ingest_resolved WHERE problem IS NULL")
        (good,) = cursor.fetchone()
        properties = "CAST(properties AS JSONB)" if postgres else "properties"
        cursor.execute(
            f"""INSERT INTO engagement_event (account_id, contact_id, kind, source, direction,
                                             occurred_at, received_at, url, asset_id, properties,
                                             external_id)
                SELECT account_match, contact_match, kind, source, direction, occurred_at, %s, url,
                       asset_id, {properties}, external_id
                FROM ingest_resolved WHERE problem IS NULL
                ON CONFLICT (source, external_id, occurred_at) WHERE NOT (external_id = '')
                DO NOTHING""",
            [connection.ops.adapt_datetimefield_value(at)],
        )
        report.accepted = cursor.rowcount
        report.duplicates = good - report.accepted
        if report.accepted:
            # Coalesced: an account already waiting keeps one row, its time moved forward so the
            # recompute that claims it afterwards cannot miss these events (see services). In
            # order: two batches side by side sharing accounts never wait for each other.
            cursor.execute(
                """INSERT INTO engagement_recomputerequest (account_id, requested_at)
                   SELECT DISTINCT account_match, %s FROM ingest_resolved
                   WHERE problem IS NULL ORDER BY account_match
                   ON CONFLICT (account_id) DO UPDATE SET requested_at = excluded.requested_at""",
                [connection.ops.adapt_datetimefield_value(at)],
            )
        cursor.execute("DROP TABLE ingest_resolved")
        cursor.execute("DROP TABLE ingest_stage")
    report.errors.sort(key=lambda error: error.item)
    report.rejected = len(report.errors)
    return report


def _create_stage(cursor, *, postgres: bool) -> None:
    timestamp = "TIMESTAMP WITH TIME ZONE" if postgres else "DATETIME"
    cursor.execute("DROP TABLE IF EXISTS ingest_stage")
    cursor.execute(
        f"""CREATE TEMPORARY TABLE ingest_stage (
                item INTEGER, kind VARCHAR(32), source VARCHAR(16), direction VARCHAR(6),
                occurred_at {timestamp},
                url VARCHAR(500), asset_id BIGINT, properties TEXT, external_id VARCHAR(120),
                email VARCHAR(254), contact_id BIGINT, domain VARCHAR(253), domain_given BOOLEAN,
                account_id BIGINT)"""
    )


def _fill_stage(cursor, rows: Iterator[tuple], *, postgres: bool) -> None:
    columns = ", ".join(STAGE_COLUMNS)
    if postgres:
        with cursor.copy(f"COPY ingest_stage ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    adapt = connection.ops.adapt_datetimefield_value
    insert = f"INSERT INTO ingest_stage ({columns}) VALUES ({', '.join(['%s'] * 14)})"
    while batch := list(islice(rows, SQLITE_BATCH)):
        cursor.executemany(insert, [(*row[:4], adapt(row[4]), *row[5:]) for row in batch])
