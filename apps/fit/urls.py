from django.urls import path

from apps.fit import views

app_name = "fit"
urlpatterns = [
    path("", views.fit_model_list, name="list"),
    path("train/", views.fit_model_train, name="train"),
    path("use-learned/", views.fit_use_learned, name="use_learned"),
]
