"""Every login path locks a username out from an address after repeated failures (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "waymark-pass"
LIMIT = 5


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT


def login_page(client, user, password):
    return client.post("/login/", {"username": user.username, "password": password})


def admin_login(client, user, password):
    return client.post(
        "/admin/login/?next=/admin/", {"username": user.username, "password": password}
    )


def api_token(client, user, password):
    return APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": password}
    )


def signed_in(path, response) -> bool:
    if path is api_token:
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and "login" not in response["Location"]


@pytest.mark.parametrize("path", [login_page, admin_login, api_token])
def test_repeated_failures_lock_the_username_out_even_with_the_right_password(client, path):
    user = UserFactory(username="target", password=PASSWORD, is_staff=True, is_superuser=True)
    for _ in range(LIMIT - 1):
        assert path(client, user, "wrong").status_code in {200, 400}

    locked = path(client, user, "wrong")
    right_password = path(client, user, PASSWORD)

    for response in (locked, right_password):
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
    assert not signed_in(path, right_password)
    message = "Too many failed logins: this username is locked for 15 minutes"
    if path is api_token:
        assert right_password.json()["detail"].startswith(message)
    else:
        assert message in right_password.content.decode()

    call_command("axes_reset_username", "target")
    assert signed_in(path, path(client, user, PASSWORD))


def test_the_lock_is_per_username_and_address(client):
    user = UserFactory(username="target", password=PASSWORD)
    other = UserFactory(username="colleague", password=PASSWORD)
    for _ in range(LIMIT):
        login_page(client, user, "wrong")

    assert login_page(client, other, PASSWORD).status_code == 302
    elsewhere = client.post(
        "/login/", {"username": "target", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )
    assert elsewhere.status_code == 302


def test_the_lock_expires_after_the_cool_off(client, settings):
    user = UserFactory(username="target", password=PASSWORD)
    for _ in range(LIMIT):
        login_page(client, user, "wrong")
    assert login_page(client, user, PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time="2000-01-01T00:00:00Z")

    assert login_page(client, user, PASSWORD).status_code == 302
