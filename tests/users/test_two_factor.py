"""With ADMIN_REQUIRE_2FA on, Django admin wants a code from the staff member's authenticator
app after the password; one without an app is sent to set one up."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.admin_site import SETUP_HINT
from apps.users.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "waymark-pass"


@pytest.fixture
def required(settings):
    settings.ADMIN_REQUIRE_2FA = True


@pytest.fixture
def staff():
    return UserFactory(username="ada.admin", role=Role.ADMIN, is_staff=True)


def code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def admin_login(client, user, **extra):
    data = {"username": user.username, "password": PASSWORD, **extra}
    return client.post("/admin/login/?next=/admin/", data)


def test_a_staff_member_with_an_app_gets_in_after_the_code_step(client, required, staff):
    device = TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)

    without_code = admin_login(client, staff)
    assert without_code.status_code == 200
    assert client.get("/admin/").status_code == 302

    wrong = admin_login(client, staff, otp_device=device.persistent_id, otp_token="000000")
    assert wrong.status_code == 200
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp makes a device wait a moment after a wrong code

    right = admin_login(client, staff, otp_device=device.persistent_id, otp_token=code(device))
    assert right.status_code == 302
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_password_session_is_not_enough_for_the_admin(client, required, staff):
    TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_without_an_app_the_admin_login_is_refused_and_points_to_set_up(client, required, staff):
    response = admin_login(client, staff, otp_token="123456")

    assert response.status_code == 200
    assert SETUP_HINT in response.context["form"].non_field_errors()
    assert client.get("/admin/").status_code == 302


def test_a_signed_in_member_without_an_app_is_sent_to_set_one_up_and_then_gets_in(
    client, required, staff
):
    client.force_login(staff)

    sent = client.get("/admin/login/?next=/admin/")
    assert sent.status_code == 302
    assert sent["Location"] == "/account/two-factor/?next=%2Fadmin%2F"

    page = client.get(sent["Location"])
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    assert page.context["secret"] in page.content.decode()
    assert page.context["config_url"].startswith("otpauth://totp/Waymark%3Aada.admin?secret=")

    wrong = client.post("/account/two-factor/", {"token": "000000", "next": "/admin/"})
    assert wrong.status_code == 200
    assert "That code does not match" in wrong.content.decode()

    confirmed = client.post("/account/two-factor/", {"token": code(device), "next": "/admin/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/admin/").status_code == 200


def test_set_up_does_not_redirect_elsewhere(client, staff):
    client.force_login(staff)
    client.get("/account/two-factor/")
    device = TOTPDevice.objects.get(user=staff)

    response = client.post(
        "/account/two-factor/", {"token": code(device), "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_with_the_setting_off_the_password_is_enough(client, settings, staff):
    settings.ADMIN_REQUIRE_2FA = False

    response = admin_login(client, staff)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
