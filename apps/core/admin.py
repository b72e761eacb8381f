"""Shapes every Waymark admin shares, and the audit trail's pages (the only models this app
registers: every business model's historical rows)."""

from django.apps import apps
from django.contrib import admin
from django.db import models, transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.core.audit import is_audited, is_history
from apps.core.deletion import deletion_impact, record_archive, record_restore
from apps.core.models import ArchivableModel


class WaymarkAdmin(SimpleHistoryAdmin):
    """Fields no form may edit (audit timestamps, `stage_entered_at`…) still show, read-only;
    a link typed without a scheme is taken as https, as the web forms take it. An audited
    record's "History" button shows its audit trail (who, when, what, through which path)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    history_list_display = ["path"]
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

    history_list_display = ["path"]

    def path(self, row) -> str:
        """The trail's "path" column, by its label (Web page, API, Admin…)."""
        return row.get_path_display()

    @property
    def object_history_template(self):
        return SimpleHistoryAdmin.object_history_template if is_audited(self.model) else None

    def history_view(self, request, object_id, extra_context=None):
        if not is_audited(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if not is_audited(self.model):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

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


class _ReadOnlyTrail(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AuditTrailAdmin(_ReadOnlyTrail):
    """One business model's trail, deleted records included: each write with who, when, the
    path, and a link to the record's whole trail (its changes field by field)."""

    list_display = ("history_date", "history_type", "record", "history_user", "path")
    list_filter = ("history_type", "path", "history_date")
    list_select_related = ("history_user",)
    search_fields = ("=id", "history_user__username")
    date_hierarchy = "history_date"

    @admin.display(description="record", ordering="id")
    def record(self, row) -> str:
        opts = self.model.instance_type._meta
        try:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[row.id])
        except NoReverseMatch:
            return f"#{row.id}"
        return format_html('<a href="{}">#{} — its trail</a>', url, row.id)


class LinkTrailAdmin(_ReadOnlyTrail):
    """The links (many-to-many: a member's roles) a record had at each entry of its trail."""

    list_display = ("history", "linked")
    list_select_related = ("history",)

    @admin.display(description="linked to")
    def linked(self, row) -> str:
        return ", ".join(
            str(getattr(row, f.attname))
            for f in row._meta.concrete_fields
            if f.is_relation and f.name != "history"
        )


for _model in apps.get_models():
    if is_history(_model):
        trail = AuditTrailAdmin if hasattr(_model, "history_date") else LinkTrailAdmin
        admin.site.register(_model, trail)
