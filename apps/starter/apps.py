from django.apps import AppConfig


class StarterConfig(AppConfig):
    name = "apps.starter"
    verbose_name = "Starter kit"
