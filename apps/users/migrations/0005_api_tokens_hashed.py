"""API tokens move from Django REST framework's token table, which kept each token as it is, to
django-rest-knox's, which keeps a SHA-512 digest: every token keeps working until it expires,
and the plain copies go with the old table (and its content types and permissions)."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations

OLD_TABLE = "authtoken_token"


def hash_the_tokens(apps, schema_editor):
    from knox.crypto import hash_token  # the digest knox checks a token against
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return  # a database that never had DRF's tokens
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")
        old = cursor.fetchall()
    ttl = timedelta(days=settings.API_TOKEN_TTL_DAYS)
    with connection.cursor() as cursor:
        # SQL rather than the model: `created` is set on create, and this keeps when each was issued.
        cursor.executemany(
            "INSERT INTO knox_authtoken (digest, token_key, user_id, created, expiry)"
            " VALUES (%s, %s, %s, %s, %s)",
            [
                (
                    hash_token(key),
                    key[: CONSTANTS.TOKEN_KEY_LENGTH],
                    user_id,
                    created,
                    created + ttl,
                )
                for key, user_id, created in old
            ],
        )
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")
    apps.get_model("contenttypes", "ContentType").objects.filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0004_sales_manager_role"),
        ("knox", "0009_extend_authtoken_field"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    # The digests cannot be turned back into tokens.
    operations = [migrations.RunPython(hash_the_tokens, migrations.RunPython.noop)]
