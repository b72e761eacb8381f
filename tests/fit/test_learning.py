from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Account, Contact
from apps.core.exceptions import ApplicationError
from apps.fit import features, selectors
from apps.fit.models import FitModel
from apps.fit.services import fit_training_request
from apps.pipeline.models import PipelineStage
from tests.factories import AccountFactory, OpportunityFactory, PipelineStageFactory

pytestmark = pytest.mark.django_db


def _train():
    return fit_training_request(by=None, in_background=False)


def test_learning_on_a_planted_world_favours_what_won(planted_world):
    model = _train()

    assert model.status == FitModel.Status.ACTIVE
    assert (model.won_accounts, model.lost_accounts) == (30, 30)
    assert (model.won_people, model.lost_people) == (30, 30)
    assert model.account_auc > 0.7 and model.person_auc > 0.7
    points = features.level_points(model.account_model)
    assert points["industry"]["Software"] > 0 > points["industry"]["Retail"]
    assert points["employees"]["1001–5000"] > 0 > points["employees"]["1–50"]
    person = features.level_points(model.person_model)
    assert person["seniority"]["vp"] > 0 > person["seniority"]["individual"]

    software = AccountFactory(industry="Software", employee_count=3_000)
    retail = AccountFactory(industry="Retail", employee_count=20)
    from apps.fit.services import fits_apply

    fits_apply(account_ids=[software.pk, retail.pk])
    software.refresh_from_db()
    retail.refresh_from_db()
    assert software.fit_score > retail.fit_score
    assert software.fit_source == Account.FitSource.LEARNED


def test_training_writes_every_fit_and_retires_the_previous_model(planted_world):
    first = _train()
    second = _train()

    first.refresh_from_db()
    assert (first.status, second.status) == (FitModel.Status.RETIRED, FitModel.Status.ACTIVE)
    assert not Account.objects.filter(fit_learned__isnull=True).exists()
    assert not Contact.objects.filter(person_fit__isnull=True).exists()


def test_training_is_refused_with_too_few_closed_deals_and_the_manual_fit_stays():
    won = PipelineStageFactory(outcome=PipelineStage.Outcome.WON)
    lost = PipelineStageFactory(outcome=PipelineStage.Outcome.LOST)
    for _ in range(12):
        OpportunityFactory(stage=won)
    for _ in range(4):
        OpportunityFactory(stage=lost)
    account = AccountFactory(fit_score=70, fit_source=Account.FitSource.MANUAL)

    with pytest.raises(ApplicationError, match="12 accounts won and 4 lost; a fit model needs"):
        _train()

    assert not FitModel.objects.exists()
    account.refresh_from_db()
    assert (account.fit_score, account.fit_learned) == (70, None)


def test_an_account_with_a_won_and_a_lost_deal_counts_as_won():
    won = PipelineStageFactory(outcome=PipelineStage.Outcome.WON)
    lost = PipelineStageFactory(outcome=PipelineStage.Outcome.LOST)
    account = AccountFactory()
    OpportunityFactory(account=account, stage=won)
    OpportunityFactory(account=account, stage=lost)
    OpportunityFactory(stage=lost)

    assert selectors.closed_account_counts() == (1, 1)


def test_the_command_trains_and_says_how_well(planted_world):
    out = StringIO()

    call_command("train_fit_model", stdout=out)

    assert out.getvalue().startswith(
        "Fit model v1 active: learned from 30 won and 30 lost accounts (30 and 30 people); "
        "account AUC 0."
    )


def test_the_command_refuses_with_too_few_closed_deals(db):
    with pytest.raises(CommandError, match="Too few closed deals to learn from"):
        call_command("train_fit_model", stdout=StringIO())
