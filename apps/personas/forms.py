from django import forms

from apps.core.forms import Styled
from apps.personas.models import Persona

LINES = {"rows": 4}


class PersonaForm(Styled, forms.ModelForm):
    class Meta:
        model = Persona
        fields = [
            "name",
            "buying_role",
            "summary",
            "priorities",
            "pain_points",
            "decision_criteria",
            "objections",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 2}),
            **{
                name: forms.Textarea(attrs=LINES)
                for name in ("priorities", "pain_points", "decision_criteria", "objections")
            },
        }
