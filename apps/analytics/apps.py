from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """The read side: daily snapshots, dashboards, attribution and alignment.

    It reads the other apps through their selectors and models and owns only its snapshots;
    no other app imports it.
    """

    name = "apps.analytics"
    verbose_name = "Analytics"
