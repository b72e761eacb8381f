from django.urls import path

from apps.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.run_list, name="list"),
    path("new/", views.run_new, name="new"),
    path("<int:run_id>/", views.run_detail, name="detail"),
    path("<int:run_id>/mapping/", views.run_mapping, name="mapping"),
    path("<int:run_id>/progress/", views.run_progress, name="progress"),
    path("<int:run_id>/commit/", views.run_commit, name="commit"),
    path("<int:run_id>/undo/", views.run_undo, name="undo"),
    path("<int:run_id>/errors.csv", views.run_errors_csv, name="errors_csv"),
]
