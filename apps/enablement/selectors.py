"""The rep's opportunity workspace: the deal, its committee and coverage, and what to share.

Stage and score of each person are read from `ContactScore` (written by the signals app)
through the reverse one-to-one `signal_score`. Every function here runs a fixed number of
queries, whatever the size of the committee or of the content library.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    Case,
    DateTimeField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from apps.accounts.models import Contact
from apps.content.models import Asset, AssetShare, AssetType
from apps.content.selectors import keywords
from apps.enablement.models import DealObjection
from apps.engagement.models import Event
from apps.journeys.phases import Phase
from apps.nurture.models import Touch
from apps.personas.models import BuyingRole
from apps.pipeline.models import Opportunity, PipelineStage
from apps.pipeline.selectors import STALLED, advanced_after
from apps.users.models import User

# The roles a deal needs engaged, and what a rep can do when one is missing.
KEY_ROLES: dict[str, str] = {
    BuyingRole.ECONOMIC_BUYER: "share an ROI calculator or business-case asset with the budget "
    "holder (often the CFO)",
    BuyingRole.TECHNICAL_EVALUATOR: "share a product demo or technical whitepaper with the "
    "person who evaluates the solution",
    BuyingRole.CHAMPION: "find an internal champion: share a case study they can forward",
    BuyingRole.PROCUREMENT: "send procurement a pricing sheet and the commercial terms early",
    BuyingRole.END_USER: "show end users a webinar or demo of their day-to-day work",
}
CUSTOMER_PROOF = {AssetType.CASE_STUDY, AssetType.CUSTOMER_REFERENCE}

# Points per kind of match; the reasons on each recommendation say which applied.
SAME_STAGE_POINTS = 3
SAME_PHASE_POINTS = 1
PERSONA_POINTS = 1
MISSING_ROLE_PERSONA_POINTS = 2
OBJECTION_POINTS = 2
LIFT_POINTS = 2
CUSTOMER_PROOF_POINTS = 2
RECOMMENDATION_LIMIT = 8


def engaged_days() -> int:
    return settings.ENABLEMENT_ENGAGED_DAYS


def _latest(rows: QuerySet, *, to: str, at: str) -> Subquery:
    latest = rows.filter(**{to: OuterRef("pk")}).order_by().values(to).annotate(m=Max(at))
    return Subquery(latest.values("m"), output_field=DateTimeField())


def committee(*, account_id: int) -> list[Contact]:
    """The account's contacts with persona, signal score and stage, and their last touch: the
    latest engagement event, asset share or nurture touch."""
    contacts = (
        Contact.objects.active()
        .filter(account_id=account_id)
        .select_related("persona", "signal_score__stage")
        .annotate(
            last_event_at=_latest(Event.objects.all(), to="contact", at="occurred_at"),
            last_share_at=_latest(AssetShare.objects.all(), to="contact", at="shared_at"),
            last_nurture_at=_latest(Touch.objects.all(), to="enrollment__contact", at="sent_at"),
        )
        .order_by("buying_role", "last_name", "pk")
    )
    people = list(contacts)
    for person in people:
        times = [person.last_event_at, person.last_share_at, person.last_nurture_at]
        person.last_touch_at = max((t for t in times if t is not None), default=None)
        person.score_state = getattr(person, "signal_score", None)
    return people


@dataclass
class RoleCoverage:
    role: str
    label: str
    engaged: list[Contact] = field(default_factory=list)
    present: list[Contact] = field(default_factory=list)
    action: str = ""

    @property
    def is_missing(self) -> bool:
        return not self.engaged

    @property
    def summary(self) -> str:
        if self.engaged:
            return f"{self.label} engaged: " + ", ".join(c.full_name for c in self.engaged)
        if self.present:
            names = ", ".join(c.full_name for c in self.present)
            return f"No {self.label.lower()} engaged yet ({names} quiet): {self.action}."
        return f"No {self.label.lower()} in the committee yet: {self.action}."


def committee_coverage(*, people: list[Contact], now: datetime | None = None) -> list[RoleCoverage]:
    """Per key buying role: who holds it and engaged in the last `ENABLEMENT_ENGAGED_DAYS`."""
    since = (now or timezone.now()) - timedelta(days=engaged_days())
    coverage = {
        role: RoleCoverage(role=role, label=BuyingRole(role).label, action=action)
        for role, action in KEY_ROLES.items()
    }
    for person in people:
        row = coverage.get(person.buying_role)
        if row is None:
            continue
        row.present.append(person)
        if person.last_touch_at is not None and person.last_touch_at >= since:
            row.engaged.append(person)
    return list(coverage.values())


def opportunities_visible_to(*, user: User) -> QuerySet[Opportunity]:
    """The deals a user may open a workspace on and act on: every open deal, for anyone who
    reads opportunities; narrow it here (and in `content.services.opportunity_visible_to`) when
    territories arrive."""
    if not user.has_perm("pipeline.view_opportunity"):
        return Opportunity.objects.none()
    return Opportunity.objects.active().filter(stage__outcome=PipelineStage.Outcome.OPEN)


def my_opportunity_rows(*, owner: User) -> QuerySet[Opportunity]:
    """The rep's open deals: stalled first, then by pipeline stage, longest in stage first."""
    return (
        Opportunity.objects.active()
        .filter(owner=owner, stage__outcome=PipelineStage.Outcome.OPEN)
        .select_related("account", "stage__journey_stage")
        .annotate(stalled_first=Case(When(STALLED, then=Value(0)), default=Value(1)))
        .order_by("stalled_first", "stage__position", "stage_entered_at", "pk")
    )


def my_opportunities(*, owner: User) -> list[Opportunity]:
    return list(my_opportunity_rows(owner=owner))


@dataclass
class Recommendation:
    asset: Asset
    score: float
    reasons: list[str]


def _lift(*, asset_ids: list[int], exclude_opportunity_id: int) -> dict[int, tuple[int, int]]:
    """Per asset: (deals it was shared into that then advanced a stage, deals shared into)."""
    rows = (
        AssetShare.objects.filter(asset_id__in=asset_ids, opportunity__isnull=False)
        .exclude(opportunity_id=exclude_opportunity_id)
        .annotate(advanced=advanced_after(at="shared_at", opportunity="opportunity_id"))
        .values_list("asset_id", "opportunity_id", "advanced")
    )
    deals: dict[int, dict[int, bool]] = defaultdict(dict)
    for asset_id, opportunity_id, advanced in rows:
        deals[asset_id][opportunity_id] = deals[asset_id].get(opportunity_id, False) or advanced
    return {a: (sum(d.values()), len(d)) for a, d in deals.items()}


def asset_recommendations(
    *, opportunity: Opportunity, people: list[Contact], coverage: list[RoleCoverage]
) -> list[Recommendation]:
    """Published assets not yet shared on the deal, ranked; each says why it ranks.

    Points: the deal's journey stage (same stage in any version of the journey 3, same phase 1);
    each persona of the committee it serves (1, or 2 when that person's role is not engaged);
    each recorded objection sharing a word with its title or summary (2); how often it moved
    other deals forward (up to 2); customer proof in the decision phase (2).
    """
    stage = opportunity.stage.journey_stage
    missing_roles = {row.role for row in coverage if row.is_missing}
    persona_weight: dict[int, int] = {}
    for person in people:
        if person.persona_id is None:
            continue
        weight = MISSING_ROLE_PERSONA_POINTS if person.buying_role in missing_roles else 1
        persona_weight[person.persona_id] = max(weight, persona_weight.get(person.persona_id, 0))
    objections = [(o.text, keywords(o.text)) for o in opportunity.objections.all()]

    assets = list(
        Asset.objects.active()
        .filter(status=Asset.Status.PUBLISHED)
        .exclude(shares__opportunity=opportunity)
        .select_related("journey_stage__journey")
        .prefetch_related("personas")
        .order_by("title", "pk")
    )
    lift = _lift(asset_ids=[a.pk for a in assets], exclude_opportunity_id=opportunity.pk)
    ranked = []
    for asset in assets:
        score, reasons = 0.0, []
        if stage is not None:
            if asset.journey_stage.journey.key == stage.journey.key and (
                asset.journey_stage.slug == stage.slug
            ):
                score += SAME_STAGE_POINTS
                reasons.append(f"Made for the deal's stage: {stage.name}")
            elif asset.journey_stage.phase == stage.phase:
                score += SAME_PHASE_POINTS
                reasons.append(f"Same phase as the deal: {stage.get_phase_display()}")
        for persona in asset.personas.all():
            weight = persona_weight.get(persona.pk)
            if weight:
                score += weight * PERSONA_POINTS
                gap = " (a role not engaged yet)" if weight == MISSING_ROLE_PERSONA_POINTS else ""
                reasons.append(f"Speaks to {persona.name} in the committee{gap}")
        asset_words = keywords(f"{asset.title} {asset.summary}")
        for text, words in objections:
            shared = sorted(words & asset_words)
            if shared:
                score += OBJECTION_POINTS
                reasons.append(f'Answers the objection "{text}" ({", ".join(shared)})')
        advanced, total = lift.get(asset.pk, (0, 0))
        if total:
            score += LIFT_POINTS * advanced / total
            reasons.append(f"Moved {advanced} of {total} deals it was shared into forward")
        if (
            stage is not None
            and stage.phase == Phase.DECISION
            and asset.asset_type in CUSTOMER_PROOF
        ):
            score += CUSTOMER_PROOF_POINTS
            reasons.append("Customer proof for a late-stage deal")
        if score > 0:
            ranked.append(Recommendation(asset=asset, score=round(score, 2), reasons=reasons))
    ranked.sort(key=lambda r: (-r.score, r.asset.title, r.asset.pk))
    return ranked[:RECOMMENDATION_LIMIT]


@dataclass
class Workspace:
    opportunity: Opportunity
    committee: list[Contact]
    coverage: list[RoleCoverage]
    recommendations: list[Recommendation]
    objections: list[DealObjection]
    shares: list[AssetShare]


def opportunity_workspace(*, opportunity_id: int) -> Workspace:
    """Raises `Opportunity.DoesNotExist` for an unknown id."""
    opportunity = (
        Opportunity.objects.select_related("account", "owner", "stage__journey_stage__journey")
        .prefetch_related("objections__persona")
        .get(pk=opportunity_id)
    )
    people = committee(account_id=opportunity.account_id)
    coverage = committee_coverage(people=people)
    return Workspace(
        opportunity=opportunity,
        committee=people,
        coverage=coverage,
        recommendations=asset_recommendations(
            opportunity=opportunity, people=people, coverage=coverage
        ),
        objections=list(opportunity.objections.all()),
        shares=list(
            opportunity.asset_shares.select_related("asset", "contact", "shared_by").order_by(
                "-shared_at", "pk"
            )
        ),
    )
