from django.urls import path

from apps.enablement import views

app_name = "enablement"
urlpatterns = [
    path("", views.my_opportunities, name="my_opportunities"),
    path("opportunities/<int:opportunity_id>/", views.workspace, name="workspace"),
    path("opportunities/<int:opportunity_id>/share/", views.share, name="share"),
    path(
        "opportunities/<int:opportunity_id>/objections/", views.record_objection, name="objection"
    ),
    path("requests/", views.queue, name="queue"),
    path("requests/bulk/", views.queue_bulk, name="queue_bulk"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/mine/", views.my_requests, name="my_requests"),
    path("requests/<int:request_id>/<slug:action>/", views.queue_action, name="queue_action"),
]
