"""The content library page: assets filtered by journey stage, persona, type and status; and
the pages marketers create, edit, archive and restore assets with.

Coverage counts on the journey pages link here with the matching filters.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.content import services
from apps.content.files import attachment_response, shared_asset_id
from apps.content.forms import AssetForm
from apps.content.models import Asset, AssetType
from apps.content.selectors import (
    ASSET_CSV_COLUMNS,
    asset_archive_impact,
    asset_export_rows,
    asset_get,
    asset_list_filtered,
    asset_titles,
    asset_usage,
)
from apps.core.bulk_actions import bulk_confirmation, report_bulk, ticked_ids
from apps.core.csv_export import csv_download, csv_requested
from apps.core.exceptions import ApplicationError
from apps.core.forms import SELECT, search_field
from apps.core.listing import list_page
from apps.core.views import allowed, archive_confirmation, errors_onto_form
from apps.journeys.models import JourneyStage
from apps.personas.models import Persona

PAGE_SIZE = 50
ASSET_SORTS = {
    "title": "title",
    "type": "asset_type",
    "stage": ("journey_stage__journey__name", "journey_stage__position"),
    "status": "status",
    "owner": ("owner__first_name", "owner__last_name", "owner__username"),
}


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage: JourneyStage) -> str:
        return f"{stage.journey} · {stage}"


class AssetFilterForm(forms.Form):
    """Reads the query string; a value it does not know is ignored."""

    q = search_field(placeholder="Title")
    stage = StageChoiceField(
        queryset=JourneyStage.objects.select_related("journey", "parent").order_by(
            "journey__name", "-journey__version", "parent__position", "position"
        ),
        required=False,
        empty_label="Any stage",
        label="Journey stage",
        help_text="The same stage in every version of its journey.",
        widget=forms.Select(attrs=SELECT),
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.active().order_by("name"),
        required=False,
        empty_label="Any persona",
        widget=forms.Select(attrs=SELECT),
    )
    asset_type = forms.ChoiceField(
        choices=[("", "Any type"), *AssetType.choices],
        required=False,
        label="Type",
        widget=forms.Select(attrs=SELECT),
    )
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Asset.Status.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_list(request: HttpRequest) -> HttpResponse:
    form = AssetFilterForm(request.GET)
    form.is_valid()
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    assets = asset_list_filtered(filters=filters)
    if csv_requested(request):
        return csv_download(
            filename="assets", header=ASSET_CSV_COLUMNS, rows=asset_export_rows(assets=assets)
        )
    listing = list_page(request, assets, sorts=ASSET_SORTS, per_page=PAGE_SIZE)
    context = {
        "form": form,
        "listing": listing,
        "page_obj": listing.page_obj,
        "can_edit": request.user.has_perm(EDIT),
    }
    return render(request, "content/asset_list.html", context)


def _asset(request: HttpRequest, asset_id: int) -> Asset:
    """The asset; an archived one only for those who may restore it."""
    try:
        return asset_get(asset_id=asset_id, with_archived=request.user.has_perm(EDIT))
    except Asset.DoesNotExist as error:
        raise Http404("No such asset.") from error


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An asset with its content usage: recommended, shared, requested, deals it helped move."""
    asset = _asset(request, asset_id)
    context = {
        "asset": asset,
        "usage": asset_usage(asset=asset),
        "can_edit": request.user.has_perm(EDIT),
    }
    return render(request, "content/asset_detail.html", context)


# --- marketers' edits ------------------------------------------------------------------------
EDIT = "content.change_asset"


def _asset_form(request: HttpRequest, asset: Asset | None) -> HttpResponse:
    # The form works on its own copy: the service compares the stored asset with the input.
    copy = asset_get(asset_id=asset.pk, with_archived=True) if asset else Asset()
    form = AssetForm(request.POST or None, request.FILES or None, instance=copy)
    if request.method == "POST" and form.is_valid():
        data = form.asset_data()
        try:
            if asset is None:
                saved = services.asset_create(data=data | {"owner": request.user})
            else:
                saved = services.asset_update(asset=asset, data=data)
        except (ApplicationError, ValidationError) as error:
            errors_onto_form(form, error)
        else:
            messages.success(request, f"“{saved.title}” saved.")
            return redirect("content:asset_detail", saved.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "asset": asset}
    return render(request, "content/asset_form.html", context, status=status)


@allowed("content.view_asset", "content.add_asset")
def asset_create(request: HttpRequest) -> HttpResponse:
    return _asset_form(request, None)


@allowed("content.view_asset", EDIT)
def asset_edit(request: HttpRequest, asset_id: int) -> HttpResponse:
    return _asset_form(request, _asset(request, asset_id))


@require_http_methods(["GET", "POST"])
@allowed("content.view_asset", EDIT)
def asset_archive(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _asset(request, asset_id)
    detail = reverse("content:asset_detail", args=[asset.pk])
    if asset.is_archived:
        return redirect(detail)
    return archive_confirmation(
        request,
        instance=asset,
        archive=lambda: services.asset_archive(asset=asset, by=request.user),
        back=detail,
        done=detail,
        success=f"“{asset.title}” archived: restore it from this page.",
        leaves="the content library, stage pickers, recommendations and the journey map",
        still_using=asset_archive_impact(asset=asset),
    )


@require_POST
@allowed("content.view_asset", EDIT)
def asset_restore(request: HttpRequest, asset_id: int) -> HttpResponse:
    asset = _asset(request, asset_id)
    services.asset_restore(asset=asset)
    messages.success(request, f"“{asset.title}” is back in the library.")
    return redirect("content:asset_detail", asset.pk)


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_file(request: HttpRequest, asset_id: int) -> FileResponse:
    """An asset's file, always as a download (apps/content/files.py)."""
    return attachment_response(get_object_or_404(asset_list_filtered(filters={}), pk=asset_id))


def asset_file_shared(request: HttpRequest, token: str) -> FileResponse:
    """A published asset's file through the signed link a sequence email gave a buyer."""
    asset_id = shared_asset_id(token)
    if asset_id is None:
        raise Http404("This link is not valid.")
    filters = {"status": Asset.Status.PUBLISHED}
    return attachment_response(get_object_or_404(asset_list_filtered(filters=filters), pk=asset_id))


@require_POST
@allowed("content.view_asset", EDIT)
def asset_bulk_archive(request: HttpRequest) -> HttpResponse:
    """Archive the ticked assets: asks first (listing them), then archives those it can in one
    transaction and names each one it left alone with why."""
    ids = ticked_ids(request)
    query = request.POST.get("next", "")
    back = reverse("content:asset_list") + (f"?{query}" if query else "")
    if not ids:
        messages.error(request, "Tick the assets to archive.")
        return redirect(back)
    titles = asset_titles(asset_ids=ids)
    if not request.POST.get("confirm"):
        return bulk_confirmation(
            request,
            question=f"Archive {len(ids)} asset{pluralize(len(ids))}?",
            labels=[titles.get(pk, f"asset {pk}") for pk in ids],
            button="Archive them",
            back=back,
            explanation="They leave the content library, stage pickers, recommendations and "
            "the journey map; their shares and requests keep their history. Each can be "
            "restored from its page.",
        )
    try:
        result = services.assets_archive(asset_ids=ids, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        report_bulk(request, result=result, done="archived", noun="asset", labels=titles)
    return redirect(back)
