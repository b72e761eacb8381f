"""The database refuses data the domain forbids, and `full_clean` says so field by field."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Account, normalise_domain
from apps.content.models import Asset, EnablementRequest
from apps.journeys.kpis import Kpi
from apps.journeys.models import JourneyStage, Phase
from apps.nurture.models import Enrollment, Touch
from apps.personas.models import Persona
from apps.pipeline.models import StageChange
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    ContactFactory,
    EnablementRequestFactory,
    EnrollmentFactory,
    EventFactory,
    JourneyStageFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
    StageTransitionFactory,
    TouchFactory,
)

pytestmark = pytest.mark.django_db


def _violates(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Acme.com", "acme.com"),
        ("https://www.Acme.com/about", "acme.com"),
        ("  acme.com.  ", "acme.com"),
        ("http://shop.acme.co.uk:8080/x", "shop.acme.co.uk"),
    ],
)
def test_domains_are_normalised(raw, normal):
    assert normalise_domain(raw) == normal


def test_account_domain_is_unique_whatever_its_spelling():
    AccountFactory(domain="acme.com")
    duplicate = Account(name="Acme again", domain="WWW.ACME.COM")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "domain" in error.value.message_dict
    assert duplicate.domain == "acme.com"
    _violates(AccountFactory, domain="acme.com")


def test_database_refuses_an_unnormalised_domain_or_email():
    _violates(AccountFactory, domain="Acme.com")
    _violates(ContactFactory, email="Pat@Acme.com")


def test_contact_email_is_unique_ignoring_case():
    ContactFactory(email="pat@acme.com")
    duplicate = ContactFactory.build(email="PAT@acme.com", account=AccountFactory())
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "email" in error.value.message_dict


def test_money_and_scores_stay_in_range():
    _violates(OpportunityFactory, amount=-1)
    _violates(AccountFactory, annual_revenue=-5)
    _violates(AccountFactory, fit_score=101)
    _violates(PipelineStageFactory, probability=150)
    _violates(CampaignFactory, budget=-10)


def test_pipeline_stage_positions_are_unique():
    PipelineStageFactory(position=3)
    _violates(PipelineStageFactory, position=3)


def test_an_opportunity_has_one_current_stage():
    opportunity = OpportunityFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageChange.objects.create(
            opportunity=opportunity, stage=opportunity.stage, entered_at=timezone.now()
        )


def test_a_stage_is_left_after_it_is_entered():
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        StageChange.objects.create(
            opportunity=OpportunityFactory(),
            stage=PipelineStageFactory(),
            entered_at=now,
            exited_at=now - datetime.timedelta(days=1),
        )


def test_journey_stages_are_ordered_among_siblings():
    top = JourneyStageFactory(position=1)
    _violates(JourneyStageFactory, journey=top.journey, position=1)
    JourneyStageFactory(journey=top.journey, parent=top, position=1)  # own sibling order
    _violates(JourneyStageFactory, journey=top.journey, parent=top, position=1)


def test_sub_stages_share_the_parent_phase_and_go_one_level_deep():
    parent = JourneyStageFactory(phase=Phase.CONSIDERATION)
    wrong_phase = JourneyStage(
        journey=parent.journey, parent=parent, name="Shortlist", slug="s", phase=Phase.DECISION
    )
    with pytest.raises(ValidationError) as error:
        wrong_phase.clean()
    assert "phase" in error.value.message_dict

    child = JourneyStageFactory(journey=parent.journey, parent=parent, phase=parent.phase)
    grandchild = JourneyStage(
        journey=parent.journey, parent=child, name="Too deep", slug="d", phase=parent.phase
    )
    with pytest.raises(ValidationError) as error:
        grandchild.clean()
    assert "parent" in error.value.message_dict


def test_transitions_lead_to_another_stage_of_the_same_journey():
    stage = JourneyStageFactory()
    _violates(StageTransitionFactory, from_stage=stage, to_stage=stage)
    transition = StageTransitionFactory.build(from_stage=stage, to_stage=JourneyStageFactory())
    with pytest.raises(ValidationError) as error:
        transition.clean()
    assert "to_stage" in error.value.message_dict


def test_campaign_dates_and_kpi_fit():
    _violates(
        CampaignFactory,
        start_date=datetime.date(2026, 5, 1),
        end_date=datetime.date(2026, 4, 1),
    )
    awareness = JourneyStageFactory(phase=Phase.AWARENESS)
    campaign = CampaignFactory.build(goal_stage=awareness, kpi=Kpi.DEAL_VELOCITY)
    with pytest.raises(ValidationError) as error:
        campaign.clean()
    assert "Reach" in error.value.message_dict["kpi"][0]
    CampaignFactory.build(goal_stage=awareness, kpi=Kpi.ENGAGEMENT_RATE).clean()


def test_events_are_unique_per_source_sender_id_and_time():
    at = timezone.now()
    EventFactory(source="web", external_id="abc", occurred_at=at)
    _violates(EventFactory, source="web", external_id="abc", occurred_at=at)
    EventFactory(source="crm", external_id="abc", occurred_at=at)
    EventFactory(source="web", external_id="", occurred_at=at)
    EventFactory(source="web", external_id="", occurred_at=at)


def test_a_contact_is_active_once_per_sequence():
    enrollment = EnrollmentFactory()
    _violates(EnrollmentFactory, sequence=enrollment.sequence, contact=enrollment.contact)
    enrollment.status = Enrollment.Status.EXITED
    enrollment.save()
    EnrollmentFactory(sequence=enrollment.sequence, contact=enrollment.contact)


def test_a_step_is_touched_once_per_enrollment():
    touch = TouchFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Touch.objects.create(enrollment=touch.enrollment, step=touch.step, sent_at=touch.sent_at)


def test_declining_a_request_needs_a_reason():
    _violates(EnablementRequestFactory, status=EnablementRequest.Status.DECLINED)
    EnablementRequestFactory(status=EnablementRequest.Status.DECLINED, decline_reason="Exists")


def test_a_published_asset_needs_a_link_or_file():
    asset = AssetFactory.build(url="", status=Asset.Status.PUBLISHED)
    with pytest.raises(ValidationError) as error:
        asset.clean()
    assert "url" in error.value.message_dict
    AssetFactory.build(url="", status=Asset.Status.DRAFT).clean()


@pytest.mark.parametrize("domain", ["https://", "localhost", "acme", "acme..com", "-acme.com"])
def test_an_account_needs_a_real_web_domain(domain):
    with pytest.raises(ValidationError) as error:
        Account(name="Acme", domain=domain).full_clean()
    assert "domain" in error.value.message_dict


def test_persona_names_are_unique_whatever_their_capitals():
    PersonaFactory(name="CFO")
    with pytest.raises(ValidationError) as error:
        Persona(name="cfo", buying_role="economic_buyer").full_clean()
    assert error.value.message_dict["name"] == ["A persona named “CFO” exists."]
