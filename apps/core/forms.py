"""Form pieces the list pages share: the compact filter bar above each table."""

from django import forms
from django.db.models import Q

SELECT = {"class": "form-select form-select-sm"}


def search_field(*, placeholder: str) -> forms.CharField:
    """The optional free-text search box of a filter bar."""
    return forms.CharField(
        label="Search",
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": placeholder,
                "class": "form-control form-control-sm",
            }
        ),
    )


def active_choices(field: forms.ModelChoiceField, *, chosen) -> None:
    """Offer the active (unarchived) records, and those the record being edited already has,
    so that an edit keeps a choice archived since."""
    values = chosen if isinstance(chosen, list | tuple | set) else [chosen]
    kept = [value.pk if hasattr(value, "pk") else value for value in values if value]
    field.queryset = field.queryset.filter(Q(archived_at__isnull=True) | Q(pk__in=kept))


class Styled:
    """Bootstrap's classes on every widget of a form (mixed in before `forms.Form`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs.setdefault("class", css)
