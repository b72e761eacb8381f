from django.urls import path, re_path

from apps.nurture import tracking_views

app_name = "tracking"
urlpatterns = [
    re_path(r"^o/(?P<token>[-\w.]+)\.gif$", tracking_views.open_pixel, name="open"),
    path("c/<str:token>/", tracking_views.click, name="click"),
]
