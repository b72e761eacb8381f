"""API tokens expire after API_TOKEN_TTL_DAYS and can be revoked by their user or an admin."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
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


def age(key: str, days: int) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=days))


def test_a_token_says_when_it_expires_and_is_refused_after(sales_rep, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    issued = obtain(sales_rep)
    token = Token.objects.get(key=issued["token"])
    assert issued["expires_at"] == (token.created + timedelta(days=30)).isoformat().replace(
        "+00:00", "Z"
    )

    age(issued["token"], 29)
    assert with_token(issued["token"]).get(url("accounts")).status_code == 200
    age(issued["token"], 30)
    response = with_token(issued["token"]).get(url("accounts"))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"].startswith("Token has expired")


def test_the_token_endpoint_replaces_an_expired_token_and_keeps_a_live_one(sales_rep):
    first = obtain(sales_rep)["token"]
    assert obtain(sales_rep)["token"] == first

    age(first, 31)
    fresh = obtain(sales_rep)["token"]

    assert fresh != first
    assert list(Token.objects.values_list("key", flat=True)) == [fresh]
    assert with_token(fresh).get(url("accounts")).status_code == 200


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
