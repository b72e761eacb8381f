"""The demo world promised by `manage.py seed_demo`, seeded once for this module: every test that
only reads the demo world belongs here rather than seeding one of its own."""

import datetime
import itertools
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Max, Min
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Account, Contact
from apps.analytics.attribution import LINEAR
from apps.analytics.attribution_paths import CAMPAIGN, PIPELINE
from apps.analytics.attribution_report import attribution_report
from apps.campaigns.models import Campaign
from apps.content.models import Asset, AssetShare, AssetType, EnablementRequest
from apps.demo import world
from apps.demo.selectors import demo_calibration_history, demo_world_counts
from apps.demo.services import demo_world_seed
from apps.demo.signals import SIGNAL_RULES
from apps.enablement.models import DealObjection
from apps.engagement.calibration import calibrate
from apps.engagement.models import Event, EventKind, Handoff, SignalRule
from apps.engagement.selectors import scoring_model, scoring_settings
from apps.journeys.kpis import kpi_fits_phase
from apps.journeys.models import Journey, Phase
from apps.nurture.models import Sequence
from apps.nurture.selectors import task_list
from apps.personas.models import BuyingRole, Persona
from apps.pipeline.models import Opportunity, PipelineStage, StageChange
from apps.starter import template
from apps.starter.selectors import template_journey
from apps.starter.services import starter_kit_install
from apps.users.models import Role, User
from apps.users.selectors import user_role
from tests.queries import writes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]


def test_seeding_again_writes_nothing_and_keeps_every_count(demo_world):
    assert demo_world.created
    with CaptureQueriesContext(connection) as queries:
        again = demo_world_seed()
    assert writes(queries) == []
    assert not again.created
    assert again.counts == demo_world.counts == demo_world_counts()
    assert all(count > 0 for count in again.counts.values())


def test_command_prints_the_summary_and_the_demo_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "already in place" in text
    assert "accounts: 60" in text
    assert 'password "waymark"' in text
    for username in ("admin", "marketer", "sales", "sales2", "manager"):
        assert f"  {username} " in text


@pytest.mark.parametrize(
    ("username", "role"),
    [
        ("admin", Role.ADMIN),
        ("marketer", Role.MARKETER),
        ("sales", Role.SALES),
        ("sales2", Role.SALES),
        ("manager", Role.MANAGER),
    ],
)
def test_demo_users_sign_in_with_the_demo_password_in_their_roles(username, role):
    login = RequestFactory().post("/login/")  # the login lockout needs the request
    user = authenticate(login, username=username, password="waymark")
    assert user is not None
    assert user_role(user=user) == role
    assert user.is_superuser == user.is_staff == (role == Role.ADMIN)
    assert authenticate(login, username=username, password="wrong") is None


def test_the_journey_is_the_starter_kits_handed_to_the_marketer():
    journey = Journey.objects.get(key=template.JOURNEY["key"], version=1)
    assert journey.status == Journey.Status.PUBLISHED
    assert journey.owner.username == "marketer"
    stages = {stage.name: stage for stage in journey.stages.select_related("parent")}
    top = [s for s in stages.values() if s.parent is None]
    assert [(s.name, s.phase) for s in sorted(top, key=lambda s: s.position)] == [
        ("Awareness", Phase.AWARENESS),
        ("Consideration", Phase.CONSIDERATION),
        ("Decision", Phase.DECISION),
    ]
    substages = {s.name: s.parent.name for s in stages.values() if s.parent}
    assert substages == {
        "Problem recognition": "Awareness",
        "Shortlist": "Consideration",
        "Business case": "Consideration",
        "Validation & procurement": "Decision",
    }
    moves = {
        (t.from_stage.name, t.to_stage.name): t.trigger
        for t in journey.transitions.select_related("from_stage", "to_stage")
    }
    assert moves[("Decision", "Consideration")] == "New stakeholder joins"
    assert ("Awareness", "Decision") in moves  # a skip


def test_five_personas_with_roles_pains_criteria_and_objections():
    personas = list(Persona.objects.all())
    assert {p.name: p.buying_role for p in personas} == {
        "CFO": BuyingRole.ECONOMIC_BUYER,
        "IT Director": BuyingRole.TECHNICAL_EVALUATOR,
        "AP Manager": BuyingRole.CHAMPION,
        "Procurement Lead": BuyingRole.PROCUREMENT,
        "AP Clerk": BuyingRole.END_USER,
    }
    for persona in personas:
        assert len(persona.priority_list) >= 3
        assert len(persona.pain_point_list) >= 3
        assert len(persona.decision_criteria_list) >= 3
        assert len(persona.objection_list) >= 3


def test_pipeline_stages_line_up_with_the_journey_and_carry_stall_limits():
    stages = list(PipelineStage.objects.select_related("journey_stage"))
    assert [(s.position, s.name, s.probability, s.outcome) for s in stages] == [
        (1, "Prospecting", 10, "open"),
        (2, "Discovery", 20, "open"),
        (3, "Demo & evaluation", 40, "open"),
        (4, "Business case", 60, "open"),
        (5, "Negotiation", 80, "open"),
        (6, "Closed won", 100, "won"),
        (7, "Closed lost", 0, "lost"),
    ]
    assert [s.journey_stage.name for s in stages[:5]] == [
        "Awareness",
        "Consideration",
        "Shortlist",
        "Business case",
        "Validation & procurement",
    ]
    assert stages[0].max_days_in_stage == 21
    assert stages[0].max_days_without_activity == 14
    for stage in stages:
        has_limits = stage.max_days_in_stage is not None
        assert has_limits == (stage.max_days_without_activity is not None) == (not stage.is_closed)


def test_sixty_accounts_in_three_tiers_with_buying_committees():
    accounts = list(Account.objects.select_related("owner").annotate(committee=Count("contacts")))
    assert len(accounts) == 60
    assert Counter(a.tier for a in accounts) == {1: 10, 2: 20, 3: 30}
    assert all(a.is_target for a in accounts if a.tier == 1)
    assert Counter(a.owner.username for a in accounts) == {"sales": 30, "sales2": 30}
    assert all(3 <= a.committee <= 6 for a in accounts)
    assert all(a.domain.endswith(".example") and a.industry and a.region for a in accounts)
    for contact in Contact.objects.select_related("account"):
        assert contact.email.endswith(f"@{contact.account.domain}")
        assert contact.persona_id and contact.buying_role and contact.time_zone
        # Each person's holidays are those of where their time zone is.
        assert (contact.country, contact.subdivision) == world.ZONE_PLACES[contact.time_zone]
    assert {a.country for a in accounts} >= {"US", "GB", "SG"}


def test_opportunities_use_every_stage_and_some_are_stalled():
    opportunities = list(Opportunity.objects.select_related("stage", "account"))
    assert 140 <= len(opportunities) <= 160
    assert {o.stage.name for o in opportunities} == set(
        PipelineStage.objects.values_list("name", flat=True)
    )
    stalled = [o for o in opportunities if o.is_over_stage_time_limit]
    assert len(stalled) >= 10
    assert any(o.days_in_stage >= 2 * o.stage.max_days_in_stage for o in stalled)
    assert all(o.owner_id == o.account.owner_id for o in opportunities)
    assert all(o.amount > 0 and o.expected_close_date for o in opportunities)


def test_each_history_is_continuous_and_ends_in_one_open_stay_in_the_current_stage():
    opportunities = {o.pk: o for o in Opportunity.objects.all()}
    history = defaultdict(list)
    for change in StageChange.objects.order_by("opportunity_id", "entered_at"):
        history[change.opportunity_id].append(change)
    assert history.keys() == opportunities.keys()
    moved_back = 0
    for pk, stays in history.items():
        opportunity = opportunities[pk]
        assert 0 < len(stays) <= 4
        assert [s.exited_at is None for s in stays] == [False] * (len(stays) - 1) + [True]
        assert stays[-1].stage_id == opportunity.stage_id
        assert stays[-1].entered_at == opportunity.stage_entered_at
        assert stays[0].from_stage_id is None
        for before, after in itertools.pairwise(stays):
            assert before.exited_at == after.entered_at
            assert after.from_stage_id == before.stage_id
        moved_back += any(s.from_stage_id and s.note.startswith("New stakeholder") for s in stays)
    assert moved_back > 0


def test_content_library_covers_every_kind_in_the_stage_it_serves():
    assets = list(Asset.objects.select_related("journey_stage").annotate(n=Count("personas")))
    assert len(assets) >= 60
    phase_of_kind = {
        AssetType.BLOG_POST: Phase.AWARENESS,
        AssetType.TREND_REPORT: Phase.AWARENESS,
        AssetType.COMPARISON_GUIDE: Phase.CONSIDERATION,
        AssetType.ROI_CALCULATOR: Phase.CONSIDERATION,
        AssetType.DEMO: Phase.CONSIDERATION,
        AssetType.CASE_STUDY: Phase.DECISION,
        AssetType.CUSTOMER_REFERENCE: Phase.DECISION,
        AssetType.PRICING_SHEET: Phase.DECISION,
    }
    assert phase_of_kind.keys() <= {a.asset_type for a in assets}
    for asset in assets:
        if asset.asset_type in phase_of_kind:
            assert asset.journey_stage.phase == phase_of_kind[asset.asset_type], asset.title
        assert asset.n >= 1
    published = [a for a in assets if a.status == Asset.Status.PUBLISHED]
    assert len(published) >= 50
    assert all(a.url.startswith("https://content.waymark.example/") for a in published)
    assert any(a.status == Asset.Status.DRAFT for a in assets)


def test_campaigns_measure_their_goal_with_a_fitting_kpi_and_content_from_its_phase():
    campaigns = list(Campaign.objects.select_related("goal_stage").prefetch_related("assets"))
    assert 4 <= len(campaigns) <= 6
    assert {c.goal_stage.phase for c in campaigns} == set(Phase)
    today = timezone.now().date()
    assert any(c.start_date <= today <= c.end_date for c in campaigns)
    for campaign in campaigns:
        assert kpi_fits_phase(kpi=campaign.kpi, phase=campaign.goal_stage.phase)
        assert campaign.budget > 0 and campaign.channels
        assets = list(campaign.assets.select_related("journey_stage"))
        assert assets
        assert {a.journey_stage.phase for a in assets} == {campaign.goal_stage.phase}


def test_campaign_links_carry_utm_codes_that_attribution_credits():
    codes = dict(Campaign.objects.values_list("utm_code", "name"))
    assert "" not in codes
    tagged = Event.objects.exclude(properties__utm_campaign=None)
    assert set(tagged.values_list("properties__utm_campaign", flat=True)) <= codes.keys()
    assert tagged.filter(url__contains="utm_campaign=").count() == tagged.count() > 0
    today = timezone.now().date()
    report = attribution_report(
        goal=PIPELINE,
        dimension=CAMPAIGN,
        first_day=today - datetime.timedelta(days=364),
        last_day=today,
    )
    credited = {row.label for row in report.rows if row.key and row.credits[LINEAR] > 0}
    assert credited and credited <= set(codes.values())


def test_a_year_of_events_and_later_stage_accounts_show_buying_signals():
    events = Event.objects.all()
    assert 20_000 <= events.count() <= 60_000
    span = events.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    now = timezone.now()
    assert now - datetime.timedelta(weeks=world.HISTORY_WEEKS, days=1) <= span["first"]
    assert span["last"] <= now
    assert span["last"] - span["first"] >= datetime.timedelta(weeks=world.HISTORY_WEEKS - 1)
    assert not events.filter(external_id="").exists()
    assert events.values("external_id").distinct().count() == events.count()

    # Phase of each account's furthest open deal, as the sales team would see it.
    lead_phase = {}
    open_deals = Opportunity.objects.filter(stage__outcome=PipelineStage.Outcome.OPEN)
    for deal in open_deals.select_related("stage__journey_stage").order_by("stage__position"):
        lead_phase[deal.account_id] = deal.stage.journey_stage.phase
    buying = {EventKind.PRICING_PAGE_VIEW, EventKind.DEMO_REQUEST, EventKind.MEETING}
    kinds_by_phase = defaultdict(Counter)
    recent = events.filter(occurred_at__gte=now - datetime.timedelta(days=90))
    for account_id, kind in recent.values_list("account_id", "kind"):
        if account_id in lead_phase:
            kinds_by_phase[lead_phase[account_id]][kind] += 1

    def buying_share(phase):
        counts = kinds_by_phase[phase]
        return sum(counts[k] for k in buying) / sum(counts.values())

    assert (
        buying_share(Phase.AWARENESS)
        < buying_share(Phase.CONSIDERATION)
        < buying_share(Phase.DECISION)
    )


def test_deals_were_created_when_their_history_began_and_buyers_researched_first():
    first_stay = {
        change.opportunity_id: change.entered_at
        for change in StageChange.objects.order_by("opportunity_id", "-entered_at")
    }
    deals = list(Opportunity.objects.all())
    assert all(deal.created_at == first_stay[deal.pk] for deal in deals)
    now = timezone.now()
    assert min(deal.created_at for deal in deals) < now - datetime.timedelta(days=120)
    # In the weeks before a deal opened, its account's people looked at pricing or asked for
    # a demo far more often than in an average stretch of the year.
    weeks = world.HISTORY_WEEKS
    intent = Event.objects.filter(kind__in=[EventKind.PRICING_PAGE_VIEW, EventKind.DEMO_REQUEST])
    before_deals = sum(
        intent.filter(
            account_id=deal.account_id,
            occurred_at__range=(deal.created_at - datetime.timedelta(weeks=6), deal.created_at),
        ).count()
        for deal in deals[:30]
    )
    per_account_six_weeks = intent.count() / Account.objects.count() / weeks * 6
    assert before_deals / 30 > 1.5 * per_account_six_weeks


def test_the_oldest_handoffs_were_decided_days_after_they_were_raised():
    decided = list(Handoff.objects.exclude(decided_at=None).order_by("raised_at"))
    assert len(decided) == 4
    assert [h.status for h in decided] == ["accepted"] * 3 + ["rejected"]
    for handoff in decided:
        assert (
            handoff.raised_at < handoff.decided_at <= handoff.raised_at + datetime.timedelta(days=3)
        )


def test_on_the_demo_history_calibrated_scores_match_a_regression_and_beat_activity():
    """Issue 13's target on the demo world, with a time split: the later cutoffs check a fit
    made on the earlier ones (margins on other seeds of the demo: see the README)."""
    history = demo_calibration_history()

    result = calibrate(model=scoring_model(settings=scoring_settings()), history=history)

    auc = result.metrics["auc"]
    assert result.metrics["validation_cutoffs"] >= 2 and result.metrics["validation_examples"] > 200
    assert auc["calibrated"] >= auc["logistic_regression"] - 0.01, auc
    assert auc["calibrated"] >= auc["activity"] + 0.05, auc


def test_signal_rules_and_nurture_sequences_are_in_place():
    rules = list(SignalRule.objects.select_related("journey_stage"))
    kinds = {kind for kind, *_ in template.SIGNAL_RULES} | {kind for kind, *_ in SIGNAL_RULES}
    assert {rule.kind for rule in rules} == kinds
    assert len(rules) == len(template.SIGNAL_RULES) + len(SIGNAL_RULES)
    assert {r.journey_stage.phase for r in rules} == set(Phase)
    assert all(r.weight > 0 and r.half_life_days >= 1 for r in rules)
    pricing = next(r for r in rules if r.kind == EventKind.PRICING_PAGE_VIEW)
    blog = next(r for r in rules if r.kind == EventKind.PAGE_VIEW)
    assert pricing.weight > blog.weight
    sequences = list(Sequence.objects.select_related("journey_stage").prefetch_related("steps"))
    assert {s.journey_stage.phase for s in sequences} == set(Phase)
    assert all(s.is_active for s in sequences)
    for sequence in sequences:
        steps = list(sequence.steps.all())
        assert [s.position for s in steps] == list(range(1, len(steps) + 1))
        assert len(steps) >= 3
        assert any(s.asset_id for s in steps)


def test_every_demo_rep_starts_with_open_tasks_on_their_stalled_deals():
    for username in world.ACCOUNT_OWNERS:
        rep = User.objects.get(username=username)
        tasks = task_list(assignee=rep)["open"]
        assert len(tasks) == 3, username
        assert all(t.enrollment.opportunity.owner == rep for t in tasks)
        assert all(t.enrollment.opportunity.is_stalled for t in tasks)
        assert all(t.subject and "{{" not in t.subject for t in tasks)


def test_the_demo_on_an_empty_database_installs_the_kit_first(demo_world):
    assert demo_world.created
    assert template_journey().owner.username == "marketer"
    assert starter_kit_install().installed == ()


def test_the_demo_world_has_objections_shares_and_requests_in_every_state():
    requests = list(EnablementRequest.objects.all())
    assert {r.status for r in requests} == set(EnablementRequest.Status.values)
    assert [r.status for r in requests if r.is_overdue] == ["accepted"]
    [declined] = [r for r in requests if r.status == "declined"]
    assert declined.decline_reason
    [delivered] = [r for r in requests if r.status == "delivered"]
    assert delivered.delivered_asset is not None and delivered.notified_at is not None
    assert DealObjection.objects.count() == 3
    shares = AssetShare.objects.count()
    assert shares > 0
    recorded = Event.objects.filter(
        kind=EventKind.ASSET_SHARED, external_id__startswith="demo-share-"
    )
    assert recorded.count() == shares
