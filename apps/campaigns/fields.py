"""A list of values in one JSON column: kept alike by SQLite (`make run`) and PostgreSQL.

PostgreSQL's ArrayField would not run on SQLite; a side table would cost a query per list for
values that are always read and written with their campaign.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models


class CommaSeparatedField(forms.CharField):
    """Free-text values typed as `Retail, Healthcare`; empty entries are dropped."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(item).strip() for item in value if str(item).strip()]
        text = super().to_python(value)
        return [item.strip() for item in text.split(",") if item.strip()]


class ListField(models.JSONField):
    """A list of distinct values; with `item_choices` each value must be one of them.

    Without choices the values are short texts (industries, regions), edited comma-separated.
    """

    def __init__(
        self, *args: Any, item_choices: list[tuple[Any, str]] | None = None, **kwargs: Any
    ):
        self.item_choices = list(item_choices) if item_choices is not None else None
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.item_choices is not None:
            kwargs["item_choices"] = self.item_choices
        return name, path, args, kwargs

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        super().validate(value, model_instance)
        if not isinstance(value, list):
            raise ValidationError("Enter a list of values.", code="invalid")
        if len(set(map(str, value))) != len(value):
            raise ValidationError("Each value may appear once.", code="duplicate")
        if self.item_choices is None:
            if any(not isinstance(item, str) or not item.strip() for item in value):
                raise ValidationError("Each value must be a non-empty text.", code="invalid")
            return
        allowed = {choice for choice, _ in self.item_choices}
        unknown = [str(item) for item in value if item not in allowed]
        if unknown:
            raise ValidationError(f"Not a valid choice: {', '.join(unknown)}.", code="invalid")

    def formfield(self, **kwargs: Any) -> forms.Field:
        options = {"required": not self.blank, "label": self.verbose_name.capitalize()}
        options["help_text"] = self.help_text
        if self.item_choices is None:
            return CommaSeparatedField(**options, max_length=None)
        first = self.item_choices[0][0]
        return forms.TypedMultipleChoiceField(
            **options,
            choices=self.item_choices,
            coerce=type(first),
            widget=forms.CheckboxSelectMultiple,
        )
