"""Shapes every Waymark admin shares; this app registers no models of its own."""

from django.contrib import admin
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import pluralize

from apps.core.deletion import deletion_impact, record_archive, record_restore
from apps.core.models import ArchivableModel


class WaymarkAdmin(admin.ModelAdmin):
    """Fields no form may edit (audit timestamps, `stage_entered_at`…) still show, read-only;
    a link typed without a scheme is taken as https, as the web forms take it."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Django's confirmation, headed by what else the delete removes or unlinks, in counts.
    delete_confirmation_template = "admin/waymark_delete_confirmation.html"

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id) if request.method == "GET" else None
        if obj is not None:
            extra_context = {
                **(extra_context or {}),
                "impact": deletion_impact(instance=obj),
                "archivable": isinstance(obj, ArchivableModel),
            }
        return super().delete_view(request, object_id, extra_context)

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


class ArchivedListFilter(admin.SimpleListFilter):
    """Archived records stay out of the list until asked for."""

    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("1", "Archived"), ("all", "All")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Active",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(archived_at__isnull=True)


class ArchivableAdmin(WaymarkAdmin):
    """An `ArchivableModel`'s admin: active records by default, archive and restore actions.

    A model whose archive takes others along (an account its contacts and deals) overrides
    `archive_record` / `restore_record` with its services.
    """

    actions = ("archive_selected", "restore_selected")

    def get_list_filter(self, request):
        return (ArchivedListFilter, *super().get_list_filter(request))

    @admin.action(description="Archive selected %(verbose_name_plural)s", permissions=["delete"])
    def archive_selected(self, request, queryset) -> None:
        with transaction.atomic():
            records = list(queryset.filter(archived_at__isnull=True))
            for record in records:
                self.archive_record(request, record)
        self.message_user(request, f"{len(records)} record{pluralize(len(records))} archived.")

    @admin.action(description="Restore selected %(verbose_name_plural)s", permissions=["delete"])
    def restore_selected(self, request, queryset) -> None:
        with transaction.atomic():
            records = list(queryset.filter(archived_at__isnull=False))
            for record in records:
                self.restore_record(request, record)
        self.message_user(request, f"{len(records)} record{pluralize(len(records))} restored.")

    def archive_record(self, request, record) -> None:
        record_archive(instance=record, by=request.user)

    def restore_record(self, request, record) -> None:
        record_restore(instance=record)
