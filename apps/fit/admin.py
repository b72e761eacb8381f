from django.contrib import admin

from apps.core.admin import ReadOnlyAdminMixin, WaymarkAdmin
from apps.fit.models import FitModel


@admin.register(FitModel)
class FitModelAdmin(ReadOnlyAdminMixin, WaymarkAdmin):
    """Fit model versions, trained from the fit model page or `train_fit_model`."""

    list_display = (
        "version",
        "status",
        "trained_at",
        "trained_by",
        "won_accounts",
        "lost_accounts",
        "account_auc",
        "person_auc",
    )
    list_filter = ("status",)
    list_select_related = ("trained_by",)
