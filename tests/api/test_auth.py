import pytest
from rest_framework.test import APIClient

from tests.api.conftest import url

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_a_user_gets_a_token_and_calls_the_api_with_it(sales_rep, world):
    response = APIClient().post(
        TOKEN_URL, {"username": sales_rep.username, "password": "waymark-pass"}
    )
    assert response.status_code == 200
    client = APIClient(headers={"Authorization": f"Token {response.json()['token']}"})
    listing = client.get(url("opportunities") + "?mine=true")
    assert listing.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [world.opportunity.pk]


def test_a_wrong_password_gets_no_token(sales_rep):
    response = APIClient().post(TOKEN_URL, {"username": sales_rep.username, "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"Authorization": "Token not-a-token"}, "Invalid token."),
    ],
)
def test_without_valid_credentials_the_api_answers_401(db, headers, detail):
    response = APIClient(headers=headers).get(url("accounts"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == detail
