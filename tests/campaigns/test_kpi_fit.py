"""Which KPI fits which stage: awareness is measured by reach and engagement, consideration by
pipeline influence, decision by conversion and deal velocity; a sub-stage follows its phase."""

import pytest
from django.core.exceptions import ValidationError

from apps.campaigns.forms import CampaignForm
from apps.journeys.kpis import Kpi
from tests.factories import CampaignFactory, CampaignTemplateFactory

pytestmark = pytest.mark.django_db

FITS = {
    "awareness": {Kpi.REACH, Kpi.ENGAGEMENT_RATE},
    "problem": {Kpi.REACH, Kpi.ENGAGEMENT_RATE},
    "consideration": {Kpi.PIPELINE_INFLUENCE},
    "shortlist": {Kpi.PIPELINE_INFLUENCE},
    "decision": {Kpi.CONVERSION_RATE, Kpi.DEAL_VELOCITY},
}
CASES = [(stage, kpi, kpi in fitting) for stage, fitting in FITS.items() for kpi in Kpi]


@pytest.mark.parametrize(("stage", "kpi", "fits"), CASES, ids=[f"{s}-{k}" for s, k, _ in CASES])
def test_a_campaign_takes_only_a_kpi_that_fits_its_goal_stage(stages, stage, kpi, fits):
    campaign = CampaignFactory.build(goal_stage=getattr(stages, stage), kpi=kpi)

    if fits:
        campaign.clean()
    else:
        with pytest.raises(ValidationError) as error:
            campaign.clean()
        assert list(error.value.message_dict) == ["kpi"]


@pytest.mark.parametrize("stage", FITS)
def test_the_form_offers_the_kpis_of_the_goal_stage(stages, stage):
    form = CampaignForm(data={"goal_stage": getattr(stages, stage).pk})

    offered = {value for value, _ in form.fields["kpi"].widget.choices if value}

    assert offered == FITS[stage]


def test_the_form_offers_no_kpi_before_a_goal_is_picked(db):
    choices = CampaignForm().fields["kpi"].widget.choices
    assert choices == [("", "Pick a goal stage first")]


@pytest.mark.parametrize(
    ("phase", "kpi", "fits"),
    [("awareness", Kpi.ENGAGEMENT_RATE, True), ("decision", Kpi.PIPELINE_INFLUENCE, False)],
)
def test_a_template_takes_only_a_kpi_that_fits_its_phase(phase, kpi, fits):
    template = CampaignTemplateFactory.build(phase=phase, kpi=kpi)
    if fits:
        template.clean()
    else:
        with pytest.raises(ValidationError, match="does not measure a decision goal"):
            template.clean()
