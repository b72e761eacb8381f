import datetime

import factory

from apps.campaigns.models import CalendarFeed, Campaign, CampaignTemplate, Channel
from apps.content.models import AssetType
from apps.journeys.kpis import Kpi
from apps.journeys.models import Phase
from tests.factories.journeys import JourneyStageFactory
from tests.factories.users import UserFactory


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    name = factory.Sequence(lambda n: f"Campaign {n}")
    owner = factory.SubFactory(UserFactory)
    goal_stage = factory.SubFactory(JourneyStageFactory)
    kpi = Kpi.REACH
    kpi_target = 1000
    channels = factory.LazyFunction(lambda: [Channel.EMAIL])
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 3, 31)


class CampaignTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignTemplate

    name = factory.Sequence(lambda n: f"Template {n}")
    phase = Phase.AWARENESS
    kpi = Kpi.REACH
    kpi_target = 1000
    channels = factory.LazyFunction(lambda: [Channel.EMAIL])
    asset_types = factory.LazyFunction(lambda: [AssetType.BLOG_POST])


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory(UserFactory)
