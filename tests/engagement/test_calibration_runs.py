"""Calibration runs: checked when asked for, fitted on a worker, ending in a proposed rule set;
and a backtest that scores a proposal beside the current rules."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.engagement import calibration, services
from apps.engagement.models import Backtest, Calibration, RuleSet, SignalRule
from apps.engagement.tasks import run_backtest, run_calibration
from tests.engagement.conftest import BACKTEST_AS_OF, proposal_for, rule_data

TODAY = timezone.localdate()


def start(**given) -> Calibration:
    kwargs = {
        "start": TODAY - datetime.timedelta(days=400),
        "end": TODAY - datetime.timedelta(days=200),
        "horizon_days": 90,
    }
    return services.calibration_start(**kwargs | given)


@pytest.mark.parametrize(
    "given, field",
    [
        ({"start": TODAY + datetime.timedelta(days=1)}, "start"),
        ({"end": TODAY + datetime.timedelta(days=1)}, "end"),
        ({"start": TODAY - datetime.timedelta(days=100)}, "start"),
        ({"end": TODAY - datetime.timedelta(days=30)}, "end"),
        ({"horizon_days": 0}, "horizon_days"),
        ({"outcome": "meeting_booked"}, "outcome"),
        ({"cutoffs": 1}, "cutoffs"),
    ],
)
def test_a_calibration_refuses_what_it_cannot_learn_from(db, given, field):
    with pytest.raises(ApplicationError) as error:
        start(**given)
    assert list(error.value.fields) == [field]
    assert not Calibration.objects.exists()


def test_a_calibration_is_queued_for_a_worker(marketer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        run = start(user=marketer, outcome=Backtest.Outcome.OPPORTUNITY_WON, cutoffs=4)
    assert (run.status, run.requested_by, run.cutoffs) == ("queued", marketer, 4)
    assert len(callbacks) == 1


def test_a_run_proposes_the_calibration_result(stages, scoring, marketer, monkeypatch):
    rule = services.signal_rule_create(data=rule_data(stages.decision))
    asked = {}

    def calibrate(*, model, history, seed=0):
        asked.update(model=model, history=history)
        return proposal_for([rule], weights={rule.pk: 3.0}, new_threshold=4)

    monkeypatch.setattr(calibration, "calibrate", calibrate, raising=False)
    run = start(user=marketer)
    run_calibration(run.pk)

    run.refresh_from_db()
    assert run.status == "done" and run.finished_at is not None
    assert run.results == {"examples": 120, "positives": 12}
    assert (run.proposal.status, run.proposal.based_on.version) == ("proposed", 1)
    assert run.proposal.proposed_by == marketer
    assert asked["history"] == calibration.History(
        start=run.start, end=run.end, horizon_days=90, outcome=run.outcome, cutoffs=6
    )
    assert asked["model"].rule_set_version == 1
    # A second delivery of the task finds it done and does nothing.
    assert services.calibration_run(calibration_id=run.pk) is None
    assert RuleSet.objects.count() == 2


def test_a_calibration_whose_worker_died_runs_again_and_one_still_being_worked_is_left(
    stages, scoring, monkeypatch, run_lock_elsewhere
):
    rule = services.signal_rule_create(data=rule_data(stages.decision))
    result = proposal_for([rule], weights={rule.pk: 3.0}, new_threshold=4)
    monkeypatch.setattr(calibration, "calibrate", lambda **_: result, raising=False)
    orphan, busy = start(), start()
    # Both were taken by workers; the first one's was killed, the second one's works on.
    Calibration.objects.update(status=Calibration.Status.RUNNING)
    run_lock_elsewhere("engagement.calibration", busy.pk)

    # Redelivered, as Celery does when a worker is lost.
    run_calibration(orphan.pk)
    run_calibration(busy.pk)

    orphan.refresh_from_db(), busy.refresh_from_db()
    assert (orphan.status, busy.status) == ("done", "running")
    assert orphan.proposal is not None and busy.proposal is None
    assert RuleSet.objects.filter(status="proposed").count() == 1


def test_runs_whose_task_was_lost_are_sent_again_and_runs_being_worked_are_left(
    stages, scoring, run_lock_elsewhere
):
    lost, recent, busy, orphan = (start() for _ in range(4))
    backtest = services.backtest_start(as_of=BACKTEST_AS_OF, horizon_days=30, in_background=True)
    Calibration.objects.filter(pk__in=[busy.pk, orphan.pk]).update(
        status=Calibration.Status.RUNNING
    )
    run_lock_elsewhere("engagement.calibration", busy.pk)  # a worker still fits it
    later = timezone.now() + datetime.timedelta(minutes=31)
    Calibration.objects.filter(pk=recent.pk).update(updated_at=later)

    with (
        mock.patch.object(run_calibration, "delay") as calibrate,
        mock.patch.object(run_backtest, "delay") as replay,
    ):
        assert services.stranded_runs_resend(now=later) == 3
        assert services.stranded_runs_resend(now=later) == 0

    assert sorted(call.args[0] for call in calibrate.call_args_list) == [lost.pk, orphan.pk]
    replay.assert_called_once_with(backtest.pk)


def test_a_failed_run_keeps_its_message(stages, scoring, monkeypatch):
    def calibrate(*, model, history, seed=0):
        raise ValueError("Only 3 buyers had the outcome: too few to learn from.")

    monkeypatch.setattr(calibration, "calibrate", calibrate, raising=False)
    run = start()
    run_calibration(run.pk)
    run.refresh_from_db()
    assert (run.status, run.failure) == (
        "failed",
        "Only 3 buyers had the outcome: too few to learn from.",
    )
    assert run.proposal is None


def test_a_backtest_scores_a_proposal_beside_the_current_rules(planted):
    demo = SignalRule.objects.get()
    proposal = services.rule_set_propose(result=proposal_for([demo], weights={demo.pk: 0}))
    # The rules in place (never versioned: made by a factory) became version 1 first.
    assert (proposal.version, proposal.based_on.origin) == (2, RuleSet.Origin.IN_PLACE)

    run = services.backtest_start(as_of=BACKTEST_AS_OF, horizon_days=30, compare_with=proposal)

    for buyer in ("contact", "account"):
        scorers = run.results["buyers"][buyer]["scorers"]
        assert [s["label"] for s in scorers] == [
            "Current rules",
            "Proposal v2",
            "Activity count (90 days)",
        ]
        assert scorers[0]["auc"] == 1.0
        # Weight 0 tells no one apart.
        assert scorers[1]["auc"] == 0.5


def test_a_backtest_scores_an_earlier_version(planted):
    demo = SignalRule.objects.get()
    earlier = services.rule_set_record(origin=RuleSet.Origin.IN_PLACE, summary="As planted")
    services.signal_rule_update(rule=demo, data={"weight": 0})
    assert earlier.rules[0]["weight"] == 10.0

    run = services.backtest_start(as_of=BACKTEST_AS_OF, horizon_days=30, compare_with=earlier)

    scorers = run.results["buyers"]["contact"]["scorers"]
    assert [(s["name"], s["label"], s["auc"]) for s in scorers[:2]] == [
        ("rules", "Current rules", 0.5),
        ("v1", "Rule set v1", 1.0),
    ]


def test_a_run_with_the_real_calibration_proposes_a_rule_set(stages, scoring, marketer):
    """The worker's path end to end on the planted world of the calibration tests."""
    from tests.engagement.test_calibration import HISTORY, _planted_world

    demo, webinar = _planted_world(stages, accounts=60)
    run = Calibration.objects.create(
        start=HISTORY.start,
        end=HISTORY.end,
        horizon_days=HISTORY.horizon_days,
        outcome=HISTORY.outcome,
        requested_by=marketer,
    )
    run_calibration(run.pk)

    run.refresh_from_db()
    assert (run.status, run.failure) == ("done", "")
    proposal = run.proposal
    assert (proposal.status, proposal.origin) == ("proposed", RuleSet.Origin.CALIBRATION)
    assert proposal.based_on.origin == RuleSet.Origin.IN_PLACE
    assert {rule["id"] for rule in proposal.rules} == {demo.pk, webinar.pk}
    assert set(proposal.evidence["rules"]) == {str(demo.pk), str(webinar.pk)}
    assert run.results["auc"]["current"] is not None and run.results["examples"] > 0


def test_a_calibration_page_lists_its_figures(client_for_role, stages, scoring, monkeypatch):
    rule = services.signal_rule_create(data=rule_data(stages.decision))
    result = proposal_for([rule], weights={rule.pk: 3.0})
    result.metrics.update(auc={"calibrated": 0.81, "current": 0.74}, cutoffs=["2026-01-01"])
    monkeypatch.setattr(calibration, "calibrate", lambda **_: result, raising=False)
    run = start()
    run_calibration(run.pk)

    page = client_for_role("marketer").get(f"/signals/calibrate/{run.pk}/")
    text = " ".join(page.text.split())
    assert "Validation AUC: calibrated</dt>" in text and "0.81" in text and "2026-01-01" not in text
    assert f"rule set v{RuleSet.objects.get(status='proposed').version}" in text
    assert "hx-trigger" not in text
