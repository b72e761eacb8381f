from django.urls import path

from apps.nurture import views

app_name = "nurture"
urlpatterns = [
    path("", views.nurture_index, name="index"),
    path("stalled/", views.stalled_board, name="stalled_board"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:touch_id>/complete/", views.task_complete, name="task_complete"),
    path("sequences/", views.sequence_list, name="sequence_list"),
    path("sequences/<int:sequence_id>/", views.sequence_detail, name="sequence_detail"),
    path(
        "sequences/<int:sequence_id>/enrolments/",
        views.sequence_enrollments,
        name="sequence_enrollments",
    ),
    path("enrollments/exit/", views.enrollments_bulk_exit, name="bulk_exit"),
    path("contacts/enrol/", views.contacts_bulk_enrol, name="bulk_enrol"),
    path("sequences/<int:sequence_id>/steps/", views.step_create, name="step_create"),
    path("steps/<int:step_id>/", views.step_update, name="step_update"),
    path("steps/<int:step_id>/delete/", views.step_delete, name="step_delete"),
    path("steps/<int:step_id>/preview/", views.step_preview, name="step_preview"),
    path("steps/<int:step_id>/variants/", views.variant_create, name="variant_create"),
    path("steps/<int:step_id>/winner/", views.step_pick_winner, name="step_pick_winner"),
    path("variants/<int:variant_id>/", views.variant_update, name="variant_update"),
    path("variants/<int:variant_id>/delete/", views.variant_delete, name="variant_delete"),
    path("sequences/<int:sequence_id>/results/", views.sequence_results, name="sequence_results"),
    path("contacts/<int:contact_id>/", views.contact_timeline, name="contact_timeline"),
    path("opportunities/<int:opportunity_id>/enrol/", views.opportunity_enrol, name="enrol"),
    path("enrollments/<int:enrollment_id>/exit/", views.enrollment_exit, name="exit"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
