from django.urls import path
from django.views.generic import RedirectView

from apps.content import views

app_name = "content"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="content:asset_list"), name="index"),
    path("assets/", views.asset_list, name="asset_list"),
    path("assets/archive/", views.asset_bulk_archive, name="asset_bulk_archive"),
    path("assets/new/", views.asset_create, name="asset_create"),
    path("assets/<int:asset_id>/", views.asset_detail, name="asset_detail"),
    path("assets/<int:asset_id>/edit/", views.asset_edit, name="asset_edit"),
    path("assets/<int:asset_id>/archive/", views.asset_archive, name="asset_archive"),
    path("assets/<int:asset_id>/restore/", views.asset_restore, name="asset_restore"),
    path("assets/<int:asset_id>/file/", views.asset_file, name="asset_file"),
    path("files/<str:token>/", views.asset_file_shared, name="asset_file_shared"),
]
