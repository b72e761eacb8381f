import pytest
from django.test import Client

ROLE_FIXTURES = ["marketer", "sales_rep", "admin_member"]


@pytest.fixture
def client_for():
    """`client_for(user)`: a test client signed in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(params=ROLE_FIXTURES)
def any_role_user(request):
    """Each of the three roles in turn: every role may read accounts and opportunities."""
    return request.getfixturevalue(request.param)
