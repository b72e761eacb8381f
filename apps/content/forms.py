"""The asset form marketers create and edit library entries with.

The file's type and size are checked by the model field's validator (`apps/content/files.py`),
so this form, admin and the API refuse the same files with the same words.
"""

from django import forms
from django.db.models import Q

from apps.content.files import ALLOWED_KINDS, ALLOWED_TYPES_TEXT, max_upload_bytes
from apps.content.models import Asset
from apps.core.forms import Styled, active_choices
from apps.journeys.models import Journey, JourneyStage
from apps.journeys.selectors import DRAFTS_LAST
from apps.personas.models import Persona

ACCEPT = ",".join(f".{ext}" for kind in ALLOWED_KINDS for ext in kind.extensions)


def stage_label(stage: JourneyStage) -> str:
    """A stage named with its journey and version, drafts and archived versions said so."""
    journey = stage.journey
    status = "" if journey.status == Journey.Status.PUBLISHED else f" {journey.status}"
    return f"{journey.name} v{journey.version}{status} · {stage}"


class AssetStageField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JourneyStage) -> str:
        return stage_label(obj)


def asset_stage_choices(*, keep: int | None = None):
    """Stages an asset may be mapped to: those of published versions, then drafts (labelled),
    and the stage the asset has now even if its version is archived since. A stage stands for
    the stage of the same slug in every later version, so mapping to the published one keeps."""
    shown = ~Q(journey__status=Journey.Status.ARCHIVED)
    if keep is not None:
        shown |= Q(pk=keep)
    return (
        JourneyStage.objects.filter(shown)
        .select_related("journey", "parent")
        .annotate(drafts_last=DRAFTS_LAST)
        .order_by(
            "journey__name", "drafts_last", "-journey__version", "parent__position", "position"
        )
    )


class AssetForm(Styled, forms.ModelForm):
    journey_stage = AssetStageField(
        queryset=JourneyStage.objects.none(),
        label="Journey stage",
        help_text="The stage it serves; it counts for the same stage in later versions.",
    )
    personas = forms.ModelMultipleChoiceField(
        queryset=Persona.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: it serves every persona.",
    )
    url = forms.URLField(
        max_length=500,
        required=False,
        assume_scheme="https",
        label="Link",
        help_text="Where the asset lives (https://…); or upload a file below.",
    )
    file = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text="",  # set in __init__: the limit is a setting
    )

    class Meta:
        model = Asset
        fields = [
            "title",
            "asset_type",
            "status",
            "journey_stage",
            "personas",
            "summary",
            "url",
            "file",
        ]
        labels = {"asset_type": "Type"}
        help_texts = {
            "status": "Only published assets are recommended, shared and sent.",
        }
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        asset = self.instance
        self.fields["journey_stage"].queryset = asset_stage_choices(keep=asset.journey_stage_id)
        chosen = list(asset.personas.all()) if asset.pk else []
        active_choices(self.fields["personas"], chosen=chosen)
        limit = max_upload_bytes() // (1024 * 1024)
        self.fields["file"].help_text = f"{ALLOWED_TYPES_TEXT}; at most {limit} MB."

    def asset_data(self) -> dict:
        """The fields for the service; a file left as it was is not sent, a cleared one is
        sent empty."""
        data = dict(self.cleaned_data)
        if data.get("file") is None:
            data.pop("file", None)
        elif data["file"] is False:
            data["file"] = ""
        return data
