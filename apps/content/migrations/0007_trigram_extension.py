"""pg_trgm for "similar open requests" (`apps.content.selectors.similar_open_requests`): an
enablement request's need is matched by trigram similarity on PostgreSQL. Nothing on SQLite,
where the selector falls back to difflib."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("content", "0006_history")]

    operations = [TrigramExtension()]
