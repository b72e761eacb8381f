"""API tokens (django-rest-knox): as many as a user asks for, each shown once and kept only as a
digest, refused once API_TOKEN_TTL_DAYS old, revoked by their user or an admin."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.users.models import User
from tests.admin.helpers import admin_url
from tests.api.conftest import url

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def obtain(user) -> dict:
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": "waymark-pass"})
    assert response.status_code == 200
    return response.json()


def with_token(key: str) -> APIClient:
    return APIClient(headers={"Authorization": f"Token {key}"})


def stored(key: str) -> AuthToken:
    return AuthToken.objects.get(token_key=key[:15])


def age(key: str, days: int) -> None:
    issued = timezone.now() - timedelta(days=days)
    AuthToken.objects.filter(pk=stored(key).pk).update(
        created=issued, expiry=issued + timedelta(days=30)
    )


def test_a_token_says_when_it_expires_and_is_refused_after(sales_rep, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    issued = obtain(sales_rep)
    token = stored(issued["token"])
    assert issued["expires_at"] == token.expiry.isoformat().replace("+00:00", "Z")
    assert abs(token.expiry - token.created - timedelta(days=30)) < timedelta(seconds=1)

    age(issued["token"], 29)
    assert with_token(issued["token"]).get(url("accounts")).status_code == 200
    age(issued["token"], 30)
    response = with_token(issued["token"]).get(url("accounts"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"].startswith("Token has expired")


def test_the_database_keeps_a_digest_not_the_token(sales_rep):
    token = obtain(sales_rep)["token"]

    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        ((digest, prefix),) = cursor.fetchall()
    assert token not in digest and len(digest) == 128 and prefix == token[:15]
    # A token that shares its first characters but not the rest opens nothing.
    assert with_token(token[:15] + "0" * (len(token) - 15)).get(url("accounts")).status_code == 401


def test_each_request_for_a_token_gives_a_new_one_and_the_others_keep_working(sales_rep):
    first = obtain(sales_rep)["token"]
    second = obtain(sales_rep)["token"]

    assert first != second
    for token in (first, second):
        assert with_token(token).get(url("accounts")).status_code == 200

    age(first, 31)
    third = obtain(sales_rep)["token"]

    # The expired one is gone; the live ones stay.
    assert AuthToken.objects.filter(user=sales_rep).count() == 2
    assert with_token(third).get(url("accounts")).status_code == 200
    assert with_token(first).get(url("accounts")).status_code == 401


def test_a_user_revokes_their_own_token(sales_rep, other_sales_rep):
    mine, theirs = obtain(sales_rep)["token"], obtain(other_sales_rep)["token"]

    assert with_token(mine).post("/api/v1/auth/token/revoke/").status_code == 204

    assert with_token(mine).get(url("accounts")).status_code == 401
    assert with_token(theirs).get(url("accounts")).status_code == 200


def test_revoking_needs_a_signed_in_caller(db):
    response = APIClient().post("/api/v1/auth/token/revoke/")
    assert response.status_code == 401


def test_an_admin_revokes_tokens_from_the_user_list(staff_client, sales_rep, other_sales_rep):
    mine, theirs = obtain(sales_rep)["token"], obtain(other_sales_rep)["token"]

    response = staff_client.post(
        admin_url(User, "changelist"),
        {"action": "revoke_api_tokens", "_selected_action": [sales_rep.pk]},
        follow=True,
    )

    assert "1 API token(s) revoked." in response.content.decode()
    assert with_token(mine).get(url("accounts")).status_code == 401
    assert with_token(theirs).get(url("accounts")).status_code == 200


def test_a_username_longer_than_any_is_refused_naming_the_field(db):
    response = APIClient().post(
        TOKEN_URL, {"username": "x" * 300, "password": "secret"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["username"]


def test_tokens_issued_before_they_were_hashed_keep_working_and_their_plain_copies_go(sales_rep):
    """The migration (users 0005) from DRF's token table, which kept each token as it is."""
    old_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # as DRF made them: 40 hex digits
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz,"
            " user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, now() - interval '2 days', %s)",
            [old_key, sales_rep.pk],
        )
    migration = importlib.import_module("apps.users.migrations.0005_api_tokens_hashed")

    with connection.schema_editor() as editor:
        migration.hash_the_tokens(apps, editor)

    assert "authtoken_token" not in connection.introspection.table_names()
    token = stored(old_key)
    assert old_key not in token.digest
    assert timedelta(days=27) < token.expiry - timezone.now() < timedelta(days=29)
    assert with_token(old_key).get(url("accounts")).status_code == 200
