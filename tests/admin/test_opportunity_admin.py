import datetime
import re

from django.utils import timezone

from apps.pipeline.models import Opportunity, StageChange
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import AccountFactory, OpportunityFactory, PipelineStageFactory, UserFactory


def _post_page(client, url, **changes):
    data = page_post_data(client.get(url)) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def test_adding_a_deal_starts_its_stage_history(staff_client, admin_member):
    account, owner, stage = AccountFactory(), UserFactory(), PipelineStageFactory()

    _post_page(
        staff_client,
        admin_url(Opportunity, "add"),
        name="Acme platform deal",
        account=account.pk,
        owner=owner.pk,
        stage=stage.pk,
        amount="48000",
        currency="EUR",
        expected_close_date="2026-06-30",
    )

    deal = Opportunity.objects.get(name="Acme platform deal")
    assert (deal.account, deal.owner, deal.stage) == (account, owner, stage)
    history = list(StageChange.objects.filter(opportunity=deal))
    assert len(history) == 1
    assert history[0].stage == stage
    assert history[0].from_stage is None
    assert history[0].exited_at is None
    assert history[0].entered_at == deal.stage_entered_at
    assert history[0].changed_by == admin_member


def test_moving_a_deal_closes_the_old_stay_and_opens_a_new_one(staff_client, admin_member):
    deal = OpportunityFactory()
    first_stage, next_stage = deal.stage, PipelineStageFactory()

    _post_page(staff_client, admin_url(Opportunity, "change", deal.pk), stage=next_stage.pk)

    deal.refresh_from_db()
    old, new = StageChange.objects.filter(opportunity=deal).order_by("entered_at")
    assert deal.stage == next_stage
    assert old.stage == first_stage
    assert old.exited_at == new.entered_at == deal.stage_entered_at
    assert new.stage == next_stage
    assert new.from_stage == first_stage
    assert new.exited_at is None
    assert new.changed_by == admin_member


def test_editing_a_deal_without_moving_it_leaves_the_history_alone(staff_client):
    deal = OpportunityFactory(amount=1000)
    entered = deal.stage_entered_at

    _post_page(staff_client, admin_url(Opportunity, "change", deal.pk), amount="2500")

    deal.refresh_from_db()
    assert deal.amount == 2500
    assert deal.stage_entered_at == entered
    assert StageChange.objects.filter(opportunity=deal).count() == 1


def test_stage_entered_at_cannot_be_set_through_the_form(staff_client):
    deal = OpportunityFactory()
    entered = deal.stage_entered_at
    forged = {"stage_entered_at": "2020-01-01 00:00:00", "name": "Renamed deal"}

    _post_page(staff_client, admin_url(Opportunity, "change", deal.pk), **forged)

    deal.refresh_from_db()
    assert deal.name == "Renamed deal"
    assert deal.stage_entered_at == entered


def test_list_shows_days_in_stage_and_flags_deals_over_the_stage_limit(staff_client):
    stage = PipelineStageFactory(max_days_in_stage=5)
    ten_days_ago = timezone.now() - datetime.timedelta(days=10)
    OpportunityFactory(name="Stalled deal", stage=stage, stage_entered_at=ten_days_ago)
    OpportunityFactory(name="Fresh deal", stage=stage)

    html = staff_client.get(admin_url(Opportunity, "changelist")).content.decode()

    days = re.findall(r'<td class="field-days_in_stage">(\d+)</td>', html)
    flags = re.findall(r'<td class="field-over_stage_time_limit"><img [^>]*alt="(\w+)"', html)
    assert sorted(days) == ["0", "10"]
    assert sorted(flags) == ["False", "True"]


def test_a_stage_move_the_services_refuse_is_a_form_error(staff_client):
    # Entered its stage tomorrow (a clock skew in an import): moving it now would overlap.
    entered = timezone.now() + datetime.timedelta(days=1)
    deal = OpportunityFactory(stage_entered_at=entered)
    StageChange.objects.filter(opportunity=deal).update(entered_at=entered)
    url = admin_url(Opportunity, "change", deal.pk)
    data = page_post_data(staff_client.get(url)) | {"stage": PipelineStageFactory().pk}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["stage"]
    assert errors == [f"The move predates the current stage, entered {entered:%Y-%m-%d %H:%M} UTC."]
    deal.refresh_from_db()
    assert deal.stage_entered_at == entered
    assert StageChange.objects.filter(opportunity=deal).count() == 1
