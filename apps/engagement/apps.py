from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "apps.engagement"
