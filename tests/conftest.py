import pytest
from rest_framework.test import APIClient

from apps.users.models import Role
from tests.factories import UserFactory


@pytest.fixture
def marketer(db):
    return UserFactory(username="mia.marketer", role=Role.MARKETER)


@pytest.fixture
def sales_rep(db):
    return UserFactory(username="sam.sales", role=Role.SALES)


@pytest.fixture
def other_sales_rep(db):
    return UserFactory(username="olly.sales", role=Role.SALES)


@pytest.fixture
def admin_member(db):
    """A user in the admin role (not a superuser): every permission comes from the role."""
    return UserFactory(username="ada.admin", role=Role.ADMIN)


@pytest.fixture
def api_client():
    """`api_client(user)` gives a DRF client signed in as that user (or anonymous for None)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
