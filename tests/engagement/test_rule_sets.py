"""Rule set versions: every change of the live rules stores one, a calibration's proposal
changes nothing until a marketer approves it, and any version's scores can be worked out again."""

import datetime
import subprocess
import sys
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.core.exceptions import ApplicationError
from apps.engagement import selectors, services
from apps.engagement.calibration import History
from apps.engagement.models import ContactScore, EventKind, RuleSet, SignalRule
from apps.engagement.scoring import rule_snapshot
from apps.engagement.tasks import recompute_all_scores
from apps.journeys.services import journey_delete, journey_part_delete
from tests.engagement.conftest import NOW, days_ago, proposal_for, rule_data
from tests.factories import AccountFactory, ContactFactory, EventFactory, SignalRuleFactory


def versions() -> list[tuple[int, str]]:
    return list(RuleSet.objects.order_by("version").values_list("version", "status"))


# -- every change stores a version ----------------------------------------------------------------


def test_every_change_of_the_live_rules_stores_a_version(stages, scoring):
    rule = services.signal_rule_create(data=rule_data(stages.decision))
    assert versions() == [(1, "active")]
    first = RuleSet.objects.get(version=1)
    assert first.origin == RuleSet.Origin.EDITED and first.based_on is None
    assert first.summary.startswith("Rule added: Demo request → Decision")
    assert first.rules == [
        {
            "id": rule.pk,
            "kind": "demo_request",
            "url_pattern": "",
            "property_name": "",
            "property_value": "",
            "journey_stage": stages.decision.pk,
            "weight": 10.0,
            "half_life_days": 30,
            "cap": None,
            "repeat_count": 1,
            "repeat_window_days": None,
            "is_active": True,
            "label": "Demo request",
        }
    ]
    assert first.stage_threshold == Decimal("5")

    services.signal_rule_update(rule=rule, data={"weight": Decimal("8"), "half_life_days": 20})
    second = RuleSet.objects.get(version=2)
    assert "weight 10.0 → 8.0, half-life 30 → 20" in second.summary
    assert second.based_on == first and second.rules[0]["weight"] == 8.0

    # Saving what is there already stores nothing.
    services.signal_rule_update(rule=rule, data={"weight": Decimal("8")})
    assert RuleSet.objects.count() == 2

    services.scoring_settings_update(data={"stage_threshold": Decimal("7")})
    assert RuleSet.objects.get(version=3).summary == "Stage threshold 5.00 → 7"
    services.signal_rule_delete(rule=rule)
    assert RuleSet.objects.get(version=4).rules == []
    assert versions() == [(1, "superseded"), (2, "superseded"), (3, "superseded"), (4, "active")]


def test_deleting_a_journey_stage_versions_the_rules_that_went_with_it(stages, scoring, marketer):
    kept = services.signal_rule_create(data=rule_data(stages.decision))
    gone = services.signal_rule_create(
        data=rule_data(stages.shortlist, EventKind.PRICING_PAGE_VIEW)
    )
    assert versions() == [(1, "superseded"), (2, "active")]

    journey_part_delete(part=stages.shortlist, changed_by=marketer)

    assert not SignalRule.objects.filter(pk=gone.pk).exists()
    latest = RuleSet.objects.get(version=3)
    assert latest.status == RuleSet.Status.ACTIVE and latest.decided_by == marketer
    assert [rule["id"] for rule in latest.rules] == [kept.pk]
    assert latest.summary == f"Rules removed with stage {stages.shortlist}: {gone} (by {marketer})"

    # A stage without rules, and a whole draft without any left, store nothing more.
    journey_part_delete(part=stages.awareness, changed_by=marketer)
    assert RuleSet.objects.count() == 3
    services.signal_rule_delete(rule=kept)
    journey_delete(journey=stages.decision.journey, changed_by=marketer)
    assert RuleSet.objects.count() == 4


def test_deleting_a_draft_journey_versions_the_rules_on_its_stages(stages, scoring, marketer):
    rule = services.signal_rule_create(data=rule_data(stages.decision))

    journey_delete(journey=stages.decision.journey, changed_by=marketer)

    latest = RuleSet.objects.get(status=RuleSet.Status.ACTIVE)
    assert (latest.version, latest.rules) == (2, [])
    assert f"Rules removed with draft version 1 of Buying: {rule}" in latest.summary


def test_a_change_names_who_made_it(stages, scoring, marketer):
    from apps.core.audit import AuditPath, audit_path

    with audit_path(AuditPath.COMMAND, user=marketer):
        services.signal_rule_create(data=rule_data(stages.decision))
    version = RuleSet.objects.get()
    assert version.decided_by == marketer and f"(by {marketer})" in version.summary


def test_a_failed_change_stores_no_version(stages, scoring):
    services.signal_rule_create(data=rule_data(stages.decision))
    with pytest.raises(ValidationError):
        services.signal_rule_create(data=rule_data(stages.decision, weight=-1))
    assert versions() == [(1, "active")]


def test_the_starter_kit_is_version_1_and_a_reset_one_more(db):
    from apps.starter.services import starter_kit_install, starter_signal_rules_reset

    starter_kit_install()
    kit = RuleSet.objects.get()
    assert (kit.version, kit.origin, kit.status) == (1, RuleSet.Origin.STARTER_KIT, "active")
    assert len(kit.rules) == SignalRule.objects.count() > 1

    rule = SignalRule.objects.order_by("pk").first()
    services.signal_rule_update(rule=rule, data={"weight": rule.weight + 1})
    services.signal_rule_delete(rule=SignalRule.objects.order_by("pk").last())
    starter_signal_rules_reset()
    reset = RuleSet.objects.get(version=4)
    assert reset.origin == RuleSet.Origin.TEMPLATE_RESET
    assert reset.summary == "Reset to the starter template: 1 added, 1 restored, 0 removed"
    assert versions()[-1] == (4, "active")


def test_admin_saves_and_deletes_store_versions(client, stages, scoring, admin_member):
    client.force_login(admin_member)
    response = client.post(
        "/admin/engagement/signalrule/add/",
        {
            "kind": EventKind.DEMO_REQUEST,
            "url_pattern": "",
            "property_name": "",
            "property_value": "",
            "journey_stage": stages.decision.pk,
            "weight": "10",
            "half_life_days": "30",
            "cap": "",
            "repeat_count": "1",
            "repeat_window_days": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    rule = SignalRule.objects.get()
    assert versions() == [(1, "active")]
    assert f"(by {admin_member})" in RuleSet.objects.get().summary

    response = client.post(f"/admin/engagement/signalrule/{rule.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert versions() == [(1, "superseded"), (2, "active")]
    assert RuleSet.objects.get(version=2).rules == []


# -- proposals ------------------------------------------------------------------------------------


def test_a_proposal_changes_nothing_live(two_rules):
    demo = two_rules[0]
    history = History(start=days_ago(200), end=days_ago(100), horizon_days=60, outcome="x")
    result = proposal_for(two_rules, weights={demo.pk: 3.456}, new_threshold=7.5)
    proposal = services.rule_set_propose(result=result, history=history)

    assert (proposal.version, proposal.status, proposal.based_on.version) == (3, "proposed", 2)
    assert [r["weight"] for r in proposal.rules] == [3.46, 6.0]
    assert proposal.stage_threshold == Decimal("7.50")
    assert proposal.summary == (
        "Calibration proposes new numbers for 1 of 2 rules and stage threshold 5.00 → 7.50"
    )
    assert proposal.evidence["rules"][str(demo.pk)]["lift_low"] == 1.5
    assert proposal.evidence["history"]["horizon_days"] == 60
    assert SignalRule.objects.get(pk=demo.pk).weight == Decimal("10")
    assert selectors.rule_set_active().version == 2


def test_approving_a_proposal_makes_it_the_live_rules(
    two_rules, marketer, django_capture_on_commit_callbacks
):
    demo, pricing = two_rules
    result = proposal_for(two_rules, weights={demo.pk: 4.0, pricing.pk: 9.0}, new_threshold=6)
    proposal = services.rule_set_propose(result=result, user=marketer)

    with django_capture_on_commit_callbacks() as callbacks:
        approved = services.rule_set_approve(rule_set=proposal, user=marketer)

    assert versions() == [(1, "superseded"), (2, "superseded"), (3, "active")]
    assert approved.decided_by == marketer and approved.activated_at is not None
    live = {rule.pk: rule.weight for rule in SignalRule.objects.all()}
    assert live == {demo.pk: Decimal("4.00"), pricing.pk: Decimal("9.00")}
    assert selectors.scoring_settings().stage_threshold == Decimal("6.00")
    # Applying it stored no version of its own, and the live rules are exactly the version.
    assert RuleSet.objects.count() == 3
    assert services._holds_live_rules(approved)
    assert recompute_all_scores.delay in callbacks


def test_approval_is_refused_when_the_rules_changed_since(two_rules, marketer):
    demo, _ = two_rules
    proposal = services.rule_set_propose(result=proposal_for(two_rules, weights={demo.pk: 1}))
    services.signal_rule_update(rule=demo, data={"weight": Decimal("12")})

    with pytest.raises(ApplicationError, match="changed since this proposal was made from"):
        services.rule_set_approve(rule_set=proposal, user=marketer)
    assert SignalRule.objects.get(pk=demo.pk).weight == Decimal("12")
    proposal.refresh_from_db()
    assert proposal.status == RuleSet.Status.PROPOSED


def test_only_a_proposal_is_approved_or_declined(two_rules, marketer):
    active = selectors.rule_set_active()
    with pytest.raises(ApplicationError, match="not a proposal"):
        services.rule_set_approve(rule_set=active, user=marketer)
    proposal = services.rule_set_propose(result=proposal_for(two_rules, weights={}))
    services.rule_set_decline(rule_set=proposal, user=marketer, reason="Not now")
    with pytest.raises(ApplicationError, match="is declined"):
        services.rule_set_approve(rule_set=proposal, user=marketer)


def test_declining_keeps_the_live_rules_and_says_why(two_rules, marketer):
    demo, _ = two_rules
    proposal = services.rule_set_propose(result=proposal_for(two_rules, weights={demo.pk: 1}))
    with pytest.raises(ApplicationError, match="Say why") as error:
        services.rule_set_decline(rule_set=proposal, user=marketer, reason="  ")
    assert error.value.fields == {"reason": ["Required when declining."]}

    declined = services.rule_set_decline(
        rule_set=proposal, user=marketer, reason="Too few deals to trust"
    )
    assert (declined.status, declined.decline_reason) == ("declined", "Too few deals to trust")
    assert declined.decided_by == marketer
    assert SignalRule.objects.get(pk=demo.pk).weight == Decimal("10")
    assert selectors.rule_set_active().version == 2


def test_a_proposal_for_a_rule_that_is_gone_is_refused(two_rules):
    result = proposal_for(two_rules, weights={})
    services.signal_rule_delete(rule=two_rules[0])
    with pytest.raises(ApplicationError, match="changed while the calibration ran"):
        services.rule_set_propose(result=result)


def test_the_diff_shows_each_rule_old_to_new_with_its_why(two_rules, django_assert_num_queries):
    demo = two_rules[0]
    result = proposal_for(two_rules, weights={demo.pk: 4.0}, new_threshold=6)
    proposal = services.rule_set_propose(result=result)
    proposal = RuleSet.objects.select_related("based_on").get(pk=proposal.pk)

    with django_assert_num_queries(1):  # the stages, with their parents for their names
        diff = selectors.rule_set_diff(rule_set=proposal)
    assert (diff.old_threshold, diff.new_threshold) == (Decimal("5.00"), Decimal("6.00"))
    assert diff.threshold_reason == "Best agreement with the stages of open deals."
    first, second = diff.rules
    assert (first.label, first.stage_name, first.change) == ("Demo request", "Decision", "changed")
    assert (first.old["weight"], first.new["weight"], first.changed_numbers) == (
        10.0,
        4.0,
        ["weight"],
    )
    assert first.evidence["lift"] == 2.5 and first.evidence["events"] == 40
    assert second.change == "unchanged"
    assert diff.changed == [first]

    # Between any two versions: version 1 had only the demo rule.
    between = selectors.rule_set_diff(rule_set=proposal, against=RuleSet.objects.get(version=1))
    assert [(r.label, r.change) for r in between.rules] == [
        ("Demo request", "changed"),
        ("Pricing page view", "added"),
    ]


# -- old scores reproduce -------------------------------------------------------------------------


@pytest.fixture
def buyers(two_rules):
    """Three people: a demo request, two pricing-page views, and both."""
    account = AccountFactory()
    people = [ContactFactory(account=account) for _ in range(3)]
    for person, kinds in zip(
        people,
        [
            [EventKind.DEMO_REQUEST],
            [EventKind.PRICING_PAGE_VIEW] * 2,
            [EventKind.DEMO_REQUEST, EventKind.PRICING_PAGE_VIEW],
        ],
        strict=True,
    ):
        for n, kind in enumerate(kinds):
            EventFactory(account=account, contact=person, kind=kind, occurred_at=days_ago(3 + n))
    return people


def scores() -> dict[int, tuple]:
    return {
        row["contact_id"]: (round(row["score"], 9), row["stage_id"], row["rule_set_version"])
        for row in ContactScore.objects.values(
            "contact_id", "score", "stage_id", "rule_set_version"
        )
    }


def test_approving_versions_the_rules_and_old_scores_reproduce(buyers, two_rules, marketer):
    demo, pricing = two_rules
    services.scores_recompute(at=NOW)
    under_v2 = scores()
    assert {version for *_, version in under_v2.values()} == {2}

    result = proposal_for(two_rules, weights={demo.pk: 2.0, pricing.pk: 1.0}, new_threshold=8)
    services.rule_set_approve(rule_set=services.rule_set_propose(result=result), user=marketer)
    services.scores_recompute(at=NOW)
    under_v3 = scores()
    assert {version for *_, version in under_v3.values()} == {3}
    assert [s[:2] for s in under_v3.values()] != [s[:2] for s in under_v2.values()]

    services.scores_recompute(at=NOW, rule_set=2)
    assert scores() == under_v2


def test_a_past_moment_is_replayed_under_the_version_in_force_then(buyers, two_rules, marketer):
    demo, pricing = two_rules
    services.scores_recompute(at=NOW, rule_set=2)
    under_v2 = scores()
    result = proposal_for(two_rules, weights={demo.pk: 2.0, pricing.pk: 1.0}, new_threshold=8)
    services.rule_set_approve(rule_set=services.rule_set_propose(result=result), user=marketer)
    # Version 2 was in force from a month before NOW, version 3 only from the day after.
    RuleSet.objects.filter(version=2).update(activated_at=days_ago(30))
    RuleSet.objects.filter(version=3).update(activated_at=days_ago(-1))

    services.scores_recompute(at=NOW)
    assert scores() == under_v2
    services.scores_recompute(at=days_ago(-2))
    assert {version for *_, version in scores().values()} == {3}


def test_only_a_version_that_was_in_force_rescores(two_rules):
    proposal = services.rule_set_propose(result=proposal_for(two_rules, weights={}))
    with pytest.raises(ApplicationError, match="never approved"):
        services.scores_recompute(at=NOW, rule_set=proposal.version)
    with pytest.raises(ApplicationError, match="no rule set version 99"):
        services.scores_recompute(at=NOW, rule_set=99)


def test_recompute_scores_command_takes_a_rule_set(buyers, two_rules, capsys):
    call_command("recompute_scores", "--as-of", "2026-03-02", "--rule-set", "1")
    assert "with rule set v1" in capsys.readouterr().out
    assert {version for *_, version in scores().values()} == {1}
    with pytest.raises(CommandError, match="no rule set version 7"):
        call_command("recompute_scores", "--rule-set", "7")


def test_stage_changes_record_their_version(buyers, two_rules):
    from apps.engagement.models import InferredStageChange

    services.scores_recompute(at=NOW)
    assert set(InferredStageChange.objects.values_list("rule_set_version", flat=True)) == {2}


def test_a_rule_set_model_leaves_out_rules_of_deleted_stages(two_rules, stages):
    version = selectors.rule_set_active()
    stages.consideration.delete()
    model = selectors.rule_set_model(rule_set=version)
    assert [rule.label for rule in model.rules] == ["Demo request"]
    assert model.rule_set_version == 2


def test_with_no_version_in_force_then_the_live_rules_run(two_rules):
    """Now, or before the first version was stored: the live rules, marked with the active
    version."""
    model = selectors.recompute_model(at=None)
    assert model.rule_set_version == 2
    assert sorted(r.weight for r in model.rules) == [6.0, 10.0]
    assert selectors.recompute_model(at=NOW - datetime.timedelta(days=1)).rule_set_version == 2


def test_the_rules_in_place_become_version_1_when_versions_begin(stages, scoring):
    """Migration 0016 on a database that has rules already (and on one that has none)."""
    migration = import_module("apps.engagement.migrations.0016_rule_sets_and_calibrations")
    migration.rules_in_place_become_version_1(apps, None)
    assert not RuleSet.objects.exists()

    rule = SignalRuleFactory(kind=EventKind.DEMO_REQUEST, journey_stage=stages.decision)
    migration.rules_in_place_become_version_1(apps, None)
    first = RuleSet.objects.get()
    assert (first.version, first.status, first.origin) == (1, "active", RuleSet.Origin.IN_PLACE)
    assert first.rules == [rule_snapshot(SignalRule.objects.get(pk=rule.pk))]
    assert selectors.recompute_model().rule_set_version == 1


def test_pages_and_the_api_load_no_scikit_learn():
    """The fitting runs on a worker: a web process never imports scikit-learn."""
    code = (
        "import sys, django; django.setup(); import config.urls, config.api_urls;"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
