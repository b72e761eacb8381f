"""The planning form and the list filters. Forms validate; services save."""

from django import forms

from apps.campaigns import selectors
from apps.campaigns.models import Campaign, Channel
from apps.campaigns.segments import Segment
from apps.campaigns.services import campaign_asset_errors
from apps.content.models import Asset
from apps.core.forms import SELECT, active_choices, search_field
from apps.journeys.kpis import KPIS_BY_PHASE, Kpi
from apps.journeys.models import JourneyStage, Phase

CHECK = {"class": "form-check-input"}


def _stage_label(stage: JourneyStage) -> str:
    draft = " draft" if stage.journey.is_draft else ""
    return f"{stage} ({stage.get_phase_display().lower()}) · {stage.journey}{draft}"


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: JourneyStage) -> str:
        return _stage_label(obj)


class StageMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: JourneyStage) -> str:
        return _stage_label(obj)


class CampaignForm(forms.ModelForm):
    """Create or edit a campaign. The KPI choices follow the goal stage's phase, and the content
    picker shows the goal journey's assets; both are re-rendered by htmx when the goal changes.
    """

    class Meta:
        model = Campaign
        fields = [
            "name",
            "objective",
            "goal_stage",
            "kpi",
            "kpi_target",
            "kpi_baseline",
            "channels",
            "cadence",
            "start_date",
            "end_date",
            "budget",
            "actual_spend",
            "utm_code",
            "assets",
            "segment_tiers",
            "segment_industries",
            "segment_regions",
            "segment_stages",
            "segment_fit_score_min",
            "segment_fit_score_max",
            "segment_personas",
            "segment_buying_roles",
        ]
        field_classes = {"goal_stage": StageChoiceField, "segment_stages": StageMultipleChoiceField}
        widgets = {
            "objective": forms.Textarea(attrs={"rows": 2}),
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "assets": forms.CheckboxSelectMultiple,
            "segment_stages": forms.CheckboxSelectMultiple,
            "segment_personas": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal_stage"].queryset = selectors.goal_stage_choices()
        self.fields["goal_stage"].empty_label = "Pick the stage this campaign moves buyers through"
        self.fields["segment_stages"].queryset = selectors.goal_stage_choices()
        self.fields["assets"].queryset = Asset.objects.all()
        chosen = list(self.instance.assets.values_list("pk", flat=True)) if self.instance.pk else []
        active_choices(self.fields["assets"], chosen=chosen)
        for name in ("segment_industries", "segment_regions"):
            self.fields[name] = self._value_field(name)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs.update(CHECK)
            elif isinstance(widget, forms.Select):
                widget.attrs.update(SELECT)
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
        self.goal_stage = self._chosen_goal_stage()
        # Only the KPIs that fit are offered; any other still reaches the model's own check,
        # whose message names what fits.
        phase = self.goal_stage.phase if self.goal_stage else None
        fitting = KPIS_BY_PHASE.get(phase, ())
        self.fields["kpi"].widget.choices = [
            ("", "Pick a KPI" if fitting else "Pick a goal stage first"),
            *((kpi, Kpi(kpi).label) for kpi in fitting),
        ]

    def _value_field(self, name: str) -> forms.TypedMultipleChoiceField:
        """Industries and regions are picked from those accounts have (and any already set)."""
        account_field = {"segment_industries": "industry", "segment_regions": "region"}[name]
        known = selectors.segment_value_choices(field_name=account_field)
        current = self.initial.get(name) or []
        values = sorted({*known, *current})
        model_field = Campaign._meta.get_field(name)
        return forms.TypedMultipleChoiceField(
            label=model_field.verbose_name.capitalize(),
            choices=[(value, value) for value in values],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )

    def _chosen_goal_stage(self) -> JourneyStage | None:
        raw = self.data.get("goal_stage") if self.is_bound else self.initial.get("goal_stage")
        if isinstance(raw, JourneyStage):
            return raw
        if not raw:
            return self.instance.goal_stage if self.instance.goal_stage_id else None
        return (
            self.fields["goal_stage"].queryset.filter(pk=raw).first()
            if str(raw).isdigit()
            else None
        )

    @property
    def selected_asset_ids(self) -> set[int]:
        if self.is_bound:
            raw = self.data.getlist("assets") if hasattr(self.data, "getlist") else []
            return {int(value) for value in raw if str(value).isdigit()}
        initial = self.initial.get("assets") or []
        return {getattr(asset, "pk", asset) for asset in initial}

    def asset_picker(self) -> selectors.AssetPicker:
        return selectors.asset_picker(
            goal_stage=self.goal_stage, selected_ids=self.selected_asset_ids
        )

    def clean(self):
        cleaned = super().clean()
        goal, assets = cleaned.get("goal_stage"), cleaned.get("assets")
        if goal and assets:
            for message in campaign_asset_errors(goal_stage=goal, assets=assets):
                self.add_error("assets", message)
        return cleaned

    def plan(self, *, campaign_id: int | None = None) -> selectors.Plan:
        """What the planning checks and the segment preview read, from whatever is valid so
        far (call `is_valid()` first; an incomplete form still gets the checks it can)."""
        data = getattr(self, "cleaned_data", {})
        return selectors.Plan(
            goal_stage=data.get("goal_stage"),
            kpi=data.get("kpi") or "",
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            cadence=data.get("cadence"),
            asset_ids=tuple(asset.pk for asset in data.get("assets") or ()),
            segment=Segment(
                tiers=tuple(data.get("segment_tiers") or ()),
                industries=tuple(data.get("segment_industries") or ()),
                regions=tuple(data.get("segment_regions") or ()),
                stage_ids=tuple(stage.pk for stage in data.get("segment_stages") or ()),
                fit_score_min=data.get("segment_fit_score_min"),
                fit_score_max=data.get("segment_fit_score_max"),
                persona_ids=tuple(persona.pk for persona in data.get("segment_personas") or ()),
                buying_roles=tuple(data.get("segment_buying_roles") or ()),
            ),
            campaign_id=campaign_id,
        )


class CampaignFilterForm(forms.Form):
    """The list's filters; they read the query string and ignore invalid values."""

    q = search_field(placeholder="Name or objective")
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Campaign.Status.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    phase = forms.ChoiceField(
        label="Goal phase",
        choices=[("", "Any phase"), *Phase.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    channel = forms.ChoiceField(
        choices=[("", "Any channel"), *Channel.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    owner = forms.ModelChoiceField(
        queryset=selectors.campaign_owner_choices(),
        required=False,
        empty_label="Anyone",
        widget=forms.Select(attrs=SELECT),
    )
