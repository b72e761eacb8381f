import pytest

from apps.journeys.phases import Phase
from tests.factories import (
    JourneyFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PipelineStageFactory,
)


@pytest.fixture
def journey():
    return JourneyFactory(key="buyer")


@pytest.fixture
def evaluation(journey):
    return JourneyStageFactory(
        journey=journey, name="Evaluation", slug="evaluation", phase=Phase.DECISION
    )


@pytest.fixture
def deal(sales_rep, evaluation):
    """A rep's open deal whose pipeline stage maps to the decision-phase "evaluation" stage."""
    stage = PipelineStageFactory(name="Proposal", journey_stage=evaluation)
    return OpportunityFactory(owner=sales_rep, stage=stage, name="Acme rollout")
