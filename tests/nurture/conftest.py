"""A small nurture world: a journey stage with a sub-stage, a pipeline stage with stall limits,
sequences for the stage (generic and for economic buyers), an account with a committee, and a
fixed clock on a Wednesday morning in UTC."""

import datetime
from dataclasses import dataclass

import pytest

from apps.accounts.models import Account, Contact
from apps.journeys.models import JourneyStage, Phase
from apps.nurture.models import Sequence, Step
from apps.personas.models import BuyingRole
from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.services import opportunity_create
from apps.users.models import Role, User
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    JourneyFactory,
    JourneyStageFactory,
    PipelineStageFactory,
    SequenceFactory,
    StepFactory,
    UserFactory,
)

# Wednesday 16 January 2030, 10:00 UTC: inside the default send window in London.
NOW = datetime.datetime(2030, 1, 16, 10, 0, tzinfo=datetime.UTC)


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


@dataclass
class NurtureWorld:
    owner: User
    consideration: JourneyStage
    shortlist: JourneyStage
    discovery: PipelineStage  # 30 days in stage, 14 without activity; journey: shortlist
    proposal: PipelineStage
    won: PipelineStage
    lost: PipelineStage
    generic: Sequence  # shortlist, every role
    economic: Sequence  # shortlist, economic buyers
    account: Account
    champion: Contact
    buyer: Contact  # economic buyer

    def deal(self, *, entered_days_ago: float = 40, stage=None, name="Acme rollout") -> Opportunity:
        return opportunity_create(
            data={
                "account": self.account,
                "name": name,
                "owner": self.owner,
                "stage": stage or self.discovery,
            },
            created_by=self.owner,
            at=days_ago(entered_days_ago),
        )


def email_step(sequence: Sequence, position: int, **extra) -> Step:
    return StepFactory(
        sequence=sequence,
        position=position,
        kind=Step.Kind.EMAIL,
        subject=extra.pop("subject", f"Step {position} for {{{{ account.name }}}}"),
        body=extra.pop("body", "Hello {{ contact.first_name }}, read {{ asset.url }}"),
        asset=extra.pop("asset", None) or AssetFactory(url=f"https://content.example/{position}"),
        **extra,
    )


@pytest.fixture
def world(db) -> NurtureWorld:
    return build_world()


def build_world() -> NurtureWorld:
    journey = JourneyFactory()
    consideration = JourneyStageFactory(
        journey=journey, name="Consideration", slug="consideration", phase=Phase.CONSIDERATION
    )
    shortlist = JourneyStageFactory(
        journey=journey,
        parent=consideration,
        name="Shortlist",
        slug="shortlist",
        phase=Phase.CONSIDERATION,
    )
    generic = SequenceFactory(name="Shortlist nurture", journey_stage=shortlist, is_active=True)
    economic = SequenceFactory(
        name="Shortlist nurture for economic buyers",
        journey_stage=shortlist,
        buying_role=BuyingRole.ECONOMIC_BUYER,
        is_active=True,
    )
    for sequence in (generic, economic):
        email_step(sequence, 1)
        email_step(sequence, 2, delay_days=2)
    account = AccountFactory(name="Acme", domain="acme.example")
    return NurtureWorld(
        owner=UserFactory(username="rita.rep", email="rita@waymark.test", role=Role.SALES),
        consideration=consideration,
        shortlist=shortlist,
        discovery=PipelineStageFactory(
            name="Discovery",
            journey_stage=shortlist,
            max_days_in_stage=30,
            max_days_without_activity=14,
        ),
        proposal=PipelineStageFactory(name="Proposal", journey_stage=shortlist),
        won=PipelineStageFactory(name="Won", outcome=PipelineStage.Outcome.WON),
        lost=PipelineStageFactory(name="Lost", outcome=PipelineStage.Outcome.LOST),
        generic=generic,
        economic=economic,
        account=account,
        champion=ContactFactory(
            account=account,
            first_name="Chloe",
            email="chloe@acme.example",
            buying_role=BuyingRole.CHAMPION,
            time_zone="Europe/London",
        ),
        buyer=ContactFactory(
            account=account,
            first_name="Ben",
            email="ben@acme.example",
            buying_role=BuyingRole.ECONOMIC_BUYER,
            time_zone="Europe/London",
        ),
    )
