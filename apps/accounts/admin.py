from django.contrib import admin, messages
from django.db.models import QuerySet
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from apps.accounts.models import Account, Contact
from apps.accounts.selectors import account_list
from apps.accounts.services import (
    account_archive,
    account_restore,
    accounts_fit_use_learned,
    learned_fit_summary,
)
from apps.core.admin import ArchivableAdmin, ReadOnlyInline
from apps.core.exceptions import ApplicationError
from apps.nurture.services import record_archive_leaving_sequences
from apps.pipeline.models import Opportunity
from apps.privacy.exports import personal_data_download
from apps.privacy.services import contact_erase


class ContactInline(admin.TabularInline):
    """The buying committee, editable in place."""

    model = Contact
    fields = (
        "first_name",
        "last_name",
        "email",
        "title",
        "persona",
        "buying_role",
        "seniority",
        "consent",
    )
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
class AccountAdmin(ArchivableAdmin):
    list_display = (
        "name",
        "domain",
        "tier",
        "is_target",
        "fit_score",
        "fit_source",
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
        "country",
        "fit_source",
    )
    search_fields = ("name", "domain")
    autocomplete_fields = ("owner",)
    list_select_related = ("owner",)
    fieldsets = (
        (None, {"fields": ("name", "domain", "owner")}),
        ("Targeting", {"fields": ("tier", "is_target", "fit_score", "fit_source", "fit_learned")}),
        ("Firmographics", {"fields": ("industry", "region", "employee_count", "annual_revenue")}),
        ("Holidays", {"fields": ("country", "subdivision")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ContactInline, OpportunityInline)
    actions = (*ArchivableAdmin.actions, "mark_target", "mark_not_target", "use_learned_fit")

    def get_queryset(self, request):
        # Annotated with the contact and open-opportunity counts the list shows.
        return account_list(archived=None)

    def save_model(self, request, obj, form, change) -> None:
        # A fit score typed here overrides the learned fit; choosing "Learned" clears that.
        if "fit_source" in form.changed_data and obj.fit_source == Account.FitSource.LEARNED:
            if obj.fit_learned is None:
                obj.fit_source = Account.FitSource.MANUAL
                self.message_user(
                    request, "No learned fit yet: the fit stays set by hand.", messages.WARNING
                )
            else:
                obj.fit_score = obj.fit_learned
        elif "fit_score" in form.changed_data:
            obj.fit_source = Account.FitSource.MANUAL
        super().save_model(request, obj, form, change)

    @admin.action(description="Use the learned fit for selected accounts")
    def use_learned_fit(self, request, queryset: QuerySet[Account]) -> None:
        count = accounts_fit_use_learned(accounts=queryset)
        self.message_user(request, learned_fit_summary(count))

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

    def archive_record(self, request, record) -> None:
        account_archive(account=record, by=request.user)

    def restore_record(self, request, record) -> None:
        account_restore(account=record)

    def _set_target(self, request, queryset: QuerySet[Account], *, is_target: bool) -> None:
        # One flag on many rows, each change in the audit trail; bulk writes bypass auto_now.
        accounts = list(queryset)
        for account in accounts:
            account.is_target, account.updated_at = is_target, timezone.now()
        count = bulk_update_with_history(accounts, Account, ["is_target", "updated_at"])
        state = "target" if is_target else "not target"
        self.message_user(request, f"{count} account{pluralize(count)} marked as {state}.")


@admin.register(Contact)
class ContactAdmin(ArchivableAdmin):
    list_display = (
        "full_name",
        "email",
        "account",
        "title",
        "persona",
        "buying_role",
        "seniority",
        "consent",
    )
    list_filter = ("buying_role", "seniority", "consent", "declines_tracking", "persona", "country")
    search_fields = ("first_name", "last_name", "email", "account__name", "account__domain")
    autocomplete_fields = ("account", "persona")
    list_select_related = ("account", "persona")
    actions = (*ArchivableAdmin.actions, "erase_personal_data", "download_personal_data")

    def archive_record(self, request, record) -> None:
        record_archive_leaving_sequences(record=record, by=request.user)

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("privacy.erase_contact")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("privacy.export_personal_data")

    @admin.action(
        description="Erase personal data of selected contacts (GDPR)…", permissions=["erase"]
    )
    def erase_personal_data(self, request, queryset: QuerySet[Contact]):
        """A confirmation page first; erased once confirmed, each contact in its own
        transaction so one already erased does not hold back the others."""
        contacts = list(queryset.select_related("account"))
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "contacts": contacts,
            }
            return TemplateResponse(request, "admin/privacy/erase_confirmation.html", context)
        for contact in contacts:
            try:
                contact_erase(contact=contact, by=request.user)
            except ApplicationError as error:
                self.message_user(
                    request, f"Contact #{contact.pk}: {error.message}", messages.WARNING
                )
            else:
                self.message_user(request, f"Personal data of contact #{contact.pk} erased.")
        return None

    @admin.action(
        description="Download personal data of the selected contact (JSON)", permissions=["export"]
    )
    def download_personal_data(self, request, queryset: QuerySet[Contact]):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one contact to download.", messages.WARNING)
            return None
        return personal_data_download(contact=queryset.get())

    @admin.display(description="name", ordering="last_name")
    def full_name(self, contact: Contact) -> str:
        return contact.full_name
