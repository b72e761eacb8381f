"""Form pieces the list pages share: the compact filter bar above each table."""

from django import forms

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
