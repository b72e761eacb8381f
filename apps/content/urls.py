from django.urls import path

from apps.content import views

app_name = "content"
urlpatterns = [
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset_detail"),
]
