from django.apps import AppConfig


class NurtureConfig(AppConfig):
    name = "apps.nurture"
