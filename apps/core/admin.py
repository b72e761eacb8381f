"""Shapes every Waymark admin shares; this app registers no models of its own."""

from django.contrib import admin
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


class WaymarkAdmin(admin.ModelAdmin):
    """Fields no form may edit (audit timestamps, `stage_entered_at`…) still show, read-only;
    a link typed without a scheme is taken as https, as the web forms take it."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        declared = tuple(super().get_readonly_fields(request, obj))
        audit = tuple(
            field.name
            for field in self.model._meta.concrete_fields
            if not field.editable and not field.primary_key and field.name not in declared
        )
        return declared + audit


class ReadOnlyAdminMixin:
    """Rows that services write or senders deliver: admins look at them, never add or edit.

    Deleting keeps the role's permission: deleting an account or an opportunity cascades to
    these rows, and Django refuses that cascade when a registered admin forbids the delete.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A read-only list of related rows, each linking to its own page."""

    can_delete = False
    extra = 0
    show_change_link = True


def related_count(queryset: QuerySet, *, to: str) -> Coalesce:
    """How many rows of `queryset` point at the outer row through the foreign key `to`.

    A correlated subquery, so two counts on one changelist don't multiply each other's rows
    the way two joined `Count`s would.
    """
    counted = (
        queryset.filter(**{to: OuterRef("pk")})
        .order_by()
        .values(to)
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
