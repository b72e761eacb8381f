import pytest
from django.urls import reverse

from apps.users.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("member", ["sales_rep", "marketer"])
def test_members_without_staff_status_are_sent_to_the_admin_login(client, request, member):
    client.force_login(request.getfixturevalue(member))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_sales_rep_cannot_open_an_admin_page_either(client, sales_rep):
    client.force_login(sales_rep)

    response = client.get(reverse("admin:accounts_account_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_member_opens_the_admin_with_every_app(staff_client):
    response = staff_client.get("/admin/")

    assert response.status_code == 200
    shown = {app["app_label"] for app in response.context["app_list"]}
    assert {"accounts", "pipeline", "engagement", "nurture", "users"} <= shown
    assert User.objects.get(username="ada.admin").is_superuser is False
