"""One place that turns every error into JSON: `{"detail": ..., "errors": {field: [...]}}`
(`errors` empty when the error is not about a field), as the schema documents it."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.deletion import DeleteNotConfirmed
from apps.core.exceptions import ApplicationError, NotPermitted


def exception_handler(exc, context):
    if isinstance(exc, DeleteNotConfirmed):
        impact = exc.impact
        return Response(
            {
                "detail": exc.message,
                "errors": {},
                "would_remove": impact.would_remove,
                "would_unlink": impact.would_unlink,
                "blocked_by": impact.blocked_by,
                "confirm": impact.token,
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, NotPermitted):
        return _errors(exc.message, exc.fields, status.HTTP_403_FORBIDDEN)
    if isinstance(exc, ApplicationError):
        return _errors(exc.message, exc.fields, status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        return _errors("Invalid input.", _django_errors(exc), status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        return _errors(_still_used(exc), {}, status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        # Services validate constraints first; this is the race where two writers collide.
        return _errors(
            "This change conflicts with data saved at the same time; reload and try again.",
            {},
            status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = response.data
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        response.data = {"detail": "Invalid input.", "errors": fields}
    elif isinstance(response.data, dict):
        response.data.setdefault("errors", {})
    return response


def _django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def _still_used(exc: ProtectedError | RestrictedError) -> str:
    """ "Cannot delete: still used by 3 playbook cells." — what to remove first."""
    objs = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
    counts: dict[str, int] = {}
    for obj in objs:
        name = str(obj._meta.verbose_name_plural)
        counts[name] = counts.get(name, 0) + 1
    users = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    return f"Cannot delete: still used by {users}. Remove or reassign those first."


def _errors(detail: str, fields: dict, code: int) -> Response:
    return Response({"detail": detail, "errors": fields}, status=code)
