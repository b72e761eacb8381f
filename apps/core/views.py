"""What every page's view shares."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static

from apps.core.deletion import DeleteNotConfirmed, deletion_impact, record_delete_confirmed
from apps.core.exceptions import ApplicationError


def allowed(*perms: str) -> Callable:
    """Signed in (else to the login page) and holding every permission named (else 403)."""

    def decorate(view: Callable) -> Callable:
        return login_required(permission_required(perms, raise_exception=True)(view))

    return decorate


def errors_onto_form(form, error: ApplicationError | ValidationError) -> None:
    """Put a service's refusal on the form, each message on the field it names (else on top),
    where the user sees it."""
    fields = error.fields if isinstance(error, ApplicationError) else error.message_dict
    for name, errors in fields.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)
    if not fields:
        form.add_error(None, getattr(error, "message", str(error)))


def delete_confirmation(
    request: HttpRequest,
    *,
    instance: Model,
    delete: Callable[[], None],
    back: str,
    done: str,
    success: str,
) -> HttpResponse:
    """A delete button's page: GET shows what else the delete removes or unlinks, in counts;
    the POST it sends back deletes, unless those counts changed in between (shown again)."""
    if request.method == "POST":
        try:
            record_delete_confirmed(
                instance=instance, confirm=request.POST.get("confirm", ""), delete=delete
            )
        except DeleteNotConfirmed:
            messages.warning(request, "What this delete removes has changed since: check again.")
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(back)
        else:
            messages.success(request, success)
            return redirect(done)
    context = {"object": instance, "impact": deletion_impact(instance=instance), "back": back}
    return render(request, "core/delete_confirm.html", context)


def archive_confirmation(
    request: HttpRequest,
    *,
    instance: Model,
    archive: Callable[[], object],
    back: str,
    done: str,
    success: str,
    leaves: str,
    still_using: dict[str, int] | None = None,
) -> HttpResponse:
    """An archive button's page, the sibling of `delete_confirmation`: GET says where the
    record disappears from (`leaves`) and what still points at it; the POST archives."""
    if request.method == "POST":
        try:
            archive()
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect(back)
        messages.success(request, success)
        return redirect(done)
    context = {
        "object": instance,
        "leaves": leaves,
        "still_using": still_using or {},
        "back": back,
    }
    return render(request, "core/archive_confirm.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever a page links; the icon is a static file."""
    return redirect(static("favicon.svg"))
