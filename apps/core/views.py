"""What every page's view shares."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required, permission_required


def allowed(*perms: str) -> Callable:
    """Signed in (else to the login page) and holding every permission named (else 403)."""

    def decorate(view: Callable) -> Callable:
        return login_required(permission_required(perms, raise_exception=True)(view))

    return decorate
