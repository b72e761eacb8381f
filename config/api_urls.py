"""API v1: one router for every resource, plus the token endpoint."""

from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import AccountViewSet, ContactViewSet
from apps.content.api.views import AssetViewSet
from apps.personas.api.views import PersonaViewSet
from apps.pipeline.api.views import OpportunityViewSet, PipelineStageViewSet

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("pipeline-stages", PipelineStageViewSet, basename="pipeline-stage")
router.register("personas", PersonaViewSet, basename="persona")
router.register("assets", AssetViewSet, basename="asset")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    *router.urls,
]
