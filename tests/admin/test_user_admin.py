from django.contrib.auth.models import Group

from apps.users.models import Role, User
from tests.admin.helpers import admin_url, page_post_data


def test_list_shows_each_members_role(staff_client, marketer, sales_rep):
    response = staff_client.get(admin_url(User, "changelist"))

    html = response.content.decode()
    assert '<td class="field-roles">Marketer</td>' in html
    assert '<td class="field-roles">Sales rep</td>' in html
    assert '<td class="field-roles">Admin</td>' in html


def test_adding_a_member_sets_time_zone_and_role(staff_client):
    url = admin_url(User, "add")
    data = page_post_data(staff_client.get(url)) | {
        "username": "nina.sales",
        "usable_password": "true",
        "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42",
        "email": "nina@waymark.test",
        "time_zone": "Europe/Berlin",
        "groups": [Group.objects.get(name=Role.SALES).pk],
    }

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    nina = User.objects.get(username="nina.sales")
    assert nina.time_zone == "Europe/Berlin"
    assert list(nina.groups.values_list("name", flat=True)) == [Role.SALES]
    assert nina.check_password("a-long-pass-phrase-42")


def test_time_zone_is_editable_on_the_member_page(staff_client, sales_rep):
    url = admin_url(User, "change", sales_rep.pk)
    data = page_post_data(staff_client.get(url)) | {"time_zone": "America/Chicago"}

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    sales_rep.refresh_from_db()
    assert sales_rep.time_zone == "America/Chicago"
    assert sales_rep.groups.get().name == Role.SALES
