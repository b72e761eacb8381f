"""Backtests: scores as of a past day against what happened after, beside the activity count."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.engagement import backtest
from apps.engagement.models import (
    AccountScore,
    AccountScoreSnapshot,
    Backtest,
    ContactScore,
    Handoff,
    InferredStageChange,
)
from apps.engagement.services import backtest_start, scores_recompute
from apps.pipeline.models import PipelineStage
from tests.engagement.conftest import BACKTEST_AS_OF, days_ago
from tests.factories import (
    HandoffFactory,
    OpportunityFactory,
    PipelineStageFactory,
)
from tests.queries import writes

pytestmark = pytest.mark.django_db

AS_OF = BACKTEST_AS_OF
TEN_DAYS_AGO = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=10)


def test_auc_counts_a_tie_between_a_buyer_with_and_one_without_the_outcome_as_half():
    # Pairs (with, without): 3>2, 3>1, 2=2 (half), 2>1 → 3.5 of 4.
    auc, curve = backtest.roc([3, 2, 2, 1], [True, True, False, False])

    assert auc == pytest.approx(0.875)
    assert curve == [[0, 0], [0, 0.5], [0.5, 1], [1, 1]]


@pytest.mark.parametrize(
    "scores, labels, expected",
    [
        ([1, 2, 3, 4], [False, False, True, True], 1.0),
        ([1, 2, 3, 4], [True, True, False, False], 0.0),
        ([5, 5, 5, 5], [True, False, True, False], 0.5),
        # 4 with × 3 without = 12 pairs: 0.9 beats all 3, 0.7 beats 0.6 and 0.2 and ties
        # 0.7 (2.5), 0.6 beats 0.2 and ties 0.6 (1.5), 0.2 ties 0.2 (0.5) → 7.5 / 12.
        ([0.9, 0.7, 0.6, 0.2, 0.7, 0.6, 0.2], [True] * 4 + [False] * 3, 7.5 / 12),
    ],
)
def test_auc_against_hand_computed_values(scores, labels, expected):
    assert backtest.roc(scores, labels)[0] == pytest.approx(expected)


def test_no_auc_when_every_buyer_or_none_had_the_outcome():
    assert backtest.roc([1, 2], [True, True]) == (None, [])
    assert backtest.roc([1, 2], [False, False]) == (None, [])


def test_deciles_rank_from_the_top_with_rate_lift_and_mean_score():
    scores = list(range(20, 0, -1))  # 20 … 1
    labels = [True, True, True, False] + [False] * 16  # 3 of the top 4

    rows = backtest.deciles(scores, labels)

    assert [row["buyers"] for row in rows] == [2] * 10
    assert rows[0] == {
        "decile": 1,
        "buyers": 2,
        "positives": 2,
        "observed_rate": 1.0,
        "lift": pytest.approx(1.0 / (3 / 20)),
        "mean_score": 19.5,
    }
    assert rows[1]["positives"] == 1 and rows[1]["lift"] == pytest.approx(0.5 / 0.15)
    assert all(row["positives"] == 0 and row["lift"] == 0 for row in rows[2:])


def test_tied_buyers_share_one_decile():
    rows = backtest.deciles([0] * 10 + [7] * 2, [False] * 9 + [True] + [True, False])

    # The ten zeros hold ranks 3 to 12 of 12, on average 7.5: the sixth decile.
    assert [row["buyers"] for row in rows] == [2, 0, 0, 0, 0, 10, 0, 0, 0, 0]
    assert rows[0]["observed_rate"] == 0.5 and rows[5]["observed_rate"] == 0.1
    assert rows[1]["observed_rate"] is None and rows[1]["lift"] is None


def result(run: Backtest, buyer: str, scorer: str) -> dict:
    return next(s for s in run.results["buyers"][buyer]["scorers"] if s["name"] == scorer)


def test_the_rules_foresee_the_planted_deals_and_the_activity_count_does_not(planted):
    run = backtest_start(as_of=AS_OF, horizon_days=30)

    assert run.status == Backtest.Status.DONE
    for buyer in ("contact", "account"):
        assert run.results["buyers"][buyer]["count"] == 6
        assert run.results["buyers"][buyer]["positives"] == 3
        assert result(run, buyer, "rules")["auc"] == 1.0
        assert result(run, buyer, "activity")["auc"] == 0.0
    top = result(run, "contact", "rules")["deciles"]
    assert sum(row["positives"] for row in top[:5]) == 3
    # The three planted buyers tie at the top (their average rank puts them in decile 2).
    assert [(row["decile"], row["lift"]) for row in top if row["buyers"]] == [(2, 2.0), (7, 0.0)]


def test_a_horizon_missing_the_deals_finds_no_outcome(planted):
    run = backtest_start(as_of=AS_OF, horizon_days=10)

    assert run.results["buyers"]["contact"]["positives"] == 0
    assert result(run, "contact", "rules")["auc"] is None


def test_won_deals_and_accepted_handoffs_as_outcomes(planted):
    buyers, browsers = planted
    won = PipelineStage.objects.create(name="Won", position=99, probability=100, outcome="won")
    deal = OpportunityFactory(account=browsers[0].account, stage=won)
    type(deal).objects.filter(pk=deal.pk).update(closed_at=days_ago(40))
    HandoffFactory(
        contact=buyers[1], status="accepted", raised_at=days_ago(55), decided_at=days_ago(50)
    )
    HandoffFactory(  # decided before AS_OF: not in the horizon
        contact=buyers[2], status="accepted", raised_at=days_ago(90), decided_at=days_ago(80)
    )

    won_run = backtest_start(as_of=AS_OF, horizon_days=30, outcome="opportunity_won")
    handoff_run = backtest_start(as_of=AS_OF, horizon_days=30, outcome="handoff_accepted")

    assert won_run.results["buyers"]["account"]["positives"] == 1
    # The won account ties with the two other quiet ones at 0, under the three demo requests.
    assert result(won_run, "account", "rules")["auc"] == pytest.approx(0.2)
    assert handoff_run.results["buyers"]["contact"]["positives"] == 1
    assert result(handoff_run, "contact", "rules")["auc"] == 0.8  # tied with 1 of 5 buyers


def test_the_inferred_stage_is_compared_with_the_open_deals_stage(planted, stages):
    _, browsers = planted
    early = PipelineStageFactory(journey_stage=stages.awareness)
    deal = OpportunityFactory(account=browsers[0].account, stage=early)
    type(deal).objects.filter(pk=deal.pk).update(created_at=days_ago(100))
    deal.stage_changes.update(entered_at=days_ago(100))

    run = backtest_start(as_of=AS_OF, horizon_days=30)

    # The deal (in Awareness then) is the browser's account's, whose stage is none.
    assert run.results["stage_agreement"] == [
        {"scorer": "Current rules", "buyers": b, "compared": 1, "same_stage": 0, "same_phase": 0}
        for b in ("contact", "account")
    ]


def test_a_backtest_writes_nothing_to_the_live_scores(planted):
    scores_recompute()
    tables = (ContactScore, AccountScore, AccountScoreSnapshot, InferredStageChange, Handoff)
    before = [list(model.objects.order_by("pk").values()) for model in tables]

    with CaptureQueriesContext(connection) as queries:
        backtest_start(as_of=AS_OF, horizon_days=30)

    assert [list(model.objects.order_by("pk").values()) for model in tables] == before
    assert writes(queries)
    assert all("engagement_backtest" in sql for sql in writes(queries))


def test_known_then_leaves_out_events_received_later(planted):
    buyers, _ = planted
    from apps.engagement.models import Event

    Event.objects.filter(contact=buyers[0]).update(received_at=days_ago(1))

    everything = backtest_start(as_of=AS_OF, horizon_days=30)
    known = backtest_start(as_of=AS_OF, horizon_days=30, known_then=True)

    assert result(everything, "contact", "rules")["auc"] == 1.0
    assert result(known, "contact", "rules")["auc"] < 1.0


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"as_of": TEN_DAYS_AGO, "horizon_days": 30}, "horizon_days"),
        ({"as_of": AS_OF, "horizon_days": 0}, "horizon_days"),
        ({"as_of": AS_OF, "horizon_days": 30, "outcome": "lunch"}, "outcome"),
        ({"as_of": datetime.datetime(2999, 1, 1, tzinfo=datetime.UTC), "horizon_days": 1}, "as_of"),
    ],
)
def test_a_backtest_refuses_what_it_cannot_know(db, kwargs, field):
    from apps.core.exceptions import ApplicationError

    with pytest.raises(ApplicationError) as error:
        backtest_start(**kwargs)
    assert field in error.value.fields
    assert not Backtest.objects.exists()
