from django.urls import path

from apps.personas import views

app_name = "personas"
urlpatterns = [
    path("", views.persona_list, name="list"),
    path("new/", views.persona_create, name="create"),
    path("<int:persona_id>/", views.persona_detail, name="detail"),
    path("<int:persona_id>/archive/", views.persona_archive, name="archive"),
    path("<int:persona_id>/restore/", views.persona_restore, name="restore"),
]
