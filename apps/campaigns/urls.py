from django.urls import path

from apps.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("calendar/", views.campaign_calendar, name="calendar"),
    path("board/", views.campaign_board, name="board"),
    path("templates/", views.campaign_templates, name="templates"),
    path("new/", views.campaign_create, name="create"),
    path("plan/goal-fields/", views.plan_goal_fields, name="plan_goal_fields"),
    path("plan/preview/", views.plan_preview, name="plan_preview"),
    path("feed/", views.calendar_feed, name="feed"),
    path("feed/<str:token>.ics", views.calendar_feed_ics, name="feed_ics"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/duplicate/", views.campaign_duplicate, name="duplicate"),
    path("<int:campaign_id>/status/", views.campaign_status, name="status"),
]
