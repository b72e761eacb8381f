"""Persona pages: everyone with a role reads them; marketers and admins create, edit, archive
and restore them. Views validate, call the services and render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.exceptions import ApplicationError
from apps.core.views import allowed, archive_confirmation, errors_onto_form
from apps.personas import selectors, services
from apps.personas.forms import PersonaForm
from apps.personas.models import Persona

VIEW = "personas.view_persona"
EDIT = "personas.change_persona"


def _persona(persona_id: int) -> Persona:
    try:
        return Persona.objects.get(pk=persona_id)
    except Persona.DoesNotExist as error:
        raise Http404("No such persona.") from error


@allowed(VIEW)
def persona_list(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("archived") == "1"
    context = {"personas": selectors.persona_list(archived=archived), "archived": archived}
    return render(request, "personas/persona_list.html", context)


def _persona_form(request: HttpRequest, persona: Persona | None) -> HttpResponse:
    may_edit = request.user.has_perm(EDIT)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied
    # The form works on its own copy: the service compares the stored persona with the input.
    copy = _persona(persona.pk) if persona else Persona()
    form = PersonaForm(request.POST or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        try:
            if persona is None:
                saved = services.persona_create(data=form.cleaned_data)
            else:
                saved = services.persona_update(persona=persona, data=form.cleaned_data)
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"Persona “{saved.name}” saved.")
            return redirect("personas:list")
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    context = {"form": form, "persona": persona, "may_edit": may_edit}
    return render(
        request, "personas/persona_form.html", context, status=400 if form.errors else 200
    )


@allowed(VIEW, "personas.add_persona")
def persona_create(request: HttpRequest) -> HttpResponse:
    return _persona_form(request, None)


@allowed(VIEW)
def persona_detail(request: HttpRequest, persona_id: int) -> HttpResponse:
    """The persona's page: its form for those who edit, the same fields read-only for others."""
    return _persona_form(request, _persona(persona_id))


@require_http_methods(["GET", "POST"])
@allowed(VIEW, EDIT)
def persona_archive(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = _persona(persona_id)
    page = reverse("personas:detail", args=[persona.pk])
    if persona.is_archived:
        return redirect(page)
    return archive_confirmation(
        request,
        instance=persona,
        archive=lambda: services.persona_archive(persona=persona, by=request.user),
        back=page,
        done=reverse("personas:list"),
        success=f"Persona “{persona.name}” archived: find it under “Archived” to restore it.",
        leaves="persona pickers, the journey maps' rows and the content filters",
        still_using=selectors.persona_archive_impact(persona=persona),
    )


@require_POST
@allowed(VIEW, EDIT)
def persona_restore(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = services.persona_restore(persona=_persona(persona_id))
    messages.success(request, f"Persona “{persona.name}” is back.")
    return redirect("personas:detail", persona.pk)
