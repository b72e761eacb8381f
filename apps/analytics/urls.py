from django.urls import path

from apps.analytics import attribution_views

app_name = "analytics"
urlpatterns = [
    path("attribution/", attribution_views.attribution_page, name="attribution"),
]
