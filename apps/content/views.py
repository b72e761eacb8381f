"""The content library page: assets filtered by journey stage, persona, type and status.

Coverage counts on the journey pages link here with the matching filters.
"""

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from apps.content.models import Asset, AssetType
from apps.content.selectors import asset_usage
from apps.journeys.models import JourneyStage
from apps.journeys.selectors import same_stage
from apps.personas.models import Persona

PAGE_SIZE = 50
SELECT = {"class": "form-select form-select-sm"}


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stage: JourneyStage) -> str:
        return f"{stage.journey} · {stage}"


class AssetFilterForm(forms.Form):
    """Reads the query string; a value it does not know is ignored."""

    q = forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Title",
                "class": "form-control form-control-sm",
            }
        ),
    )
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
        queryset=Persona.objects.order_by("name"),
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


def _filtered(filters: dict):
    assets = Asset.objects.select_related(
        "journey_stage__journey", "journey_stage__parent", "owner"
    ).prefetch_related("personas")
    if filters.get("q"):
        assets = assets.filter(title__icontains=filters["q"])
    if filters.get("stage"):
        assets = assets.filter(same_stage(stage=filters["stage"]))
    if filters.get("persona"):
        assets = assets.filter(personas=filters["persona"])
    for name in ("asset_type", "status"):
        if filters.get(name):
            assets = assets.filter(**{name: filters[name]})
    return assets.order_by("title", "pk")


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_list(request: HttpRequest) -> HttpResponse:
    form = AssetFilterForm(request.GET)
    form.is_valid()
    filters = {name: value for name, value in form.cleaned_data.items() if value}
    page = Paginator(_filtered(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "content/asset_list.html", {"form": form, "page_obj": page})


@login_required
@permission_required("content.view_asset", raise_exception=True)
def asset_detail(request: HttpRequest, asset_id: int) -> HttpResponse:
    """An asset with its content usage: recommended, shared, requested, deals it helped move."""
    asset = get_object_or_404(
        Asset.objects.select_related("journey_stage__journey", "owner").prefetch_related(
            "personas"
        ),
        pk=asset_id,
    )
    return render(
        request, "content/asset_detail.html", {"asset": asset, "usage": asset_usage(asset=asset)}
    )
