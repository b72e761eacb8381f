from django.urls import path

from apps.journeys import views

app_name = "journeys"
cell = "<int:journey_id>/cells/<int:stage_id>/<int:persona_id>/"
urlpatterns = [
    path("", views.journey_list, name="list"),
    path("<int:journey_id>/", views.journey_map, name="map"),
    path("<int:journey_id>/print/", views.journey_print, name="print"),
    path("<int:journey_id>/export.csv", views.journey_export, name="export"),
    path("<int:journey_id>/coverage/", views.journey_coverage, name="coverage"),
    path("<int:journey_id>/history/", views.journey_history, name="history"),
    path(cell, views.cell, name="cell"),
    path(f"{cell}edit/", views.cell_edit, name="cell_edit"),
    path("<int:journey_id>/publish/", views.journey_publish, name="publish"),
    path("<int:journey_id>/new-version/", views.journey_new_version, name="new_version"),
    path("<int:journey_id>/review/", views.journey_review, name="review"),
    path("<int:journey_id>/review-triggers/", views.journey_review_trigger, name="review_trigger"),
]
