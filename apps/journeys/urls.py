from django.urls import path

from apps.journeys import views

app_name = "journeys"
cell = "<int:journey_id>/cells/<int:stage_id>/<int:persona_id>/"
urlpatterns = [
    path("", views.journey_list, name="list"),
    path("new/", views.journey_create, name="create"),
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
    path("<int:journey_id>/edit/", views.journey_edit, name="edit"),
    path("<int:journey_id>/stages/", views.journey_structure, name="structure"),
    path("<int:journey_id>/stages/add/", views.stage_add, name="stage_add"),
    path("<int:journey_id>/stages/<int:stage_id>/edit/", views.stage_edit, name="stage_edit"),
    path("<int:journey_id>/stages/<int:stage_id>/move/", views.stage_move, name="stage_move"),
    path("<int:journey_id>/stages/<int:stage_id>/remove/", views.stage_remove, name="stage_remove"),
    path("<int:journey_id>/moves/add/", views.transition_add, name="transition_add"),
    path(
        "<int:journey_id>/moves/<int:transition_id>/remove/",
        views.transition_remove,
        name="transition_remove",
    ),
]
