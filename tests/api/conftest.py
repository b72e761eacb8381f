"""A small world for API tests: one of each record, and valid input for each endpoint."""

from dataclasses import dataclass

import pytest

import tests.factories as factories
from apps.accounts.models import Account, Contact
from apps.content.models import Asset, EnablementRequest
from apps.engagement.models import Handoff
from apps.personas.models import Persona
from apps.pipeline.models import Opportunity, PipelineStage
from apps.users.models import User
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

MODELS = {
    "accounts": Account,
    "contacts": Contact,
    "opportunities": Opportunity,
    "pipeline-stages": PipelineStage,
    "personas": Persona,
    "assets": Asset,
}


def url(endpoint: str, pk: int | None = None, action: str | None = None) -> str:
    path = f"/api/v1/{endpoint}/"
    if pk is not None:
        path += f"{pk}/"
    if action is not None:
        path += f"{action}/"
    return path


@dataclass
class World:
    sales_rep: User
    other_sales_rep: User
    account: Account
    contact: Contact
    persona: Persona
    asset: Asset
    discovery: PipelineStage
    proposal: PipelineStage
    won: PipelineStage
    opportunity: Opportunity  # owned by `sales_rep`
    others_opportunity: Opportunity  # owned by `other_sales_rep`

    def record(self, endpoint: str):
        return {
            "accounts": self.account,
            "contacts": self.contact,
            "opportunities": self.opportunity,
            "pipeline-stages": self.discovery,
            "personas": self.persona,
            "assets": self.asset,
        }[endpoint]

    def valid_input(self, endpoint: str) -> dict:
        """A complete, valid create (or full update) body for the endpoint."""
        return {
            "accounts": {"name": "Northwind", "domain": "northwind.example", "tier": 1},
            "contacts": {
                "account": self.account.pk,
                "first_name": "Nina",
                "last_name": "Park",
                "email": "nina.park@northwind.example",
                "persona": self.persona.pk,
            },
            "opportunities": {
                "account": self.account.pk,
                "name": "Northwind rollout",
                "stage": self.discovery.pk,
                "amount": "12000.00",
            },
            "pipeline-stages": {"name": "Pilot", "position": 40, "probability": 50},
            "personas": {"name": "Head of Finance", "buying_role": "economic_buyer"},
            "assets": {
                "title": "ROI calculator",
                "asset_type": "roi_calculator",
                "journey_stage": self.asset.journey_stage_id,
                "personas": [self.persona.pk],
                "url": "https://content.example/roi",
                "status": "published",
            },
        }[endpoint]


@pytest.fixture
def world(sales_rep, other_sales_rep) -> World:
    persona = PersonaFactory(name="IT Director")
    account = AccountFactory(name="Acme", domain="acme.com")
    asset = AssetFactory(journey_stage=JourneyStageFactory())
    asset.personas.add(persona)
    discovery = PipelineStageFactory(name="Discovery", max_days_in_stage=10)
    return World(
        sales_rep=sales_rep,
        other_sales_rep=other_sales_rep,
        account=account,
        contact=ContactFactory(account=account, persona=persona, email="ann@acme.com"),
        persona=persona,
        asset=asset,
        discovery=discovery,
        proposal=PipelineStageFactory(name="Proposal"),
        won=PipelineStageFactory(name="Won", outcome=PipelineStage.Outcome.WON),
        opportunity=OpportunityFactory(account=account, owner=sales_rep, stage=discovery),
        others_opportunity=OpportunityFactory(
            account=account, owner=other_sales_rep, stage=discovery
        ),
    )


@pytest.fixture
def users(marketer, sales_rep, admin_member) -> dict[str, User | None]:
    return {"marketer": marketer, "sales": sales_rep, "admin": admin_member, "anonymous": None}


@pytest.fixture
def every_record(admin_member, sales_rep):
    """One of every record the factories make; the deals, requests and handoffs are the sales
    rep's own (a rep reads only their own handoffs)."""
    for name in factories.__all__:
        getattr(factories, name)()
    Opportunity.objects.update(owner=sales_rep)
    EnablementRequest.objects.update(requested_by=sales_rep)
    Handoff.objects.update(owner=sales_rep)
    # Everyone reads only their own notifications: one each for the users the run signs in as.
    factories.NotificationFactory(recipient=admin_member)
    factories.NotificationFactory(recipient=sales_rep)
