"""API throttles: per signed-in user, per anonymous address, and bulk intake on its own rate."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.api.conftest import url
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min", "bulk": "5/min"},
    }
    cache.clear()
    yield
    cache.clear()


def assert_throttled(response):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"].startswith("Request was throttled.")


def test_each_user_has_their_own_allowance(api_client, marketer, sales_rep):
    client = api_client(marketer)
    assert [client.get(url("accounts")).status_code for _ in range(3)] == [200] * 3

    assert_throttled(client.get(url("accounts")))
    assert api_client(sales_rep).get(url("accounts")).status_code == 200


def test_anonymous_clients_are_throttled_by_address(sales_rep):
    def token_call(address: str):
        return APIClient().post(
            "/api/v1/auth/token/",
            {"username": sales_rep.username, "password": "waymark-pass"},
            REMOTE_ADDR=address,
        )

    assert [token_call("203.0.113.1").status_code for _ in range(2)] == [200, 200]
    assert_throttled(token_call("203.0.113.1"))
    assert token_call("203.0.113.2").status_code == 200


def test_bulk_intake_has_its_own_higher_rate(api_client):
    feed = api_client(UserFactory(is_superuser=True))
    statuses = [feed.post(url("events", action="bulk"), []).status_code for _ in range(5)]

    assert 429 not in statuses  # past the user rate of 3: the bulk scope counts instead
    assert_throttled(feed.post(url("events", action="bulk"), []))


def test_webhook_deliveries_count_per_address_on_the_bulk_rate(client):
    def deliver(address: str):
        return client.post(
            "/api/v1/webhooks/bombora/events/", b"[]", "application/json", REMOTE_ADDR=address
        )

    statuses = [deliver("203.0.113.1").status_code for _ in range(5)]

    assert 429 not in statuses  # past the anonymous rate of 2: deliveries have the bulk rate
    assert_throttled(deliver("203.0.113.1"))
    assert deliver("203.0.113.2").status_code != 429


def test_behind_a_proxy_the_address_it_saw_is_the_one_counted(sales_rep, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def token_call(client_address: str):
        return APIClient().post(
            "/api/v1/auth/token/",
            {"username": sales_rep.username, "password": "waymark-pass"},
            REMOTE_ADDR="10.0.0.1",  # the proxy, which appends the address it saw last;
            HTTP_X_FORWARDED_FOR=f"198.51.100.9, {client_address}",  # the first is made up
        )

    assert [token_call("203.0.113.1").status_code for _ in range(2)] == [200, 200]
    assert_throttled(token_call("203.0.113.1"))
    assert token_call("203.0.113.2").status_code == 200
