import datetime

import factory

from apps.campaigns.models import Campaign, Channel
from apps.journeys.kpis import Kpi
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
    channel = Channel.EMAIL
    start_date = datetime.date(2026, 1, 1)
    end_date = datetime.date(2026, 3, 31)
