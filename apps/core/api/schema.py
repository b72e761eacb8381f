"""The OpenAPI schema as Waymark's API answers it."""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

from apps.core.api.renderers import CSVRenderer

CSV_RESPONSE = {
    "schema": {
        "type": "string",
        "description": "Every row matching the filters (no pages), one per line after a header "
        "of the JSON fields; nested records by id, lists as `a|b`; cells a spreadsheet would "
        "run as a formula start with `'`.",
    }
}
WRITES = {"POST", "PUT", "PATCH"}


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers (apps/core/api/exceptions.py)."""

    detail = serializers.CharField(help_text="What went wrong, for a person to read.")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Per field (`non_field_errors` for the whole input), the messages; empty "
        "when the error is not about a field.",
    )


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with a list's `text/csv` answer described as the CSV it is
    rather than as the JSON page, and the error answers every operation can give."""

    def _get_response_for_code(self, serializer, status_code, *args, **kwargs):
        response = super()._get_response_for_code(serializer, status_code, *args, **kwargs)
        content = response.get("content", {})
        if CSVRenderer.media_type in content and status_code.startswith("2"):
            content[CSVRenderer.media_type] = CSV_RESPONSE
        return response

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF drops `allow_blank` from read-only model fields, yet a blank one reads as "".
        enum = schema.get("enum")
        if enum is not None and "" not in enum and field.read_only:
            model_field = _model_field(field)
            if model_field is not None and model_field.blank:
                enum.append("")
        return schema

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, description in self._error_codes(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
                responses[code]["description"] = description
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again.",
            }
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_codes(self, operation: dict) -> dict[str, str]:
        """The errors this operation can answer, decided from what it takes and who may call it:
        the shared exception handler gives each of them the `{detail, errors}` shape."""
        parameters = operation.get("parameters", [])
        query = {p["name"] for p in parameters if p["in"] == "query"} - {"format"}
        in_path = any(p["in"] == "path" for p in parameters)
        signed_in = {} not in operation.get("security", [{}])
        codes = {}
        if self.method in WRITES or self.method == "DELETE" or query:
            codes["400"] = (
                "Invalid input, or a change the rules refuse: `errors` names each field and "
                "what is wrong with it."
            )
        if signed_in:
            codes["401"] = "Not signed in, or the token has expired."
            codes["403"] = (
                "The signed-in user's role may not do this, or the record is not theirs to "
                "change (another rep's deal or handoff)."
            )
        if in_path or "page" in query:
            codes["404"] = "No such record (or not one the user may see), or no such page."
        if signed_in and (self.method in WRITES or self.method == "DELETE"):
            codes["409"] = (
                "The record is still used by others (a delete), or the change collides with "
                "one saved at the same time."
            )
        if self.view.throttle_classes:
            codes["429"] = "Too many requests: wait for `Retry-After` seconds."
        return codes


def _model_field(field: serializers.Field) -> Field | None:
    """The model field a serializer field reads, following its source through relations."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    model_field = None
    for name in field.source_attrs:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        model = model_field.related_model
    return model_field
