"""Waymark's URLs plus a bare DRF list: the baseline of `api_list_vs_bare` (apps/accounts/
benchmarks.py). Served only by `make bench`'s gunicorn, never by the product."""

from django.urls import path
from rest_framework import generics, pagination, permissions, serializers

from apps.accounts.models import Contact
from config.urls import urlpatterns as waymark_urlpatterns


class _BareContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = "__all__"


class _BarePagination(pagination.CursorPagination):
    page_size = 50
    ordering = "id"


class BareContactList(generics.ListAPIView):
    """DRF's plainest list: no authentication, filters, throttles or extra fields."""

    queryset = Contact.objects.all()
    serializer_class = _BareContactSerializer
    pagination_class = _BarePagination
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes: list = []
    filter_backends: list = []


urlpatterns = [*waymark_urlpatterns, path("bench/bare-contacts/", BareContactList.as_view())]
