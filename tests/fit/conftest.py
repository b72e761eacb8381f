import random

import pytest

from apps.pipeline.models import PipelineStage
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)


@pytest.fixture
def planted_world(db):
    """30 won accounts, mostly large software companies with a VP on the committee; 30 lost,
    mostly small retailers with individual contributors; one open deal that teaches nothing.
    One in five of each breaks the pattern, so the model has something to weigh."""
    rng = random.Random(7)
    won = PipelineStageFactory(name="Closed won", outcome=PipelineStage.Outcome.WON)
    lost = PipelineStageFactory(name="Closed lost", outcome=PipelineStage.Outcome.LOST)
    open_stage = PipelineStageFactory(name="Discovery")
    cfo, clerk = PersonaFactory(name="CFO"), PersonaFactory(name="AP clerk")
    world = {"won": [], "lost": []}
    for outcome, stage in (("won", won), ("lost", lost)):
        for n in range(30):
            typical = n % 5 != 0
            software = (outcome == "won") == typical
            account = AccountFactory(
                industry="Software" if software else "Retail",
                employee_count=rng.randint(1_500, 4_000) if software else rng.randint(10, 40),
                region=rng.choice(["EMEA", "North America"]),
            )
            senior = software
            ContactFactory(
                account=account,
                persona=cfo if senior else clerk,
                buying_role="economic_buyer" if senior else "end_user",
                seniority="vp" if senior else "individual",
            )
            OpportunityFactory(account=account, stage=stage)
            world[outcome].append(account)
    OpportunityFactory(account=AccountFactory(industry="Software"), stage=open_stage)
    world["personas"] = {"cfo": cfo, "clerk": clerk}
    return world
