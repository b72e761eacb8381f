"""The audit trail: who changed or deleted which business record, when, what and through which
way in (django-simple-history keeps a historical row per write; this module adds the path).

The path is one context variable: the middleware sets it per request (`/admin/`, `/api/`, the
web pages), a Celery signal per task, `manage.py` for a command and the import service for an
import. Every historical row takes it as the default of its `path` field, so no write path has
to pass it along. (Django-free at import time: `manage.py` sets the path before setup.)
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery.signals import task_postrun, task_prerun
from django.db import models
from django.http import HttpRequest, HttpResponse


class AuditPath(models.TextChoices):
    WEB = "web", "Web page"
    API = "api", "API"
    ADMIN = "admin", "Admin"
    IMPORT = "import", "Import"
    TASK = "task", "Background task"
    COMMAND = "command", "Command"
    # Code run outside all of those (a test, a script embedding Django).
    SYSTEM = "system", "System"


_path: ContextVar[str] = ContextVar("audit_path", default=AuditPath.SYSTEM)
# Who a system path (an import on a worker, a command) acts for, when it acts for someone.
_user: ContextVar[Any] = ContextVar("audit_user", default=None)


def current_path() -> str:
    """The way in of the write happening now (the default of every historical row's path)."""
    return _path.get()


@contextmanager
def audit_path(path: str, *, user: Any = None) -> Iterator[None]:
    """Writes inside are tagged with `path` and, when given, recorded as made by `user`."""
    path_token, user_token = _path.set(path), _user.set(user)
    try:
        yield
    finally:
        _path.reset(path_token)
        _user.reset(user_token)


def history_user(request: HttpRequest | None = None, **_) -> Any:
    """simple-history's `get_user`: the user a system path acts for, else the request's
    (simple-history passes the request only when its user is authenticated)."""
    user = _user.get()
    if user is None and request is not None:
        user = request.user
    return user


def acting_user() -> Any:
    """Who the write happening now is made by, as the audit trail records it: the user a
    system path acts for, else the signed-in user of the request; None when nobody is."""
    from simple_history.models import HistoricalRecords

    user = history_user(getattr(HistoricalRecords.context, "request", None))
    return user if getattr(user, "is_authenticated", False) else None


def request_path(request: HttpRequest) -> str:
    if request.path.startswith("/admin/"):
        return AuditPath.ADMIN
    if request.path.startswith("/api/"):
        return AuditPath.API
    return AuditPath.WEB


class AuditPathMiddleware:
    """Tags the writes of a request with its path and hands the request to simple-history, whose
    `get_history_user` reads `request.user`: for the API that is the user DRF authenticated
    (DRF's `Request.user` setter writes it through to this request), token or session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from simple_history.models import HistoricalRecords

        HistoricalRecords.context.request = request
        try:
            with audit_path(request_path(request)):
                return self.get_response(request)
        finally:
            del HistoricalRecords.context.request


_task_tokens: dict[str, object] = {}


@task_prerun.connect
def _task_started(task_id: str, **_) -> None:
    _task_tokens[task_id] = _path.set(AuditPath.TASK)


@task_postrun.connect
def _task_ended(task_id: str, **_) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        _path.reset(token)


def audit_trail(**options):
    """The history of a business model: a historical table with who, when, what and the path.

    Deleting the record keeps its trail (simple-history's default), ending with who deleted it.
    """
    from simple_history.models import HistoricalRecords

    from apps.core.models import AuditedHistory

    return HistoricalRecords(bases=[AuditedHistory], get_user=history_user, **options)


def is_audited(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def is_history(model: type[models.Model]) -> bool:
    """A historical model (simple-history's, of a record or of its many-to-many links)."""
    return hasattr(model, "instance_type")


def audit_trails_scrub(*, mentions, people: tuple[type[models.Model], ...]) -> int:
    """GDPR erasure in every trail: text naming the person (`apps.core.mentions.Mentions`) is
    rewritten as it is in the records themselves; returns how many trail entries changed.
    The trails of `people` models are left out: their name fields are not free text (a
    colleague of the same first name keeps it), and the person's own rows are anonymised with
    the record."""
    from django.apps import apps

    changed = 0
    for model in apps.get_models():
        if (
            is_history(model)
            and hasattr(model, "history_date")
            and model.instance_type not in people
        ):
            texts = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
                and f.name not in {"history_type", "path", "history_change_reason"}
            ]
            changed += mentions.scrub_rows(model.objects.all(), texts)
    return changed
