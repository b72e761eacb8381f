from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from apps.core.views import favicon
from apps.users.views import two_factor_setup

urlpatterns = [
    path("admin/", admin.site.urls),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", two_factor_setup, name="two_factor_setup"),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's page carries a small inline <style>: allowed on this page only.
    path(
        "api/docs/",
        csp_update({"style-src": [UNSAFE_INLINE]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    # ReDoc styles its page from script (inline styles) and searches in a worker it makes.
    path(
        "api/redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")
        ),
        name="api-redoc",
    ),
    path("favicon.ico", favicon),
    path("journeys/", include("apps.journeys.urls")),
    path("content/", include("apps.content.urls")),
    path("personas/", include("apps.personas.urls")),
    path("campaigns/", include("apps.campaigns.urls")),
    path("nurture/", include("apps.nurture.urls")),
    # Short on purpose: every link of a tracked email goes through here.
    path("t/", include("apps.nurture.tracking_urls")),
    path("signals/", include("apps.engagement.urls")),
    path("enablement/", include("apps.enablement.urls")),
    path("starter/", include("apps.starter.urls")),
    path("imports/", include("apps.imports.urls")),
    path("fit/", include("apps.fit.urls")),
    path("analytics/", include("apps.analytics.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("search/", include("apps.search.urls")),
    path("", include("apps.web.urls")),
]
