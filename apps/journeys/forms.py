"""Forms for the journey pages and admin: playbook lists are edited one entry per line."""

from django import forms
from django.db.models import Q

from apps.content.models import Asset, AssetType
from apps.core.forms import Styled
from apps.journeys.models import Journey, JourneyReviewTrigger, JourneyStage, PlaybookCell
from apps.journeys.phases import Phase
from apps.personas.models import BuyingRole
from apps.users.models import Role, User

OBJECTION_SEPARATOR = "|"


class LinesField(forms.CharField):
    """A list of text entries, edited as one entry per line."""

    widget = forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-sm"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "One per line.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value) -> list[str]:
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ObjectionsField(LinesField):
    """Objections with their suggested responses: `objection | response`, one per line."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text", f"One per line: objection {OBJECTION_SEPARATOR} suggested response."
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if not isinstance(value, list):
            return value
        return "\n".join(
            f"{item.get('objection', '')} {OBJECTION_SEPARATOR} {item.get('response', '')}".strip(
                f" {OBJECTION_SEPARATOR}"
            )
            if isinstance(item, dict)
            else str(item)
            for item in value
        )

    def to_python(self, value) -> list[dict[str, str]]:
        pairs = []
        for line in super().to_python(value):
            objection, _, response = line.partition(OBJECTION_SEPARATOR)
            pairs.append({"objection": objection.strip(), "response": response.strip()})
        return pairs


def _choices_field(choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )


class PlaybookCellForm(forms.ModelForm):
    """The entries of a cell; the admin adds the stage, persona and account fields."""

    buyer_questions = LinesField(label="Buyer questions")
    pain_points = LinesField(label="Pain points")
    decision_criteria = LinesField(label="Decision criteria")
    objections = ObjectionsField(label="Objections")
    committee_roles = _choices_field(BuyingRole.choices)
    touchpoints = LinesField(label="Touchpoints and channels")
    content_types = _choices_field(AssetType.choices)

    class Meta:
        model = PlaybookCell
        fields = ["replaces_persona_cell", *PlaybookCell.LIST_FIELDS]
        labels = {"replaces_persona_cell": "Replace the persona's entries for this account"}


class CellEditForm(PlaybookCellForm):
    """A matrix cell edited in place. For the persona's own cell it also picks which of the
    stage's published assets serve the persona; an account's cell has no such choice, and
    only an account's cell may replace the persona's entries."""

    assets = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Content for this persona at this stage",
    )

    class Meta(PlaybookCellForm.Meta):
        # The account rides along hidden, so that an error about it shows in the cell.
        fields = ["account", *PlaybookCellForm.Meta.fields]
        widgets = {"account": forms.HiddenInput}

    def __init__(self, *args, stage_assets: list[Asset], **kwargs):
        super().__init__(*args, **kwargs)
        cell = self.instance
        self._stage_assets = {asset.pk: asset for asset in stage_assets}
        if cell.account_id is None:
            del self.fields["replaces_persona_cell"]
            self.fields["assets"].choices = [
                (asset.pk, f"{asset.title} ({asset.get_asset_type_display()})")
                for asset in stage_assets
            ]
            self.initial.setdefault(
                "assets", [a.pk for a in stage_assets if cell.persona in a.personas.all()]
            )
        else:
            del self.fields["assets"]

    def cell_data(self) -> dict:
        """The cell's entries (and whether they replace the persona's), for the service."""
        names = PlaybookCellForm.Meta.fields
        return {name: self.cleaned_data[name] for name in names if name in self.fields}

    def chosen_assets(self) -> list[Asset] | None:
        """The assets ticked to serve the persona; None when the form offers no choice."""
        if "assets" not in self.fields:
            return None
        return [self._stage_assets[pk] for pk in self.cleaned_data["assets"]]


class ReviewForm(forms.Form):
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Review notes"
    )


class ReviewTriggerForm(forms.ModelForm):
    class Meta:
        model = JourneyReviewTrigger
        fields = ["kind", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        labels = {"kind": "What changed"}


# --- the structure editor: a journey, its stages and the moves between them ------------------


class JourneyCreateForm(Styled, forms.ModelForm):
    class Meta:
        model = Journey
        fields = ["name", "scope", "review_cadence_months"]


class JourneyEditForm(Styled, forms.ModelForm):
    """A version's name and scope (a draft's only) and its owner and review cadence."""

    class Meta:
        model = Journey
        fields = ["name", "scope", "owner", "review_cadence_months"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owners = User.objects.filter(
            is_active=True, groups__name__in=[Role.MARKETER, Role.ADMIN]
        ).values("pk")
        self.fields["owner"].queryset = User.objects.filter(
            Q(pk__in=owners) | Q(pk=self.instance.owner_id)
        ).order_by("first_name", "last_name", "username")
        if not self.instance.is_draft:
            for name in ("name", "scope"):
                self.fields[name].disabled = True
                self.fields[name].help_text = "Kept as published; change it in a draft version."


class StageNameField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JourneyStage) -> str:
        return str(obj)


class StageAddForm(Styled, forms.ModelForm):
    """A new stage, or a sub-stage of one of the version's top-level stages."""

    parent = StageNameField(
        queryset=JourneyStage.objects.none(),
        required=False,
        empty_label="None: a top-level stage",
        label="Sub-stage of",
    )
    phase = forms.ChoiceField(
        choices=[("", "Its parent's (for a sub-stage)"), *Phase.choices], required=False
    )

    class Meta:
        model = JourneyStage
        fields = ["name", "parent", "phase", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, journey: Journey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = journey.stages.filter(parent=None).order_by("position")

    def _post_clean(self):
        """The service validates the stage (slug and position are its to give)."""

    def stage_data(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value != ""}


class StageEditForm(Styled, forms.ModelForm):
    class Meta:
        model = JourneyStage
        fields = ["name", "phase", "description", "entry_criteria", "exit_triggers"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ("description", "entry_criteria", "exit_triggers")
        }


class TransitionAddForm(Styled, forms.Form):
    """An allowed move. Any stage id is accepted here, so that one from another journey is
    refused by the service with a message on its field; the version's stages are offered."""

    from_stage = StageNameField(queryset=JourneyStage.objects.all(), label="From")
    to_stage = StageNameField(queryset=JourneyStage.objects.all(), label="To")
    trigger = forms.CharField(
        max_length=200, required=False, help_text="What makes the move happen (optional)."
    )

    def __init__(self, *args, stages: list[JourneyStage], **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("from_stage", "to_stage"):
            self.fields[name].widget.choices = [("", "---------")] + [
                (stage.pk, str(stage)) for stage in stages
            ]
