from django.contrib import admin
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.accounts.selectors import account_list
from apps.core.admin import ReadOnlyInline, WaymarkAdmin
from apps.pipeline.models import Opportunity


class ContactInline(admin.TabularInline):
    """The buying committee, editable in place."""

    model = Contact
    fields = ("first_name", "last_name", "email", "title", "persona", "buying_role", "consent")
    autocomplete_fields = ("persona",)
    show_change_link = True
    extra = 0


class OpportunityInline(ReadOnlyInline):
    """A summary: deals are added and moved on their own page, which keeps the stage history."""

    model = Opportunity
    fields = ("name", "stage", "owner", "amount", "expected_close_date")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("stage", "owner")


@admin.register(Account)
class AccountAdmin(WaymarkAdmin):
    list_display = (
        "name",
        "domain",
        "tier",
        "is_target",
        "fit_score",
        "owner",
        "contact_count",
        "open_opportunity_count",
    )
    list_filter = (
        "tier",
        "is_target",
        ("owner", admin.RelatedOnlyFieldListFilter),
        "industry",
        "region",
    )
    search_fields = ("name", "domain")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    fieldsets = (
        (None, {"fields": ("name", "domain", "owner")}),
        ("Targeting", {"fields": ("tier", "is_target", "fit_score")}),
        ("Firmographics", {"fields": ("industry", "region", "employee_count", "annual_revenue")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ContactInline, OpportunityInline)
    actions = ("mark_target", "mark_not_target")

    def get_queryset(self, request):
        # Annotated with the contact and open-opportunity counts the list shows.
        return account_list()

    @admin.display(description="contacts", ordering="contact_count")
    def contact_count(self, account: Account) -> int:
        return account.contact_count

    @admin.display(description="open opportunities", ordering="open_opportunity_count")
    def open_opportunity_count(self, account: Account) -> int:
        return account.open_opportunity_count

    @admin.action(description="Mark selected accounts as target accounts")
    def mark_target(self, request, queryset: QuerySet[Account]) -> None:
        self._set_target(request, queryset, is_target=True)

    @admin.action(description="Mark selected accounts as not target accounts")
    def mark_not_target(self, request, queryset: QuerySet[Account]) -> None:
        self._set_target(request, queryset, is_target=False)

    def _set_target(self, request, queryset: QuerySet[Account], *, is_target: bool) -> None:
        # One flag on many rows: `update()` bypasses auto_now, so the timestamp is set here.
        count = queryset.update(is_target=is_target, updated_at=timezone.now())
        state = "target" if is_target else "not target"
        self.message_user(request, f"{count} account{pluralize(count)} marked as {state}.")


@admin.register(Contact)
class ContactAdmin(WaymarkAdmin):
    list_display = ("full_name", "email", "account", "title", "persona", "buying_role", "consent")
    list_filter = ("buying_role", "consent", "persona")
    search_fields = ("first_name", "last_name", "email", "account__name", "account__domain")
    autocomplete_fields = ("account", "persona")
    list_select_related = ("account", "persona")

    @admin.display(description="name", ordering="last_name")
    def full_name(self, contact: Contact) -> str:
        return contact.full_name
