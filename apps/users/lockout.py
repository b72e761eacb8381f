"""Login lockouts (django-axes): the client address they are keyed on and what a locked-out
login sees."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle


def client_ip(request: HttpRequest) -> str:
    """The same client address the API throttles use (REST_FRAMEWORK's NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with Retry-After: JSON in the API's error shape, else a page that says what to do."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = -(-seconds // 60)
    message = (
        f"Too many failed logins: this username is locked for {minutes} minutes from your "
        "address. Try again later, or ask an admin to unlock it."
    )
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "errors": {}}, status=429)
    else:
        response = render(request, "registration/locked_out.html", {"message": message}, status=429)
    response["Retry-After"] = str(seconds)
    return response
