from django.urls import path

from apps.starter import views

app_name = "starter"
urlpatterns = [
    path("journeys/<int:journey_id>/reset/", views.journey_reset, name="journey_reset"),
    path("signal-rules/reset/", views.signal_rules_reset, name="signal_rules_reset"),
]
