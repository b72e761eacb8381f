"""API v1: one router for every resource, plus the token endpoint."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import AccountViewSet, ContactViewSet
from apps.analytics.attribution_api import AlignmentView, AttributionView
from apps.campaigns.api.views import CampaignViewSet
from apps.content.api.views import AssetViewSet
from apps.enablement.api.views import (
    AssetShareViewSet,
    DealObjectionViewSet,
    EnablementRequestViewSet,
    OpportunityWorkspaceViewSet,
)
from apps.engagement.api.views import (
    AccountScoreViewSet,
    BacktestViewSet,
    CalibrationViewSet,
    ContactScoreViewSet,
    EventViewSet,
    HandoffViewSet,
    RuleSetViewSet,
    SignalRuleViewSet,
    StageChangeViewSet,
    WebhookViewSet,
)
from apps.journeys.api.views import (
    JourneyStageViewSet,
    JourneyViewSet,
    PlaybookCellViewSet,
    StageKpiViewSet,
    StageTransitionViewSet,
)
from apps.notifications.api.views import NotificationViewSet
from apps.nurture.api.views import (
    EnrollmentViewSet,
    MailEventViewSet,
    SequenceViewSet,
    StallRuleViewSet,
    StepVariantViewSet,
    StepViewSet,
    TouchViewSet,
)
from apps.personas.api.views import PersonaViewSet
from apps.pipeline.api.views import OpportunityViewSet, PipelineStageViewSet
from apps.users.api.views import ObtainTokenView, RevokeTokenView

router = DefaultRouter()
router.register("accounts", AccountViewSet, basename="account")
router.register("contacts", ContactViewSet, basename="contact")
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("pipeline-stages", PipelineStageViewSet, basename="pipeline-stage")
router.register("personas", PersonaViewSet, basename="persona")
router.register("assets", AssetViewSet, basename="asset")
router.register("enablement-requests", EnablementRequestViewSet, basename="enablement-request")
router.register(
    "opportunity-workspaces", OpportunityWorkspaceViewSet, basename="opportunity-workspace"
)
router.register("deal-objections", DealObjectionViewSet, basename="deal-objection")
router.register("asset-shares", AssetShareViewSet, basename="asset-share")
router.register("stall-rules", StallRuleViewSet, basename="stall-rule")
router.register("sequences", SequenceViewSet, basename="sequence")
router.register("sequence-steps", StepViewSet, basename="sequence-step")
router.register("sequence-step-variants", StepVariantViewSet, basename="sequence-step-variant")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")
router.register("touches", TouchViewSet, basename="touch")
router.register("mail-events", MailEventViewSet, basename="mail-event")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("events", EventViewSet, basename="event")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("signal-rules", SignalRuleViewSet, basename="signal-rule")
router.register("contact-scores", ContactScoreViewSet, basename="contact-score")
router.register("account-scores", AccountScoreViewSet, basename="account-score")
router.register("stage-changes", StageChangeViewSet, basename="stage-change")
router.register("handoffs", HandoffViewSet, basename="handoff")
router.register("backtests", BacktestViewSet, basename="backtest")
router.register("rule-sets", RuleSetViewSet, basename="rule-set")
router.register("calibrations", CalibrationViewSet, basename="calibration")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("journeys", JourneyViewSet, basename="journey")
router.register("journey-stages", JourneyStageViewSet, basename="journey-stage")
router.register("stage-transitions", StageTransitionViewSet, basename="stage-transition")
router.register("playbook-cells", PlaybookCellViewSet, basename="playbook-cell")
router.register("stage-kpis", StageKpiViewSet, basename="stage-kpi")

urlpatterns = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("analytics/attribution/", AttributionView.as_view(), name="api-attribution"),
    path("analytics/alignment/", AlignmentView.as_view(), name="api-alignment"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    *router.urls,
]
