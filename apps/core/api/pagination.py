"""Page numbers for every list, with a count that stays cheap at a million rows."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from apps.core.paginator import EXACT_COUNT_UP_TO, EstimatingPaginator


class StandardPagination(PageNumberPagination):
    """`?page=` and `?page_size=`; `count` is exact up to 10,000 rows and estimated past it
    (`count_is_estimate`), so the first pages of a million-row list cost what a small one does."""

    django_paginator_class = EstimatingPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_is_estimate"] = self.page.paginator.count_is_estimate
        return Response(response.data)

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": f"true: `count` is the database's estimate (over "
            f"{EXACT_COUNT_UP_TO:,} rows match), not an exact count.",
        }
        return schema
