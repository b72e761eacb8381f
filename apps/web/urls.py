from django.urls import path

from apps.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path(
        "opportunities/<int:opportunity_id>/",
        views.opportunity_detail,
        name="opportunity_detail",
    ),
    path(
        "opportunities/<int:opportunity_id>/stage/",
        views.opportunity_move,
        name="opportunity_move",
    ),
    path(
        "opportunities/<int:opportunity_id>/details/",
        views.opportunity_edit,
        name="opportunity_edit",
    ),
    path(
        "opportunities/<int:opportunity_id>/activities/",
        views.opportunity_log_activity,
        name="opportunity_log_activity",
    ),
]
