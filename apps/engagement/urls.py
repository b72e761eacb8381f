from django.urls import path
from django.views.generic import RedirectView

from apps.engagement import views

app_name = "signals"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="signals:hot_accounts"), name="index"),
    path("contacts/<int:contact_id>/", views.contact_detail, name="contact_detail"),
    path("hot/", views.hot_accounts, name="hot_accounts"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_create, name="rule_create"),
    path("rules/preview/", views.rule_preview, name="rule_preview"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("backtest/", views.backtest_list, name="backtest_list"),
    path("backtest/<int:backtest_id>/", views.backtest_detail, name="backtest_detail"),
    path("rule-sets/", views.rule_set_list, name="rule_set_list"),
    path("rule-sets/<int:version>/", views.rule_set_detail, name="rule_set_detail"),
    path("rule-sets/<int:version>/approve/", views.rule_set_approve, name="rule_set_approve"),
    path("rule-sets/<int:version>/decline/", views.rule_set_decline, name="rule_set_decline"),
    path("rule-sets/<int:version>/backtest/", views.rule_set_backtest, name="rule_set_backtest"),
    path("calibrate/", views.calibrate, name="calibrate"),
    path("calibrate/<int:calibration_id>/", views.calibration_detail, name="calibration_detail"),
    path("handoffs/", views.handoff_list, name="handoff_list"),
    path("handoffs/decide/", views.handoff_bulk_decide, name="handoff_bulk_decide"),
    path("handoffs/<int:handoff_id>/decide/", views.handoff_decide, name="handoff_decide"),
    path("handoffs/<int:handoff_id>/reassign/", views.handoff_reassign, name="handoff_reassign"),
]
