""" "Stalled" is one thing on every page: a deal in an open stall the sweep found, whatever the
reason (too long in its stage, too long without activity, or both)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.nurture.services import stall_sweep
from apps.pipeline.models import StallReason
from apps.pipeline.selectors import stalled_count
from tests.factories import AccountFactory, EventFactory, OpportunityFactory, PipelineStageFactory

pytestmark = pytest.mark.django_db


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


@pytest.fixture
def rep_deals(sales_rep, other_sales_rep):
    """The rep's deals: one stalled for each reason and one fine; another rep's stalled deal."""
    tight = PipelineStageFactory(max_days_in_stage=10, max_days_without_activity=5)
    patient = PipelineStageFactory(max_days_in_stage=90, max_days_without_activity=5)

    def deal(owner, stage, entered, activity=None):
        account = AccountFactory()
        if activity is not None:
            EventFactory(account=account, occurred_at=_ago(activity))
        return OpportunityFactory(
            owner=owner, account=account, stage=stage, stage_entered_at=_ago(entered)
        )

    deals = {
        StallReason.TIME_IN_STAGE: deal(sales_rep, tight, entered=20, activity=1),
        StallReason.NO_ACTIVITY: deal(sales_rep, patient, entered=20),
        StallReason.BOTH: deal(sales_rep, tight, entered=30),
        "fine": deal(sales_rep, patient, entered=2, activity=1),
        "other rep's": deal(other_sales_rep, tight, entered=30),
    }
    stall_sweep(now=timezone.now())
    return deals


def test_the_stalled_count_is_the_same_on_every_page(client_for, api_client, sales_rep, rep_deals):
    for reason in (StallReason.TIME_IN_STAGE, StallReason.NO_ACTIVITY, StallReason.BOTH):
        rep_deals[reason].refresh_from_db()
        assert rep_deals[reason].stall_reason == reason
    assert stalled_count(owner=sales_rep) == 3

    client = client_for(sales_rep)
    pages = {
        "home": reverse("web:home"),
        "my opportunities": reverse("web:opportunity_list") + "?mine=1",
        "stalled board": reverse("nurture:stalled_board") + "?mine=1",
        "deals to enable": reverse("enablement:my_opportunities"),
    }
    for name, url in pages.items():
        text = client.get(url).text
        counts = re.findall(r'data-testid="stalled-count">(\d+) stalled<', text)
        assert counts == ["3"], name
        if name != "stalled board":  # the board lists only stalled deals, without badges
            assert text.count('data-testid="stalled"') == 3, name
    board = client.get(pages["stalled board"]).context["opportunities"]
    assert len(board) == 3

    api = api_client(sales_rep).get(
        "/api/v1/opportunities/", {"mine": "true", "is_stalled": "true"}
    )
    assert api.json()["count"] == 3
    assert all(deal["is_stalled"] for deal in api.json()["results"])
