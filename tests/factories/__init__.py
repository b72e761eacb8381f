"""factory_boy factories, one module per app; import them from here."""

from tests.factories.accounts import AccountFactory, ContactFactory
from tests.factories.campaigns import (
    CalendarFeedFactory,
    CampaignFactory,
    CampaignTemplateFactory,
)
from tests.factories.content import AssetFactory, AssetShareFactory, EnablementRequestFactory
from tests.factories.enablement import AssetRecommendationFactory, DealObjectionFactory
from tests.factories.engagement import (
    AccountScoreFactory,
    AccountScoreSnapshotFactory,
    BacktestFactory,
    CalibrationFactory,
    ContactScoreFactory,
    EventFactory,
    HandoffFactory,
    InferredStageChangeFactory,
    RecomputeRequestFactory,
    RuleSetFactory,
    ScoringSettingsFactory,
    SignalRuleFactory,
    WebhookDeliveryFactory,
    WebhookSourceFactory,
)
from tests.factories.fit import FitModelFactory
from tests.factories.imports import (
    ImportChangeFactory,
    ImportRowErrorFactory,
    ImportRunFactory,
    SavedMappingFactory,
)
from tests.factories.journeys import (
    JourneyChangeFactory,
    JourneyFactory,
    JourneyReviewFactory,
    JourneyReviewTriggerFactory,
    JourneyStageFactory,
    PlaybookCellFactory,
    ReviewReminderFactory,
    StageKpiFactory,
    StageTransitionFactory,
)
from tests.factories.notifications import NotificationFactory
from tests.factories.nurture import (
    EnrollmentFactory,
    HolidayFactory,
    MailEventFactory,
    SequenceFactory,
    StepFactory,
    StepVariantFactory,
    SuppressedAddressFactory,
    TouchFactory,
    TrackingHitFactory,
)
from tests.factories.personas import PersonaFactory, TitleRuleFactory
from tests.factories.pipeline import (
    OpportunityFactory,
    OpportunityStallFactory,
    PipelineStageFactory,
    StageChangeFactory,
)
from tests.factories.privacy import ErasureFactory
from tests.factories.users import UserFactory

__all__ = [
    "AccountFactory",
    "AccountScoreFactory",
    "AccountScoreSnapshotFactory",
    "AssetFactory",
    "AssetRecommendationFactory",
    "AssetShareFactory",
    "BacktestFactory",
    "CalendarFeedFactory",
    "CalibrationFactory",
    "CampaignFactory",
    "CampaignTemplateFactory",
    "ContactFactory",
    "ContactScoreFactory",
    "DealObjectionFactory",
    "EnablementRequestFactory",
    "EnrollmentFactory",
    "ErasureFactory",
    "EventFactory",
    "FitModelFactory",
    "HandoffFactory",
    "HolidayFactory",
    "ImportChangeFactory",
    "ImportRowErrorFactory",
    "ImportRunFactory",
    "InferredStageChangeFactory",
    "JourneyChangeFactory",
    "JourneyFactory",
    "JourneyReviewFactory",
    "JourneyReviewTriggerFactory",
    "JourneyStageFactory",
    "MailEventFactory",
    "NotificationFactory",
    "OpportunityFactory",
    "OpportunityStallFactory",
    "PersonaFactory",
    "PipelineStageFactory",
    "PlaybookCellFactory",
    "RecomputeRequestFactory",
    "ReviewReminderFactory",
    "RuleSetFactory",
    "SavedMappingFactory",
    "ScoringSettingsFactory",
    "SequenceFactory",
    "SignalRuleFactory",
    "StageChangeFactory",
    "StageKpiFactory",
    "StageTransitionFactory",
    "StepFactory",
    "StepVariantFactory",
    "SuppressedAddressFactory",
    "TitleRuleFactory",
    "TouchFactory",
    "TrackingHitFactory",
    "UserFactory",
    "WebhookDeliveryFactory",
    "WebhookSourceFactory",
]
