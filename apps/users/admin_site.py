"""Django admin that can require a second factor: with ADMIN_REQUIRE_2FA on, staff sign in with
their password and a code from their authenticator app (a confirmed TOTP device, django-otp)."""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

SETUP_HINT = (
    "This account has no authenticator app yet: log in on the main site and set one up under "
    "“Two-factor” first."
)


class TwoFactorAdminAuthenticationForm(OTPAdminAuthenticationForm):
    def clean_otp(self, user):
        if user is not None and not user_has_device(user):
            raise ValidationError(SETUP_HINT, code="no_device")
        super().clean_otp(user)


class WaymarkAdminSite(OTPAdminSite):
    """The default admin site; it reads ADMIN_REQUIRE_2FA at each request."""

    def __init__(self, name: str = "admin") -> None:
        AdminSite.__init__(self, name)

    @property
    def login_form(self):
        return TwoFactorAdminAuthenticationForm if _required() else AdminAuthenticationForm

    @property
    def login_template(self):
        return OTPAdminSite.login_template if _required() else None

    def has_permission(self, request) -> bool:
        if _required():
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    def login(self, request, extra_context=None):
        """Staff signed in on the main site without an authenticator app set one up first."""
        user = request.user
        if _required() and user.is_active and user.is_staff and not user_has_device(user):
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return redirect(f"{reverse('two_factor_setup')}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)


def _required() -> bool:
    return settings.ADMIN_REQUIRE_2FA
