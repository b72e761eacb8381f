"""The OpenAPI schema as Waymark's API answers it."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from apps.core.api.renderers import CSVRenderer

CSV_RESPONSE = {
    "schema": {
        "type": "string",
        "description": "Every row matching the filters (no pages), one per line after a header "
        "of the JSON fields; nested records by id, lists as `a|b`; cells a spreadsheet would "
        "run as a formula start with `'`.",
    }
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with a list's `text/csv` answer described as the CSV it is
    rather than as the JSON page."""

    def _get_response_for_code(self, serializer, status_code, *args, **kwargs):
        response = super()._get_response_for_code(serializer, status_code, *args, **kwargs)
        content = response.get("content", {})
        if CSVRenderer.media_type in content and status_code.startswith("2"):
            content[CSVRenderer.media_type] = CSV_RESPONSE
        return response
