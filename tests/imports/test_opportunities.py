from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from apps.engagement.models import RecomputeRequest
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PipelineStageFactory,
)
from tests.imports.conftest import row_errors

pytestmark = pytest.mark.django_db

DEALS = (
    "external_id,name,account_domain,owner_email,stage,amount,currency,expected_close_date,"
    "stage_entered_at\n"
    "D-1,Acme expansion,acme.com,ivy@waymark.test,Discovery,25000,eur,2026-03-31,2025-11-02\n"
    "D-2,Acme renewal,acme.com,,Proposal,,,,\n"
)


@pytest.fixture
def stages(db):
    return {
        "Discovery": PipelineStageFactory(name="Discovery", position=1),
        "Proposal": PipelineStageFactory(name="Proposal", position=2),
        "Won": PipelineStageFactory(name="Won", position=3, outcome=PipelineStage.Outcome.WON),
    }


def test_new_deals_start_their_stage_history_when_the_file_says(run_import, importer, stages):
    AccountFactory(domain="acme.com")

    run = run_import("opportunities", DEALS, source="hubspot")

    assert (run.creates, run.errors) == (2, 0)
    expansion = Opportunity.objects.get(external_id="D-1")
    entered = datetime(2025, 11, 2, tzinfo=UTC)
    assert (expansion.stage, expansion.stage_entered_at, expansion.owner) == (
        stages["Discovery"],
        entered,
        importer,
    )
    assert (expansion.currency, expansion.expected_close_date) == ("EUR", date(2026, 3, 31))
    assert expansion.days_in_stage == (timezone.now() - entered).days
    assert list(expansion.stage_changes.values_list("stage__name", "entered_at", "exited_at")) == [
        ("Discovery", entered, None)
    ]
    # No owner column value: the deal is the importer's.
    assert Opportunity.objects.get(external_id="D-2").owner == importer


def test_a_changed_stage_moves_the_deal_through_its_history(run_import, stages):
    deal = OpportunityFactory(
        name="Acme expansion",
        stage=stages["Discovery"],
        stage_entered_at=datetime(2025, 1, 1, tzinfo=UTC),
        account=AccountFactory(domain="acme.com"),
    )

    run = run_import(
        "opportunities",
        "name,account_domain,stage,stage_entered_at\nAcme expansion,acme.com,Won,2025-06-01\n",
    )

    assert (run.updates, run.creates) == (1, 0)
    deal.refresh_from_db()
    moved = datetime(2025, 6, 1, tzinfo=UTC)
    assert (deal.stage, deal.stage_entered_at, deal.closed_at) == (stages["Won"], moved, moved)
    assert list(
        StageChange.objects.filter(opportunity=deal).values_list(
            "stage__name", "from_stage__name", "exited_at"
        )
    ) == [("Discovery", None, moved), ("Won", "Discovery", None)]


def test_deals_the_file_closes_start_a_new_buying_cycle_for_their_accounts(run_import, stages):
    acme, globex = AccountFactory(domain="acme.com"), AccountFactory(domain="globex.com")
    OpportunityFactory(
        name="Acme expansion",
        stage=stages["Discovery"],
        stage_entered_at=datetime(2025, 1, 1, tzinfo=UTC),
        account=acme,
    )
    ann, bob = ContactFactory(account=acme), ContactFactory(account=globex)

    run_import(
        "opportunities",
        "name,account_domain,stage,stage_entered_at\n"
        "Acme expansion,acme.com,Won,2025-06-01\n"
        "Globex pilot,globex.com,Proposal,2025-06-01\n",
    )

    ann.refresh_from_db()
    bob.refresh_from_db()
    assert ann.buying_cycle_started_at == datetime(2025, 6, 1, tzinfo=UTC)
    assert bob.buying_cycle_started_at is None
    assert set(RecomputeRequest.objects.values_list("account_id", flat=True)) == {acme.pk}


def test_a_move_before_the_current_stage_began_is_refused(run_import, stages):
    OpportunityFactory(
        name="Deal",
        stage=stages["Proposal"],
        stage_entered_at=datetime(2025, 6, 1, tzinfo=UTC),
        account=AccountFactory(domain="acme.com"),
    )

    run = run_import(
        "opportunities",
        "name,account_domain,stage,stage_entered_at\nDeal,acme.com,Won,2025-01-01\n",
    )

    assert row_errors(run) == [
        (
            2,
            "stage_entered_at",
            "2025-01-01 00:00:00+00:00",
            "The stage change predates the day the deal entered its current stage.",
        )
    ]


def test_a_crm_create_date_dates_new_deals_and_corrects_known_ones(run_import, stages):
    acme = AccountFactory(domain="acme.com")
    known = OpportunityFactory(name="Acme renewal", stage=stages["Proposal"], account=acme)
    untouched = OpportunityFactory(name="Acme pilot", stage=stages["Proposal"], account=acme)
    kept = untouched.created_at

    run = run_import(
        "opportunities",
        "Deal Name,Company Domain,Deal Stage,Create Date\n"
        "Acme expansion,acme.com,Discovery,2025-09-15\n"
        "Acme renewal,acme.com,Proposal,2025-10-01T08:30:00Z\n"
        "Acme pilot,acme.com,Proposal,\n",
        mapping={
            "Deal Name": "name",
            "Company Domain": "account_domain",
            "Deal Stage": "stage",
            "Create Date": "created_at",
        },
    )

    assert (run.creates, run.updates, run.errors) == (1, 1, 0)
    expansion = Opportunity.objects.get(name="Acme expansion")
    assert expansion.created_at == datetime(2025, 9, 15, tzinfo=UTC)
    known.refresh_from_db()
    assert known.created_at == datetime(2025, 10, 1, 8, 30, tzinfo=UTC)
    untouched.refresh_from_db()
    assert untouched.created_at == kept  # an empty cell keeps what Waymark has


def test_a_create_date_that_is_no_date_in_the_future_or_after_the_stage_is_refused(
    run_import, stages
):
    AccountFactory(domain="acme.com")
    future = (timezone.now() + timedelta(days=30)).date().isoformat()

    run = run_import(
        "opportunities",
        "name,account_domain,stage,stage_entered_at,created_at\n"
        "A,acme.com,Proposal,,last spring\n"
        f"B,acme.com,Proposal,,{future}\n"
        "C,acme.com,Proposal,2025-05-01,2025-06-01\n"
        "D,acme.com,Proposal,2025-06-01,2025-05-01\n",
    )

    assert row_errors(run) == [
        (2, "created_at", "last spring", "Not a date such as 2026-03-31."),
        (3, "created_at", future, "Cannot be in the future."),
        (
            4,
            "created_at",
            "2025-06-01",
            "The deal cannot be created after it entered its stage (2025-05-01).",
        ),
    ]
    assert list(Opportunity.objects.values_list("name", "created_at")) == [
        ("D", datetime(2025, 5, 1, tzinfo=UTC))
    ]


def test_unknown_stage_and_account_are_named(run_import, stages):
    run = run_import(
        "opportunities",
        "name,account_domain,stage\nA,nowhere.example,Proposal\nB,nowhere.example,Dreaming\n",
    )

    assert row_errors(run) == [
        (2, "account_domain", "nowhere.example", "No account in Waymark matches this account."),
        (3, "stage", "Dreaming", "No pipeline stage named “Dreaming” in Waymark."),
    ]
