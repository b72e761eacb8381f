from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "apps.journeys"
