"""Moving a deal through the API writes its stage history."""

import pytest

from apps.pipeline.models import StageChange
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def test_move_stage_closes_the_current_stay_and_opens_the_next(api_client, world, sales_rep):
    deal = world.opportunity
    response = api_client(sales_rep).post(
        url("opportunities", deal.pk, "move-stage"),
        {"stage": world.proposal.pk, "note": "Budget confirmed"},
    )
    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["stage_name"]) == (
        world.proposal.pk,
        "Proposal",
    )
    old, new = StageChange.objects.filter(opportunity=deal).order_by("entered_at")
    assert (old.stage, old.exited_at) == (world.discovery, new.entered_at)
    assert (new.stage, new.from_stage, new.exited_at) == (world.proposal, world.discovery, None)
    assert (new.changed_by, new.note) == (sales_rep, "Budget confirmed")
    deal.refresh_from_db()
    assert (deal.stage, deal.stage_entered_at) == (world.proposal, new.entered_at)


def test_moving_to_a_won_stage_closes_the_deal(api_client, world, sales_rep):
    response = api_client(sales_rep).post(
        url("opportunities", world.opportunity.pk, "move-stage"), {"stage": world.won.pk}
    )
    assert response.json()["is_closed"] is True
    assert response.json()["closed_at"] is not None


def test_changing_stage_by_update_also_writes_history(api_client, world, sales_rep):
    response = api_client(sales_rep).patch(
        url("opportunities", world.opportunity.pk), {"stage": world.proposal.pk}
    )
    assert response.status_code == 200
    current = StageChange.objects.get(opportunity=world.opportunity, exited_at__isnull=True)
    assert (current.stage, current.changed_by) == (world.proposal, sales_rep)


def test_history_lists_every_stay_oldest_first(api_client, world, sales_rep, marketer):
    move = url("opportunities", world.opportunity.pk, "move-stage")
    rep = api_client(sales_rep)
    rep.post(move, {"stage": world.proposal.pk})
    rep.post(move, {"stage": world.won.pk, "note": "Signed"})
    history = api_client(marketer).get(url("opportunities", world.opportunity.pk, "history"))
    assert history.status_code == 200
    rows = history.json()
    assert [row["stage_name"] for row in rows] == ["Discovery", "Proposal", "Won"]
    assert [row["from_stage_name"] for row in rows] == [None, "Discovery", "Proposal"]
    assert rows[-1]["exited_at"] is None
    assert (rows[-1]["note"], rows[-1]["changed_by"]) == ("Signed", sales_rep.pk)
