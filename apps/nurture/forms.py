from django import forms

from apps.accounts.models import Contact
from apps.core.forms import active_choices
from apps.nurture.merge_fields import MERGE_FIELDS
from apps.nurture.models import Sequence, Step, StepVariant
from apps.nurture.results import DEFAULT_DAYS, DEFAULT_METRIC, METRICS
from apps.nurture.services import SEQUENCE_FIELDS

_merge_help = "Merge fields: " + ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)


class _Styled:
    """Bootstrap classes on every widget."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)


class SequenceForm(_Styled, forms.ModelForm):
    class Meta:
        model = Sequence
        fields = SEQUENCE_FIELDS  # what sequence_create and sequence_update write

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active_choices(self.fields["persona"], chosen=self.instance.persona_id)
        active_choices(self.fields["campaign"], chosen=self.instance.campaign_id)


class StepForm(_Styled, forms.ModelForm):
    class Meta:
        model = Step
        fields = [
            "kind",
            "position",
            "delay_days",
            "delay_hours",
            "task_action",
            "subject",
            "body",
            "asset",
        ]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"body": _merge_help}

    def __init__(self, *args, sequence: Sequence, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's clean() checks merge fields and kinds; it needs the sequence set.
        self.instance.sequence = sequence
        self.fields["position"].required = False
        self.fields["asset"].queryset = self.fields["asset"].queryset.order_by("title")
        active_choices(self.fields["asset"], chosen=self.instance.asset_id)
        if self.instance.pk and self.instance.variants.all():
            # An A/B test sends its variants' texts: they are edited there.
            del self.fields["subject"], self.fields["body"]


class StepVariantForm(_Styled, forms.ModelForm):
    class Meta:
        model = StepVariant
        fields = ["subject", "body", "weight", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"body": _merge_help}
        labels = {"is_active": "Sending"}

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's clean() checks the merge fields against the step (its content asset).
        self.instance.step = step


class ResultsForm(_Styled, forms.Form):
    """The results page's choices: how long after a send a stage move counts, and what an
    A/B test is judged on."""

    days = forms.IntegerField(
        min_value=1,
        max_value=365,
        initial=DEFAULT_DAYS,
        label="Stage moves within (days)",
    )
    metric = forms.ChoiceField(
        choices=[(name, name.capitalize()) for name in METRICS],
        initial=DEFAULT_METRIC,
        label="Judge A/B tests on",
    )

    def __init__(self, data=None, **kwargs):
        # Unset choices keep their defaults: the page opens without asking.
        data = {"days": DEFAULT_DAYS, "metric": DEFAULT_METRIC} | (data.dict() if data else {})
        super().__init__(data, **kwargs)


class EnrolForm(_Styled, forms.Form):
    contact = forms.ModelChoiceField(queryset=Contact.objects.none())
    sequence = forms.ModelChoiceField(queryset=Sequence.objects.active().filter(is_active=True))

    def __init__(self, *args, account_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = (
            Contact.objects.active()
            .filter(account_id=account_id)
            .exclude(consent=Contact.Consent.OPTED_OUT)
        )
        self.fields["sequence"].queryset = (
            Sequence.objects.active().filter(is_active=True).order_by("name")
        )


class PreviewForm(_Styled, forms.Form):
    """Whom to preview a step for, and which of its A/B variants (the step's own text if none)."""

    contact = forms.ModelChoiceField(queryset=Contact.objects.active(), required=False)
    variant = forms.ModelChoiceField(queryset=StepVariant.objects.none(), required=False)

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["variant"].queryset = step.variants.all()


class BulkEnrolForm(forms.Form):
    """The committee's action bar: enrol the ticked contacts in one active sequence."""

    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Tick at least one contact."}
    )
    sequence = forms.ModelChoiceField(
        queryset=Sequence.objects.none(),
        error_messages={"required": "Choose an active sequence."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sequence"].queryset = Sequence.objects.active().filter(is_active=True)
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids") if v.isdigit()]
