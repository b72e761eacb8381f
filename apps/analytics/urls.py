from django.urls import path
from django.views.generic import RedirectView

from apps.analytics import alignment_views, attribution_views, campaign_views

app_name = "analytics"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="analytics:attribution"), name="index"),
    path("attribution/", attribution_views.attribution_page, name="attribution"),
    path("alignment/", alignment_views.alignment_page, name="alignment"),
    path(
        "campaigns/<int:campaign_id>/",
        campaign_views.campaign_results_page,
        name="campaign_results",
    ),
]
