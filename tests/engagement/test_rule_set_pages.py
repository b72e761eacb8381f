"""The rule set pages and API: the version history, a proposal's diff with Approve (asked
first) and Decline, the calibration form and its run; marketers decide, reps stay out."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.engagement import services
from apps.engagement.models import Backtest, Calibration, RuleSet, SignalRule
from tests.engagement.conftest import proposal_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(two_rules) -> RuleSet:
    demo = two_rules[0]
    result = proposal_for(two_rules, weights={demo.pk: 4.0}, new_threshold=6)
    return services.rule_set_propose(result=result)


def test_the_version_history_lists_every_version(client_for_role, proposal):
    page = client_for_role("marketer").get(reverse("signals:rule_set_list"))
    assert page.status_code == 200
    for text in ("v3", "Proposed", "Calibration", "v1", "Superseded", "Rule added: Demo request"):
        assert text in page.text
    rules = client_for_role("marketer").get(reverse("signals:rule_list"))
    assert reverse("signals:rule_set_list") in rules.text
    assert reverse("signals:calibrate") in rules.text


def test_a_proposal_shows_its_diff_with_lift_and_why(client_for_role, proposal):
    page = client_for_role("marketer").get(reverse("signals:rule_set_detail", args=[3]))
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert "Changes from v2" in text
    assert "10.0 → <strong>4.0</strong>" in text
    assert "Stage threshold: 5.00 → <strong>6.00</strong>" in text
    assert "2.50 (1.50–4.00)" in text
    assert "Buyers with this signal opened deals 2.5 times as often." in text
    assert "Approve…" in text and "Decline" in text and "Backtest this proposal" in text


def test_approving_asks_first_then_makes_the_proposal_live(
    client_for_role, proposal, django_capture_on_commit_callbacks
):
    client = client_for_role("marketer")
    url = reverse("signals:rule_set_approve", args=[3])
    confirm = client.get(url)
    assert "Approve rule set v3?" in confirm.text
    assert "1 rule change" in confirm.text and "5.00 → 6.00" in confirm.text
    assert RuleSet.objects.get(version=3).status == "proposed"

    with django_capture_on_commit_callbacks():
        response = client.post(url)
    assert response.url == reverse("signals:rule_set_detail", args=[3])
    assert RuleSet.objects.get(version=3).status == "active"
    assert SignalRule.objects.filter(weight=Decimal("4")).exists()


def test_an_approval_the_rules_outran_says_so(client_for_role, proposal, two_rules):
    services.signal_rule_update(rule=two_rules[1], data={"weight": Decimal("2")})
    client = client_for_role("marketer")
    response = client.post(reverse("signals:rule_set_approve", args=[3]), follow=True)
    assert "Run a new calibration" in response.text
    assert RuleSet.objects.get(version=3).status == "proposed"


def test_declining_says_why(client_for_role, proposal):
    client = client_for_role("marketer")
    url = reverse("signals:rule_set_decline", args=[3])
    missing = client.post(url, {"reason": ""}, follow=True)
    assert "Say why" in missing.text
    client.post(url, {"reason": "Too few deals"})
    declined = RuleSet.objects.get(version=3)
    assert (declined.status, declined.decline_reason) == ("declined", "Too few deals")


def test_backtest_this_proposal_compares_it_over_its_history(client_for_role, proposal):
    RuleSet.objects.filter(pk=proposal.pk).update(
        evidence=proposal.evidence
        | {
            "history": {
                "end": (timezone.now() - datetime.timedelta(days=60)).isoformat(),
                "horizon_days": 30,
                "outcome": "opportunity_won",
            }
        }
    )
    response = client_for_role("marketer").post(reverse("signals:rule_set_backtest", args=[3]))
    run = Backtest.objects.get()
    assert response.url == reverse("signals:backtest_detail", args=[run.pk])
    assert (run.compare_with, run.horizon_days, run.outcome) == (proposal, 30, "opportunity_won")
    labels = [s["label"] for s in run.results["buyers"]["contact"]["scorers"]]
    assert labels == ["Current rules", "Proposal v3", "Activity count (90 days)"]


def test_the_backtest_form_offers_the_rule_sets(client_for_role, proposal):
    page = client_for_role("marketer").get(reverse("signals:backtest_list") + "?compare_with=3")
    assert "Compare with rule set" in page.text
    assert f'<option value="{proposal.pk}" selected>v3 (proposed)' in page.text


def test_sales_reps_see_no_rule_sets(client_for_role, proposal):
    client = client_for_role("sales")
    for url in (
        reverse("signals:rule_set_list"),
        reverse("signals:rule_set_detail", args=[3]),
        reverse("signals:rule_set_approve", args=[3]),
        reverse("signals:calibrate"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("signals:rule_set_approve", args=[3])).status_code == 403
    assert RuleSet.objects.get(version=3).status == "proposed"


def test_a_marketer_starts_a_calibration_and_watches_it(
    client_for_role, marketer, django_capture_on_commit_callbacks
):
    client = client_for_role("marketer")
    assert "Start calibration" in client.get(reverse("signals:calibrate")).text
    today = timezone.localdate()
    form = {
        "start": (today - datetime.timedelta(days=400)).isoformat(),
        "end": (today - datetime.timedelta(days=100)).isoformat(),
        "horizon_days": 90,
        "outcome": "opportunity_created",
        "cutoffs": 6,
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("signals:calibrate"), form)
    run = Calibration.objects.get()
    assert response.url == reverse("signals:calibration_detail", args=[run.pk])
    assert len(callbacks) == 1  # queued for a worker: no fitting in the request
    page = client.get(response.url)
    assert "learning from the history" in page.text and 'hx-trigger="every 2s"' in page.text

    too_late = client.post(reverse("signals:calibrate"), form | {"horizon_days": 200})
    assert "runs past today" in too_late.text
    assert Calibration.objects.count() == 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_rule_set_pages_run_a_fixed_number_of_queries(client_for_role, proposal, two_rules):
    client = client_for_role("marketer")
    urls = [reverse("signals:rule_set_list"), reverse("signals:rule_set_detail", args=[3])]
    one = [_queries(client, url) for url in urls]
    for weight in (2, 3, 4):
        services.signal_rule_update(rule=two_rules[1], data={"weight": Decimal(weight)})
    assert [_queries(client, url) for url in urls] == one


# -- API ------------------------------------------------------------------------------------------


def test_the_api_lists_versions_and_shows_a_diff(api_client, marketer, proposal):
    client = api_client(marketer)
    listed = client.get("/api/v1/rule-sets/").json()["results"]
    assert [(r["version"], r["status"]) for r in listed] == [
        (3, "proposed"),
        (2, "active"),
        (1, "superseded"),
    ]
    shown = client.get("/api/v1/rule-sets/3/").json()
    assert shown["based_on"] == 2 and len(shown["rules"]) == 2
    assert shown["diff"]["against"] == 2
    assert (shown["diff"]["old_threshold"], shown["diff"]["new_threshold"]) == ("5.00", "6.00")
    changed = [r for r in shown["diff"]["rules"] if r["change"] == "changed"]
    assert [(r["old"]["weight"], r["new"]["weight"], r["evidence"]["lift"]) for r in changed] == [
        (10.0, 4.0, 2.5)
    ]


def test_the_api_approves_and_declines(api_client, marketer, proposal, two_rules):
    client = api_client(marketer)
    approved = client.post("/api/v1/rule-sets/3/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    again = client.post("/api/v1/rule-sets/3/approve/")
    assert again.status_code == 400 and "status" in again.json()["errors"]

    demo = two_rules[0]
    services.rule_set_propose(result=proposal_for([demo], weights={demo.pk: 9.0}))
    blank = client.post("/api/v1/rule-sets/4/decline/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and "reason" in blank.json()["errors"]
    declined = client.post("/api/v1/rule-sets/4/decline/", {"reason": "No"}, format="json")
    assert declined.json()["decline_reason"] == "No"


def test_reps_may_not_approve_through_the_api(api_client, sales_rep, proposal):
    client = api_client(sales_rep)
    assert client.post("/api/v1/rule-sets/3/approve/").status_code == 403
    assert client.get("/api/v1/rule-sets/").status_code == 403
    assert client.post("/api/v1/calibrations/", {}, format="json").status_code == 403
    assert RuleSet.objects.get(version=3).status == "proposed"


def test_the_api_starts_and_shows_calibrations(api_client, marketer):
    client = api_client(marketer)
    today = timezone.localdate()
    body = {
        "start": (today - datetime.timedelta(days=400)).isoformat(),
        "end": (today - datetime.timedelta(days=100)).isoformat(),
        "horizon_days": 60,
    }
    created = client.post("/api/v1/calibrations/", body, format="json")
    assert created.status_code == 201
    assert (created.json()["status"], created.json()["cutoffs"]) == ("queued", 6)
    shown = client.get(f"/api/v1/calibrations/{created.json()['id']}/").json()
    assert shown["proposal"] is None and shown["requested_by"] == marketer.pk

    bad = client.post("/api/v1/calibrations/", body | {"cutoffs": 1}, format="json")
    assert bad.status_code == 400 and "cutoffs" in bad.json()["errors"]


def test_the_api_backtests_a_version_beside_the_current_rules(api_client, marketer, proposal):
    as_of = (timezone.localdate() - datetime.timedelta(days=60)).isoformat()
    created = api_client(marketer).post(
        "/api/v1/backtests/",
        {"as_of": as_of, "horizon_days": 30, "compare_with": 3},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["compare_with"] == 3
    names = [s["name"] for s in body["results"]["buyers"]["contact"]["scorers"]]
    assert names == ["rules", "proposal", "activity"]


def test_a_weight_moved_on_unclear_evidence_is_flagged(
    client_for_role, api_client, marketer, two_rules
):
    """A rule whose lift interval includes 1 (no effect) but whose weight moves is marked on
    the page and in the API; a rule with a clear lift, or whose weight stays, is not."""
    demo, other = two_rules
    result = proposal_for(
        two_rules,
        weights={demo.pk: 4.0, other.pk: float(other.weight) + 3},
        intervals={demo.pk: (1.5, 4.0), other.pk: (0.8, 1.3)},
    )
    proposal = services.rule_set_propose(result=result)
    page = client_for_role("marketer").get(
        reverse("signals:rule_set_detail", args=[proposal.version])
    )
    text = " ".join(page.text.split())
    assert text.count('data-testid="unclear-evidence"') == 1
    assert '2 of 2 rules change; <span class="text-warning-emphasis">1 on unclear evidence' in text
    row = next(part for part in text.split("<tr") if 'data-testid="unclear-evidence"' in part)
    assert other.label in row and demo.label not in row

    shown = api_client(marketer).get(f"/api/v1/rule-sets/{proposal.version}/").json()
    assert {r["label"]: r["unclear"] for r in shown["diff"]["rules"]} == {
        demo.label: False,
        other.label: True,
    }
