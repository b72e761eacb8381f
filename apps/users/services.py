from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from apps.core.exceptions import ApplicationError
from apps.users.models import Role, User


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str | None,
    role: Role,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "UTC",
) -> User:
    """A user in one role; admins also get into Django admin."""
    user = User(
        username=username,
        email=email.lower(),
        first_name=first_name,
        last_name=last_name,
        time_zone=time_zone,
        is_staff=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


# --- API tokens ------------------------------------------------------------------------------
# django-rest-knox's tokens: as many per user as they ask for (one per script or integration),
# each good for API_TOKEN_TTL_DAYS; the database keeps a SHA-512 digest of each, so the token
# itself is shown once, when it is issued, and a copy of the database opens nothing.


def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token for `user` and its text (shown this once); the user's expired ones go."""
    user.auth_token_set.filter(expiry__lte=timezone.now()).delete()
    return AuthToken.objects.create(user, expiry=timedelta(days=settings.API_TOKEN_TTL_DAYS))


def api_tokens_revoke(*, users: Iterable[User]) -> int:
    """Revoke these users' API tokens; calls with them are refused from now on."""
    return AuthToken.objects.filter(user__in=list(users)).delete()[0]


# --- two-factor ------------------------------------------------------------------------------
# One authenticator app (TOTP device, django-otp) per user: set up unconfirmed, confirmed by the
# first code it shows. Admins remove a lost one in the admin's TOTP devices.
TOTP_DEVICE_NAME = "Authenticator app"


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The user's authenticator app waiting to be confirmed, made if need be."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


@transaction.atomic
def totp_device_confirm(*, user: User, token: str) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        raise ApplicationError(
            "That code does not match: enter the 6-digit code your app shows now.",
            fields={"token": ["Wrong or expired code."]},
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return device
