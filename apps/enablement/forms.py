from django import forms

from apps.content.models import Asset, AssetType, EnablementRequest
from apps.core.forms import SELECT
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity
from apps.users.models import Role, User

TEXT = {"class": "form-control form-control-sm"}


class RequestForm(forms.Form):
    """What a rep asks for; the service checks the deal and the date."""

    opportunity = forms.ModelChoiceField(
        queryset=Opportunity.objects.active().select_related("stage"),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.active().order_by("name"),
        required=False,
        widget=forms.Select(attrs=SELECT),
        error_messages={"invalid_choice": "Unknown persona."},
    )
    need = forms.CharField(
        label="Objection or need",
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
    asset_type = forms.ChoiceField(
        label="Format",
        choices=[("", "Any format"), *AssetType.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    priority = forms.ChoiceField(
        choices=EnablementRequest.Priority.choices,
        initial=EnablementRequest.Priority.MEDIUM,
        widget=forms.Select(attrs=SELECT),
    )
    due_date = forms.DateField(required=False, widget=forms.DateInput({**TEXT, "type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("open", "Open"), ("", "Any status"), *EnablementRequest.Status.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    priority = forms.ChoiceField(
        choices=[("", "Any priority"), *EnablementRequest.Priority.choices],
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.active().order_by("name"),
        required=False,
        empty_label="Any persona",
        widget=forms.Select(attrs=SELECT),
    )
    overdue = forms.BooleanField(required=False, label="Overdue only")


def marketing_people():
    return User.objects.filter(groups__name__in=[Role.MARKETER, Role.ADMIN]).distinct()


class AssignForm(forms.Form):
    # Repeated on every row of the queue without ids: each field names itself (aria-label).
    assignee = forms.ModelChoiceField(
        queryset=User.objects.none(),
        widget=forms.Select({**SELECT, "aria-label": "Assign to"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = marketing_people()


class DeliverForm(forms.Form):
    """An existing published asset, or the title and URL of a new one at the request's stage."""

    asset = forms.ModelChoiceField(
        queryset=Asset.objects.active().filter(status=Asset.Status.PUBLISHED),
        required=False,
        widget=forms.Select({**SELECT, "aria-label": "Published asset to deliver"}),
    )
    new_title = forms.CharField(
        required=False,
        max_length=200,
        widget=forms.TextInput({**TEXT, "aria-label": "Title of a new asset"}),
    )
    new_url = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.URLInput({**TEXT, "aria-label": "Link to the new asset"}),
    )
    new_asset_type = forms.ChoiceField(
        choices=[("", "Format of the new asset"), *AssetType.choices],
        required=False,
        widget=forms.Select({**SELECT, "aria-label": "Format of the new asset"}),
    )

    def service_arguments(self, *, request: EnablementRequest) -> dict:
        """`asset=` an existing asset, or `asset_data=` for a new one at the request's stage."""
        data = self.cleaned_data
        if data.get("asset") or not data.get("new_title"):
            return {"asset": data.get("asset")}
        return {
            "asset_data": {
                "title": data["new_title"],
                "url": data.get("new_url", ""),
                "asset_type": data.get("new_asset_type") or request.asset_type,
                "journey_stage": request.journey_stage,
                "status": Asset.Status.PUBLISHED,
                "personas": [request.persona] if request.persona else [],
            }
        }


class DeclineForm(forms.Form):
    reason = forms.CharField(widget=forms.TextInput(TEXT))


class ShareForm(forms.Form):
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.active().filter(status=Asset.Status.PUBLISHED)
    )
    contacts = forms.ModelMultipleChoiceField(queryset=None)
    note = forms.CharField(required=False, max_length=300)

    def __init__(self, *args, opportunity: Opportunity, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = opportunity.account.contacts.active()


class ObjectionForm(forms.Form):
    # Laid out in one line on the workspace: the fields carry their names (aria-label).
    text = forms.CharField(
        max_length=300, widget=forms.TextInput({**TEXT, "aria-label": "Objection heard"})
    )
    persona = forms.ModelChoiceField(
        queryset=Persona.objects.active().order_by("name"),
        required=False,
        widget=forms.Select({**SELECT, "aria-label": "Raised by (persona)"}),
    )


class BulkRequestForm(forms.Form):
    """The queue's action bar: assign the ticked requests to a marketer, or decline them."""

    ids = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Tick at least one request."}
    )
    action = forms.ChoiceField(choices=[("assign", "Assign to"), ("decline", "Decline")])
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    reason = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = marketing_people()
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids") if v.isdigit()]

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", "Choose someone in marketing to assign them to.")
        if data.get("action") == "decline" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why they are declined.")
        return data
