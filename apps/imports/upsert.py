"""Set-based upsert of checked rows: staging table → matched rows → one write per kind of change.

The checked rows of a run go into a temporary staging table (COPY on PostgreSQL, executemany
on SQLite), a chunk at a time. One statement then matches every row to the record it names
(by the source CRM's id, else by the natural key: an account's domain, a contact's email, a
deal's name within its account) and finds what only the database can tell (the same key twice
in the file, a key that names two records, an account that does not exist). Then, for the
rows without a problem:

- the values each changed record had are saved for undo (`ImportChange.previous`, as JSON);
- the changed records are updated in one `UPDATE … FROM`, only where a value differs;
- the new records are inserted in one `INSERT … SELECT`, their ids kept for undo.

An empty cell keeps what Waymark has (`COALESCE(new, old)`); a deal moving stage goes through
its stage history as `opportunity_move_stage` does, set-based. SQL runs on both PostgreSQL and
SQLite (3.35+: `RETURNING`, `UPDATE … FROM`, `IS DISTINCT FROM`).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from django.apps import apps
from django.db import connection

from apps.imports.fields import STAGE_COLUMNS
from apps.imports.models import RecordKind

SQLITE_BATCH = 1_000

_SQL_TYPES = {
    "postgresql": {"timestamp": "TIMESTAMP WITH TIME ZONE"},
    "sqlite": {"boolean": "INTEGER", "date": "TEXT", "timestamp": "TEXT", "numeric": "NUMERIC"},
}


@dataclass
class Outcome:
    creates: int = 0
    updates: int = 0
    unchanged: int = 0
    # Accounts whose scores the write may change: new or moved people, new personas or roles,
    # new tiers or fit (a new title alone changes no score).
    rescore: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Problem:
    item: int
    field: str
    value: Any
    message: str


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# -- staging ----------------------------------------------------------------------------------


def stage_create(kind: str) -> None:
    types = _SQL_TYPES.get(connection.vendor, {})
    columns = ", ".join(
        f"{name} {types.get(sql, sql.upper())}" for name, sql in STAGE_COLUMNS[kind]
    )
    with connection.cursor() as cursor:
        stage_drop(cursor)
        cursor.execute(f"CREATE TEMPORARY TABLE import_stage ({columns})")


def stage_drop(cursor=None) -> None:
    def drop(cursor) -> None:
        for table in ("import_stage", "import_resolved", "import_created"):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    if cursor is not None:
        drop(cursor)
        return
    with connection.cursor() as cursor:
        drop(cursor)


def stage_rows(kind: str, rows: Iterable[tuple]) -> None:
    """Append checked rows to the staging table, in one COPY (or executemany batches)."""
    names = [name for name, _ in STAGE_COLUMNS[kind]]
    columns = ", ".join(names)
    with connection.cursor() as cursor:
        if _postgres():
            with cursor.copy(f"COPY import_stage ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        insert = f"INSERT INTO import_stage ({columns}) VALUES ({', '.join(['%s'] * len(names))})"
        iterator = iter(rows)
        while batch := list(islice(iterator, SQLITE_BATCH)):
            cursor.executemany(insert, [tuple(map(_sqlite_value, row)) for row in batch])


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


# -- matching ---------------------------------------------------------------------------------

_DUPLICATES = """
    CASE WHEN s.external_id IS NOT NULL
         THEN MIN(s.item) OVER (PARTITION BY s.external_source, s.external_id) END AS first_ext,
    CASE WHEN {key} IS NOT NULL THEN MIN(s.item) OVER (PARTITION BY {partition}) END AS first_key
"""


def _by_external(table: str, alias: str) -> str:
    return (
        f"LEFT JOIN {table} {alias} ON {alias}.external_source = s.external_source "
        f"AND {alias}.external_id = s.external_id AND {alias}.external_id <> ''"
    )


def _named_account(*, by_name: bool) -> tuple[str, str]:
    """Joins finding the account a row names (its id in the source, domain or unique name)."""
    joins = (
        "LEFT JOIN accounts_account ax ON ax.external_source = s.external_source "
        "AND ax.external_id = s.account_external_id AND ax.external_id <> '' "
        "LEFT JOIN accounts_account ad ON ad.domain = s.account_domain "
    )
    if by_name:
        # A name only counts when one account has it: a guess would file people wrongly.
        joins += (
            "LEFT JOIN (SELECT LOWER(name) AS lname, MIN(id) AS id FROM accounts_account "
            "GROUP BY LOWER(name) HAVING COUNT(*) = 1) an ON an.lname = LOWER(s.account_name) "
        )
        return joins, "COALESCE(ax.id, ad.id, an.id)"
    return joins, "COALESCE(ax.id, ad.id)"


_NAMES_ACCOUNT = (
    "s.account_external_id IS NOT NULL OR s.account_domain IS NOT NULL "
    "OR s.account_name IS NOT NULL"
)


_DEAL_KEY = "(CASE WHEN s.name IS NOT NULL THEN k.account_named END)"


def _resolve_sql(kind: str, *, by_name: bool) -> str:
    """SELECT of the staging rows with `target_id` (the record matched, if any), the matches
    the checks need, and `problem`: NULL for a row to write, else a code (`PROBLEMS`)."""
    conflict = (
        "WHEN m.by_external IS NOT NULL AND m.by_key IS NOT NULL "
        "AND m.by_external <> m.by_key THEN 'key_conflict'"
    )
    duplicates = (
        "WHEN m.first_ext < m.item THEN 'dup_external_id' WHEN m.first_key < m.item THEN 'dup_key' "
    )
    new = "COALESCE(m.by_external, m.by_key) IS NULL"
    if kind == RecordKind.ACCOUNTS:
        return f"""
            SELECT m.*, COALESCE(m.by_external, m.by_key) AS target_id,
                   CASE {duplicates} {conflict}
                        WHEN {new} AND m.domain IS NULL THEN 'new_needs_domain'
                        WHEN {new} AND m.name IS NULL THEN 'new_needs_name'
                   END AS problem
            FROM (SELECT s.*, x.id AS by_external, k.id AS by_key,
                         {_DUPLICATES.format(key="s.domain", partition="s.domain")}
                  FROM import_stage s
                  {_by_external("accounts_account", "x")}
                  LEFT JOIN accounts_account k ON k.domain = s.domain) m"""
    joins, named = _named_account(by_name=by_name)
    if kind == RecordKind.CONTACTS:
        return f"""
            SELECT m.*, COALESCE(m.by_external, m.by_key) AS target_id,
                   CASE {duplicates} {conflict}
                        WHEN m.names_account AND m.account_named IS NULL THEN 'account_unknown'
                        WHEN {new} AND m.email IS NULL THEN 'new_needs_email'
                        WHEN {new} AND m.first_name IS NULL THEN 'new_needs_first_name'
                        WHEN {new} AND m.last_name IS NULL THEN 'new_needs_last_name'
                        WHEN {new} AND m.account_by_email IS NULL
                             AND m.account_named IS NULL THEN 'new_needs_account'
                   END AS problem
            FROM (SELECT s.*, x.id AS by_external, k.id AS by_key,
                         {named} AS account_named, ae.id AS account_by_email,
                         ({_NAMES_ACCOUNT}) AS names_account,
                         {_DUPLICATES.format(key="s.email", partition="s.email")}
                  FROM import_stage s
                  {_by_external("accounts_contact", "x")}
                  LEFT JOIN accounts_contact k ON k.email = s.email
                  {joins}
                  LEFT JOIN accounts_account ae ON ae.domain = s.email_domain) m"""
    # A deal has no natural key of its own: its name within its account stands in for one.
    return f"""
        SELECT m.*, t.stage_id AS current_stage_id, t.stage_entered_at AS current_entered_at,
               ps.outcome <> 'open' AS stage_closed,
               CASE WHEN t.id IS NOT NULL AND m.stage_id <> t.stage_id
                    THEN COALESCE(m.stage_entered_at, %(at)s) END AS moved_at,
               CASE {duplicates} {conflict}
                    WHEN m.names_account AND m.account_named IS NULL THEN 'account_unknown'
                    WHEN m.same_name > 1 THEN 'ambiguous_name'
                    WHEN {new} AND m.name IS NULL THEN 'new_needs_name'
                    WHEN {new} AND m.account_named IS NULL THEN 'new_needs_account'
                    WHEN {new} AND m.stage_id IS NULL THEN 'new_needs_stage'
                    WHEN {new} AND COALESCE(m.owner_id, %(user)s) IS NULL THEN 'new_needs_owner'
                    WHEN t.id IS NOT NULL AND m.stage_id <> t.stage_id
                         AND COALESCE(m.stage_entered_at, %(at)s) < t.stage_entered_at
                         THEN 'move_before_entry'
               END AS problem
        FROM (SELECT k.*, COALESCE(k.by_external, k.by_key) AS target_id,
                     {_DUPLICATES.format(key=_DEAL_KEY, partition="k.account_named, s.name")}
              FROM (SELECT s.*, x.id AS by_external, {named} AS account_named,
                           ({_NAMES_ACCOUNT}) AS names_account,
                           (SELECT MIN(o.id) FROM pipeline_opportunity o
                            WHERE o.account_id = {named} AND o.name = s.name) AS by_key,
                           (SELECT COUNT(*) FROM pipeline_opportunity o
                            WHERE o.account_id = {named} AND o.name = s.name) AS same_name
                    FROM import_stage s
                    {_by_external("pipeline_opportunity", "x")}
                    {joins}) k
              JOIN import_stage s ON s.item = k.item) m
        LEFT JOIN pipeline_opportunity t ON t.id = m.target_id
        LEFT JOIN pipeline_pipelinestage ps ON ps.id = COALESCE(m.stage_id, t.stage_id)"""


# Problem code → (field it concerns, message). `{first}` is the row that had the key first.
PROBLEMS = {
    "dup_external_id": ("external_id", "Same external id as row {first}; only that row counts."),
    "dup_key": ("", "Same {key} as row {first}; only that row counts."),
    "key_conflict": ("external_id", "This external id and the {key} name two different records."),
    "account_unknown": ("account_domain", "No account in Waymark matches this account."),
    "ambiguous_name": ("name", "Several deals of this account have this name: add external ids."),
    "new_needs_domain": ("domain", "Required for a new account."),
    "new_needs_name": ("name", "Required for a new record."),
    "new_needs_email": ("email", "Required for a new contact."),
    "new_needs_first_name": ("first_name", "Required for a new contact."),
    "new_needs_last_name": ("last_name", "Required for a new contact."),
    "new_needs_account": ("account_domain", "No account matches: name one, or import it first."),
    "new_needs_stage": ("stage", "Required for a new deal."),
    "new_needs_owner": ("owner_email", "Required for a new deal."),
    "move_before_entry": (
        "stage_entered_at",
        "The stage change predates the day the deal entered its current stage.",
    ),
}
_KEYS = {
    RecordKind.ACCOUNTS: "domain",
    RecordKind.CONTACTS: "email",
    RecordKind.OPPORTUNITIES: "name",
}
_ACCOUNT_COLUMNS = ("account_external_id", "account_domain", "account_name")


def resolve(kind: str, *, at: datetime, user_id: int | None, by_name: bool) -> list[Problem]:
    """Match the staged rows (table `import_resolved`); returns the problems found."""
    params = {"at": _param(at), "user": user_id}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_resolved")
        cursor.execute(
            f"CREATE TEMPORARY TABLE import_resolved AS {_resolve_sql(kind, by_name=by_name)}",
            params if kind == RecordKind.OPPORTUNITIES else None,
        )
        cursor.execute("SELECT * FROM import_resolved WHERE problem IS NOT NULL ORDER BY item")
        names = [column[0] for column in cursor.description]
        problems = [_problem(kind, dict(zip(names, row, strict=True))) for row in cursor]
    return problems


def _problem(kind: str, row: dict[str, Any]) -> Problem:
    code = row["problem"]
    key = _KEYS[kind]
    field, message = PROBLEMS[code]
    if code == "dup_key":
        field = key
    if code == "account_unknown":
        field = next(name for name in _ACCOUNT_COLUMNS if row.get(name) is not None)
    first = row["first_ext"] if code == "dup_external_id" else row["first_key"]
    return Problem(row["item"], field, row.get(field), message.format(first=first, key=key))


# -- writing ----------------------------------------------------------------------------------


def _fill_id(column: str) -> str:
    """A record keeps the outside id it has; an import fills it in only where it is empty."""
    return (
        f"CASE WHEN t.external_id = '' AND s.external_id IS NOT NULL "
        f"THEN s.{column} ELSE t.{column} END"
    )


# A subdivision comes with its country (`fields`): a new country without one clears the old.
_place = {
    "country": ("COALESCE(s.country, t.country)", "COALESCE(s.country, '')"),
    "subdivision": (
        "CASE WHEN s.country IS NULL THEN t.subdivision ELSE COALESCE(s.subdivision, '') END",
        "COALESCE(s.subdivision, '')",
    ),
}


# Per kind: column → (value on update, value on insert). `s` is the matched row, `t` the record.
def _columns(kind: str) -> dict[str, tuple[str, str]]:
    def kept(column: str, default: str) -> tuple[str, str]:
        return f"COALESCE(s.{column}, t.{column})", f"COALESCE(s.{column}, {default})"

    external = {
        "external_source": (
            _fill_id("external_source"),
            "CASE WHEN s.external_id IS NOT NULL THEN s.external_source ELSE '' END",
        ),
        "external_id": (_fill_id("external_id"), "COALESCE(s.external_id, '')"),
    }
    if kind == RecordKind.ACCOUNTS:
        return {
            "name": kept("name", "''"),
            "domain": kept("domain", "''"),
            "industry": kept("industry", "''"),
            "region": kept("region", "''"),
            **_place,
            "employee_count": kept("employee_count", "NULL"),
            "annual_revenue": kept("annual_revenue", "NULL"),
            "tier": kept("tier", "3"),
            "is_target": kept("is_target", "FALSE"),
            "fit_score": kept("fit_score", "0"),
            # A fit score in the file is set by hand, unless it is the one already there.
            "fit_source": (
                "CASE WHEN s.fit_score IS NOT NULL AND s.fit_score <> t.fit_score "
                "THEN 'manual' ELSE t.fit_source END",
                "CASE WHEN s.fit_score IS NOT NULL THEN 'manual' ELSE 'learned' END",
            ),
            "owner_id": kept("owner_id", "NULL"),
            **external,
        }
    if kind == RecordKind.CONTACTS:
        return {
            "email": kept("email", "''"),
            "first_name": kept("first_name", "''"),
            "last_name": kept("last_name", "''"),
            "title": kept("title", "''"),
            "account_id": (
                "COALESCE(s.account_named, t.account_id)",
                "COALESCE(s.account_named, s.account_by_email)",
            ),
            # Title rules fill in a persona and a role, and a seniority, only where the
            # contact has none.
            "persona_id": (
                "COALESCE(s.persona_id, t.persona_id, s.rule_persona_id)",
                "COALESCE(s.persona_id, s.rule_persona_id)",
            ),
            "buying_role": (
                "COALESCE(s.buying_role, NULLIF(t.buying_role, ''), s.rule_role, '')",
                "COALESCE(s.buying_role, s.rule_role, '')",
            ),
            "seniority": (
                "COALESCE(s.seniority, NULLIF(t.seniority, ''), s.rule_seniority, '')",
                "COALESCE(s.seniority, s.rule_seniority, '')",
            ),
            "consent": kept("consent", "'unknown'"),
            "time_zone": kept("time_zone", "'UTC'"),
            **_place,
            **external,
        }
    moved = "s.moved_at IS NOT NULL"
    return {
        "name": kept("name", "''"),
        "account_id": ("COALESCE(s.account_named, t.account_id)", "s.account_named"),
        "owner_id": kept("owner_id", "%(user)s"),
        "stage_id": kept("stage_id", "NULL"),
        "amount": kept("amount", "0"),
        "currency": kept("currency", "'USD'"),
        "expected_close_date": kept("expected_close_date", "NULL"),
        "stage_entered_at": (
            "COALESCE(s.moved_at, t.stage_entered_at)",
            "COALESCE(s.stage_entered_at, %(at)s)",
        ),
        "closed_at": (
            f"CASE WHEN {moved} THEN (CASE WHEN s.stage_closed THEN s.moved_at END) "
            "ELSE t.closed_at END",
            "CASE WHEN s.stage_closed THEN COALESCE(s.stage_entered_at, %(at)s) END",
        ),
        # The CRM's own creation date where the file has one (created now otherwise).
        "created_at": ("COALESCE(s.created_at, t.created_at)", "COALESCE(s.created_at, %(at)s)"),
        # A move is activity: whatever stall the deal was in ends with it.
        "stalled_since": (f"CASE WHEN {moved} THEN NULL ELSE t.stalled_since END", "NULL"),
        "stall_reason": (f"CASE WHEN {moved} THEN '' ELSE t.stall_reason END", "''"),
        **external,
    }


TABLES = {
    RecordKind.ACCOUNTS: "accounts_account",
    RecordKind.CONTACTS: "accounts_contact",
    RecordKind.OPPORTUNITIES: "pipeline_opportunity",
}


MODELS = {
    RecordKind.ACCOUNTS: "accounts.Account",
    RecordKind.CONTACTS: "accounts.Contact",
    RecordKind.OPPORTUNITIES: "pipeline.Opportunity",
}


def _json_object(pairs: Iterable[str]) -> str:
    function = "jsonb_build_object" if _postgres() else "json_object"
    arguments = ", ".join(f"'{name}', t.{name}" for name in pairs)
    return f"{function}({arguments})"


def _param(value: datetime) -> Any:
    return value if _postgres() else connection.ops.adapt_datetimefield_value(value)


def write(kind: str, *, run_id: int, at: datetime, user_id: int | None, note: str) -> Outcome:
    """Write the matched rows without a problem; each change is kept in `ImportChange`."""
    table = TABLES[kind]
    columns = _columns(kind)
    params = {"at": _param(at), "user": user_id, "run": run_id, "kind": str(kind), "note": note}
    changed = " OR ".join(
        f"({new}) IS DISTINCT FROM t.{name}" for name, (new, _) in columns.items()
    )
    matched = f"FROM import_resolved s JOIN {table} t ON t.id = s.target_id WHERE s.problem IS NULL"
    outcome = Outcome()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO imports_importchange (run_id, record_kind, record_id, action, previous)
                SELECT %(run)s, %(kind)s, t.id, 'updated',
                       {_json_object([*columns, "updated_at"])}
                {matched} AND ({changed})""",
            params,
        )
        if kind == RecordKind.OPPORTUNITIES:
            _move_stages(cursor, params)
        else:
            outcome.rescore = _rescored(cursor, kind, columns, matched, params)
        assignments = ", ".join(f"{name} = {new}" for name, (new, _) in columns.items())
        cursor.execute(
            f"""UPDATE {table} AS t SET {assignments}, updated_at = %(at)s
                FROM import_resolved s
                WHERE t.id = s.target_id AND s.problem IS NULL AND ({changed})""",
            params,
        )
        outcome.updates = cursor.rowcount
        cursor.execute(
            "SELECT COUNT(*) FROM import_resolved WHERE problem IS NULL AND target_id IS NOT NULL"
        )
        outcome.unchanged = cursor.fetchone()[0] - outcome.updates
        outcome.creates = _insert(cursor, kind, columns, params)
        cursor.execute(
            """INSERT INTO imports_importchange (run_id, record_kind, record_id, action, previous)
               SELECT %(run)s, %(kind)s, id, 'created', NULL FROM import_created""",
            params,
        )
        if kind != RecordKind.OPPORTUNITIES:
            account = "id" if kind == RecordKind.ACCOUNTS else "account_id"
            cursor.execute(
                f"SELECT DISTINCT {account} FROM {table} "
                "WHERE id IN (SELECT id FROM import_created)"
            )
            outcome.rescore.update(row[0] for row in cursor.fetchall())
        _record_history(cursor, kind, ids=_UPDATED, history_type="~", params=params)
        _record_history(
            cursor, kind, ids="SELECT id FROM import_created", history_type="+", params=params
        )
        if kind == RecordKind.OPPORTUNITIES:
            cursor.execute(
                """INSERT INTO pipeline_stagechange
                       (opportunity_id, stage_id, entered_at, changed_by_id, note)
                   SELECT o.id, o.stage_id, o.stage_entered_at, %(user)s, %(note)s
                   FROM pipeline_opportunity o JOIN import_created c ON c.id = o.id""",
                params,
            )
    return outcome


_SCORED = {
    RecordKind.ACCOUNTS: ("tier", "is_target", "fit_score"),
    RecordKind.CONTACTS: ("account_id", "persona_id", "buying_role"),
}


def _rescored(cursor, kind: str, columns: dict, matched: str, params: dict) -> set[int]:
    """The accounts of updated records whose scored values change (a contact moving account
    counts for both accounts)."""
    changed = " OR ".join(
        f"({columns[name][0]}) IS DISTINCT FROM t.{name}" for name in _SCORED[kind]
    )
    if kind == RecordKind.ACCOUNTS:
        accounts = "SELECT t.id"
    else:
        accounts = (
            f"SELECT t.account_id {matched} AND ({changed}) UNION SELECT {columns['account_id'][0]}"
        )
    cursor.execute(f"{accounts} {matched} AND ({changed})", params)
    return {row[0] for row in cursor.fetchall()}


_UPDATED = (
    "SELECT record_id FROM imports_importchange WHERE run_id = %(run)s AND action = 'updated'"
)


def _record_history(cursor, kind: str, *, ids: str, history_type: str, params: dict) -> None:
    """The audit trail of the records `ids` selects, as they now are: one `INSERT … SELECT`
    into their historical table (simple-history cannot see raw SQL), path `import`, by the
    run's user (`%(user)s`), the run named as the reason (`%(note)s`)."""
    history = apps.get_model(MODELS[kind]).history.model
    columns = ", ".join(f.column for f in history.tracked_fields)
    cursor.execute(
        f"""INSERT INTO {history._meta.db_table} ({columns}, history_date, history_type,
                history_change_reason, history_user_id, path)
            SELECT {columns}, %(at)s, '{history_type}', %(note)s, %(user)s, 'import'
            FROM {TABLES[kind]} WHERE id IN ({ids})""",
        params,
    )


def _insert(cursor, kind: str, columns: dict[str, tuple[str, str]], params: dict) -> int:
    """Insert the new records; their ids land in `import_created`. Returns how many."""
    # `created_at` is the import's moment unless the kind takes it from the file.
    created = {} if "created_at" in columns else {"created_at": (None, "%(at)s")}
    names = ", ".join([*columns, *created, "updated_at"])
    values = ", ".join([*(new for _, new in (columns | created).values()), "%(at)s"])
    insert = f"""INSERT INTO {TABLES[kind]} ({names})
                 SELECT {values} FROM import_resolved s
                 WHERE s.problem IS NULL AND s.target_id IS NULL ORDER BY s.item
                 RETURNING id"""
    cursor.execute("DROP TABLE IF EXISTS import_created")
    cursor.execute("CREATE TEMPORARY TABLE import_created (id BIGINT)")
    if _postgres():
        cursor.execute(
            f"WITH created AS ({insert}) INSERT INTO import_created SELECT id FROM created",
            params,
        )
        return cursor.rowcount
    cursor.execute(insert, params)
    ids = cursor.fetchall()
    cursor.executemany("INSERT INTO import_created (id) VALUES (%s)", ids)
    return len(ids)


def _move_stages(cursor, params: dict) -> None:
    """Deals whose stage changes leave their current stay and enter the next one."""
    moving = "s.problem IS NULL AND s.moved_at IS NOT NULL"
    cursor.execute(
        f"""UPDATE pipeline_stagechange SET exited_at = s.moved_at FROM import_resolved s
            WHERE pipeline_stagechange.opportunity_id = s.target_id AND {moving}
              AND pipeline_stagechange.exited_at IS NULL"""
    )
    cursor.execute(
        f"""INSERT INTO pipeline_stagechange
                (opportunity_id, stage_id, from_stage_id, entered_at, changed_by_id, note)
            SELECT s.target_id, s.stage_id, s.current_stage_id, s.moved_at, %(user)s, %(note)s
            FROM import_resolved s WHERE {moving}""",
        params,
    )
    cursor.execute(
        f"""UPDATE pipeline_opportunitystall SET ended_at = s.moved_at FROM import_resolved s
            WHERE pipeline_opportunitystall.opportunity_id = s.target_id AND {moving}
              AND pipeline_opportunitystall.ended_at IS NULL"""
    )


def changed_account_ids(kind: str, *, run_id: int) -> Iterator[int]:
    """The accounts a committed run wrote (its accounts, or its contacts'), for undo."""
    if kind == RecordKind.OPPORTUNITIES:
        return iter(())
    sql = "SELECT record_id FROM imports_importchange WHERE run_id = %s"
    if kind == RecordKind.CONTACTS:
        sql = f"SELECT DISTINCT account_id FROM accounts_contact WHERE id IN ({sql})"
    with connection.cursor() as cursor:
        cursor.execute(sql, [run_id])
        return iter([row[0] for row in cursor.fetchall()])


# -- undo -------------------------------------------------------------------------------------


def restore(kind: str, *, run_id: int, note: str, at: datetime, user_id: int | None) -> None:
    """Put back the values the run's updates replaced (kept as JSON in `ImportChange`), each
    restored record's trail saying so."""
    table = TABLES[kind]
    fields = {f.column: f for f in apps.get_model(MODELS[kind])._meta.concrete_fields}
    names = [*_columns(kind), "updated_at"]
    if _postgres():
        values = [
            f"{name} = CAST(c.previous ->> '{name}' AS {fields[name].db_type(connection)})"
            for name in names
        ]
    else:
        values = [f"{name} = json_extract(c.previous, '$.{name}')" for name in names]
    changes = "c.run_id = %(run)s AND c.action = 'updated' AND c.record_id = t.id"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS t SET {', '.join(values)} FROM imports_importchange c "
            f"WHERE {changes}",
            {"run": run_id},
        )
        params = {"run": run_id, "at": _param(at), "user": user_id, "note": f"Undo of {note}"}
        _record_history(cursor, kind, ids=_UPDATED, history_type="~", params=params)
        if kind != RecordKind.OPPORTUNITIES:
            return
        # The stays the import opened go; the ones it closed, and the stalls it ended, reopen.
        moved = (
            "SELECT opportunity_id FROM pipeline_stagechange WHERE note = %(note)s "
            "AND from_stage_id IS NOT NULL"
        )
        params = {"run": run_id, "note": note}
        cursor.execute(f"CREATE TEMPORARY TABLE import_moved AS {moved}", params)
        cursor.execute("DELETE FROM pipeline_stagechange WHERE note = %(note)s", params)
        cursor.execute(
            """UPDATE pipeline_stagechange SET exited_at = NULL WHERE id IN (
                   SELECT sc.id FROM pipeline_stagechange sc
                   JOIN pipeline_opportunity o ON o.id = sc.opportunity_id
                   WHERE o.id IN (SELECT opportunity_id FROM import_moved)
                     AND sc.stage_id = o.stage_id AND sc.entered_at = o.stage_entered_at)"""
        )
        cursor.execute(
            """UPDATE pipeline_opportunitystall SET ended_at = NULL WHERE id IN (
                   SELECT st.id FROM pipeline_opportunitystall st
                   JOIN pipeline_opportunity o ON o.id = st.opportunity_id
                   WHERE o.id IN (SELECT opportunity_id FROM import_moved)
                     AND st.started_at = o.stalled_since)"""
        )
        cursor.execute("DROP TABLE import_moved")
