"""The filter bar of the import history (`apps.core.listing`)."""

import django_filters

from apps.core.listing import ListFilter, SearchFilter
from apps.imports.models import ImportRun, RecordKind


class ImportRunFilter(ListFilter):
    q = SearchFilter(fields=("file_name", "created_by__username"), placeholder="File or who")
    kind = django_filters.ChoiceFilter(
        label="Records", choices=RecordKind.choices, empty_label="Any records"
    )
    status = django_filters.ChoiceFilter(choices=ImportRun.Status.choices, empty_label="Any status")

    class Meta:
        model = ImportRun
        fields = ["q", "kind", "status"]
