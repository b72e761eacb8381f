import pytest


@pytest.fixture
def staff_client(client, admin_member):
    """A browser signed in as an admin-role member: staff, but not a superuser."""
    client.force_login(admin_member)
    return client
