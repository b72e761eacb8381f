from django import forms

from apps.imports.fields import fields_for
from apps.imports.models import ImportRun, RecordKind, SavedMapping
from apps.imports.selectors import Column, saved_mapping_list

SELECT = {"class": "form-select"}
INPUT = {"class": "form-control"}
RADIO = {"class": "form-check-input"}
SOURCE_HELP = "The CRM the file comes from (e.g. hubspot); it scopes the records' outside ids."


class SavedMappingField(forms.ModelChoiceField):
    def label_from_instance(self, obj: SavedMapping) -> str:
        return f"{obj.name} ({obj.get_kind_display().lower()})"


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=RecordKind.choices, widget=forms.Select(attrs=SELECT)
    )
    file = forms.FileField(
        label="File (CSV or XLSX)",
        widget=forms.ClearableFileInput(attrs={**INPUT, "accept": ".csv,.xlsx,.txt"}),
    )
    source = forms.CharField(
        label="Source system",
        required=False,
        max_length=40,
        help_text=SOURCE_HELP + " Left empty, the file's header suggests one.",
        widget=forms.TextInput(attrs={**INPUT, "placeholder": "hubspot"}),
    )
    mode = forms.ChoiceField(
        label="Rows with errors",
        choices=ImportRun.Mode.choices,
        initial=ImportRun.Mode.VALID_ROWS,
        widget=forms.RadioSelect(attrs=RADIO),
    )
    saved_mapping = SavedMappingField(
        label="Apply a saved mapping",
        queryset=SavedMapping.objects.none(),
        required=False,
        empty_label="— suggest one from the header —",
        widget=forms.Select(attrs=SELECT),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_mapping"].queryset = saved_mapping_list()

    def clean(self):
        data = super().clean()
        saved, kind = data.get("saved_mapping"), data.get("kind")
        if saved and kind and saved.kind != kind:
            self.add_error(
                "saved_mapping",
                f"“{saved.name}” maps {saved.get_kind_display().lower()}, not "
                f"{RecordKind(kind).label.lower()}.",
            )
        return data


class MappingForm(forms.Form):
    """One select per column of the file (named by position, as a header may hold any
    characters), plus the source, the mode and an optional name to save the mapping under."""

    source = forms.CharField(
        label="Source system",
        required=False,
        max_length=40,
        help_text=SOURCE_HELP,
        widget=forms.TextInput(attrs=INPUT),
    )
    mode = forms.ChoiceField(
        label="Rows with errors",
        choices=ImportRun.Mode.choices,
        widget=forms.RadioSelect(attrs=RADIO),
    )
    save_as = forms.CharField(
        label="Save this mapping as",
        required=False,
        max_length=120,
        help_text="Optional: a name to reuse this mapping on the next file from the same CRM.",
        widget=forms.TextInput(attrs=INPUT),
    )

    def __init__(self, *args, run: ImportRun, columns: list[Column], mapping: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        choices = [("", "— ignore —"), *((name, name) for name in fields_for(run.kind))]
        for index, column in enumerate(columns):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column.name,
                choices=choices,
                required=False,
                initial=mapping.get(column.name, ""),
                widget=forms.Select(attrs=SELECT),
            )

    def rows(self):
        """(column, its samples, its select) for the template's table."""
        return [(column, self[f"column_{index}"]) for index, column in enumerate(self.columns)]

    def mapping(self) -> dict[str, str]:
        return {
            column.name: self.cleaned_data[f"column_{index}"]
            for index, column in enumerate(self.columns)
            if self.cleaned_data[f"column_{index}"]
        }
