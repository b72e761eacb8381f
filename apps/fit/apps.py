from django.apps import AppConfig


class FitConfig(AppConfig):
    name = "apps.fit"
    verbose_name = "Fit"
