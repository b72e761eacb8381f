"""Global search on PostgreSQL: the pg_trgm extension and a GIN trigram index on each searched
column, so that `column %> 'query'` (apps/search/selectors.py) reads an index instead of every
row. Built CONCURRENTLY (outside a transaction) so that a big table stays writable meanwhile.
On SQLite nothing is created: search falls back to a substring scan there."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# (table, column): the names, domains and emails the search box looks in.
SEARCHED = [
    ("accounts_account", "name"),
    ("accounts_account", "domain"),
    ("accounts_contact", "first_name"),
    ("accounts_contact", "last_name"),
    ("accounts_contact", "email"),
    ("pipeline_opportunity", "name"),
    ("campaigns_campaign", "name"),
    ("content_asset", "title"),
]


def index_name(table: str, column: str) -> str:
    return f"search_{table}_{column}_trgm"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {index_name(table, column)} "
            f"ON {table} USING gin ({column} gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column in SEARCHED:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {index_name(table, column)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0008_learned_fit_and_seniority"),
        ("pipeline", "0007_history"),
        ("campaigns", "0007_kpi_not_negative"),
        ("content", "0006_history"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
