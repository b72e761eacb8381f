"""The content library page: assets filtered by journey stage, persona, type and status.

Coverage counts on the journey pages link here with the matching filters.
"""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.content.files import attachment_response, shared_asset_id
from apps.content.models import Asset, AssetType
from apps.content.selectors import (
    ASSET_CSV_COLUMNS,
    asset_export_rows,
    asset_list_filtered,
    asset_usage,
)
from apps.core.csv_export import csv_download, csv_requested
from apps.core.forms import SELECT, search_field
from apps.journeys.models import JourneyStage
from apps.personas.models import Persona

PAGE_SIZE = 50


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
    page = Paginator(assets, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "content/asset_list.html", {"form": form, "page_obj": page})


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An asset with its content usage: recommended, shared, requested, deals it helped move."""
    asset = get_object_or_404(asset_list_filtered(filters={}), pk=asset_id)
    return render(
        request, "content/asset_detail.html", {"asset": asset, "usage": asset_usage(asset=asset)}
    )


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
