import datetime

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from apps.analytics.snapshots import snapshot_days_ago
from apps.pipeline.models import PipelineStage, StallReason
from apps.pipeline.selectors import opportunity_list, stalled_opportunities
from apps.pipeline.services import opportunity_create, opportunity_move_stage
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db

OPPORTUNITIES = reverse("web:opportunity_list")


def _days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def stages():
    return {
        "discovery": PipelineStageFactory(name="Discovery", max_days_in_stage=14),
        "proposal": PipelineStageFactory(name="Proposal", max_days_in_stage=None),
        "won": PipelineStageFactory(
            name="Closed won", max_days_in_stage=1, outcome=PipelineStage.Outcome.WON
        ),
    }


@pytest.fixture
def deals(stages, sales_rep, other_sales_rep):
    """Deals named for what the list must make of them: (name, owner, stage, days in stage,
    the open stall the sweep marked, if any)."""
    rows = [
        ("Fresh", sales_rep, "discovery", 2, ""),
        ("At limit", sales_rep, "discovery", 14.5, ""),
        ("Stalled", sales_rep, "discovery", 15.1, StallReason.TIME_IN_STAGE),
        ("Very stalled", other_sales_rep, "discovery", 40, StallReason.BOTH),
        ("Quiet", sales_rep, "proposal", 20, StallReason.NO_ACTIVITY),
        ("No limit", sales_rep, "proposal", 90, ""),
        ("Won", sales_rep, "won", 200, ""),
    ]
    return [
        OpportunityFactory(
            name=name,
            owner=owner,
            stage=stages[stage],
            stage_entered_at=_days_ago(days),
            stalled_since=_days_ago(1) if reason else None,
            stall_reason=reason,
        )
        for name, owner, stage, days, reason in rows
    ]


def _names(response) -> list[str]:
    return [opportunity.name for opportunity in response.context["page_obj"]]


def test_stalled_means_an_open_stall_for_any_reason(deals):
    """One definition: the list's order, the badge and the stalled board read the same stall."""
    rows = list(opportunity_list())
    assert {o.name for o in rows if o.is_stalled} == {"Stalled", "Very stalled", "Quiet"}
    assert {o.name for o in stalled_opportunities()} == {"Stalled", "Very stalled", "Quiet"}


def test_the_list_is_read_in_its_order_from_an_index(deals):
    """At 100,000 open deals a sort of every one of them was most of the page's time."""
    rows = opportunity_list(outcome=PipelineStage.Outcome.OPEN)[:50]
    sql, params = rows.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")  # tiny tables: sorting would be cheaper
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "deal_active_stalled_first" in plan
    assert "Sort" not in plan


def test_the_owner_filter_offers_the_people_who_own_deals(
    client_for, marketer, sales_rep, other_sales_rep, deals
):
    choices = client_for(marketer).get(OPPORTUNITIES).context["form"].fields["owner"].queryset
    assert set(choices) == {sales_rep, other_sales_rep}


def test_open_deals_are_listed_stalled_first_then_longest_in_stage(client_for, marketer, deals):
    response = client_for(marketer).get(OPPORTUNITIES)
    assert _names(response) == [
        "Very stalled", "Quiet", "Stalled", "No limit", "At limit", "Fresh"
    ]  # fmt: skip
    assert response.text.count('data-testid="stalled"') == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?status=won", ["Won"]),
        (
            "?status=any",
            ["Very stalled", "Quiet", "Stalled", "Won", "No limit", "At limit", "Fresh"],
        ),
        ("?stage={proposal}", ["Quiet", "No limit"]),
        ("?owner={other}", ["Very stalled"]),
        ("?mine=1", ["Quiet", "Stalled", "No limit", "At limit", "Fresh"]),
        ("?mine=1&owner={other}", ["Quiet", "Stalled", "No limit", "At limit", "Fresh"]),
        ("?stage=999999", ["Very stalled", "Quiet", "Stalled", "No limit", "At limit", "Fresh"]),
    ],
)
def test_opportunity_filters(
    client_for, sales_rep, other_sales_rep, stages, deals, query, expected
):
    url = OPPORTUNITIES + query.format(proposal=stages["proposal"].pk, other=other_sales_rep.pk)
    assert _names(client_for(sales_rep).get(url)) == expected


def test_my_opportunities_hides_the_owner_filter(client_for, sales_rep, deals):
    response = client_for(sales_rep).get(OPPORTUNITIES + "?mine=1")
    assert '<h1 class="h3 mb-3">My opportunities</h1>' in response.text
    assert 'name="owner"' not in response.text
    assert '<input type="hidden" name="mine" value="1">' in response.text


def test_opportunity_detail_shows_history_and_committee(client_for, marketer, sales_rep, stages):
    account = AccountFactory(name="Acme Corp")
    ContactFactory(
        account=account,
        first_name="Dana",
        last_name="Scully",
        persona=PersonaFactory(name="IT Director"),
    )
    ContactFactory(first_name="Fox", last_name="Mulder")  # another account's contact
    deal = opportunity_create(
        data={
            "account": account,
            "name": "Acme expansion",
            "owner": sales_rep,
            "stage": stages["discovery"],
            "amount": 125000,
            "expected_close_date": datetime.date(2026, 9, 30),
        },
        created_by=sales_rep,
        at=datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC),
    )
    opportunity_move_stage(
        opportunity=deal,
        stage=stages["proposal"],
        changed_by=marketer,
        at=datetime.datetime(2026, 2, 10, 15, 45, tzinfo=datetime.UTC),
    )

    response = client_for(marketer).get(reverse("web:opportunity_detail", args=[deal.pk]))

    history = response.context["detail"].stage_history
    assert [(c.stage.name, c.changed_by) for c in history] == [
        ("Proposal", marketer),
        ("Discovery", sales_rep),
    ]
    text = response.text
    for shown in [
        "Acme expansion", "125,000 USD", "30 Sep 2026", str(sales_rep), str(marketer),
        "5 Jan 2026 09:00", "10 Feb 2026 15:45", "current", "Dana Scully", "IT Director",
    ]:  # fmt: skip
        assert shown in text, shown
    assert "Mulder" not in text


def test_sales_home_lists_own_open_deals_stalled_first(client_for, sales_rep, deals):
    response = client_for(sales_rep).get(reverse("web:home"))
    assert [o.name for o in response.context["opportunities"]] == [
        "Quiet",
        "Stalled",
        "No limit",
        "At limit",
        "Fresh",
    ]


@pytest.mark.parametrize("role_fixture", ["marketer", "admin_member"])
def test_marketing_home_counts_accounts_by_tier_and_deals_by_stage(
    request, client_for, role_fixture, deals
):
    AccountFactory.create_batch(2, tier=1, is_target=True)
    snapshot_days_ago(days_ago=0)  # deals by stage come from the latest pipeline snapshot
    response = client_for(request.getfixturevalue(role_fixture)).get(reverse("web:home"))

    tiers = {row["tier"].label: (row["count"], row["targets"]) for row in response.context["tiers"]}
    # Each deal brought its own tier-2 account.
    assert tiers == {"Tier 1": (2, 2), "Tier 2": (7, 0), "Tier 3": (0, 0)}
    stages = {
        row["stage"].name: (row["count"], row["amount"]) for row in response.context["stages"]
    }
    assert stages == {"Discovery": (4, 100000), "Proposal": (2, 50000), "Closed won": (1, 25000)}
    assert ("Django admin" in response.text.split("</nav>", 1)[1]) == (
        role_fixture == "admin_member"
    )
