"""A campaign's segment as plain data, and the SQL conditions that pick its accounts and contacts.

One shape serves a saved campaign and a form still being filled in (the live preview), so the
conditions never need the campaign row. Every criterion left empty leaves the segment wider.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q

from apps.journeys.models import JourneyStage
from apps.pipeline.models import Opportunity, PipelineStage


@dataclass(frozen=True)
class Segment:
    tiers: tuple[int, ...] = ()
    industries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    # Journey stages: accounts with an open opportunity whose pipeline stage maps to one of
    # them or to one of their sub-stages, in any version of the journey (a stage keeps its
    # slug across versions). Stages inferred from buyer signals will replace this.
    stage_ids: tuple[int, ...] = ()
    # Fit to the ideal customer profile, `Account.fit_score`, 0–100; either end may be open.
    fit_score_min: int | None = None
    fit_score_max: int | None = None
    # People: a contact matches through their persona or their buying role.
    persona_ids: tuple[int, ...] = ()
    buying_roles: tuple[str, ...] = ()

    @property
    def is_everyone(self) -> bool:
        return self == Segment()

    def account_condition(self, *, path: str = "") -> Q:
        """The accounts in the segment, as a condition on `Account` (`path=""`) or on a model
        that points at an account (`path="account__"`)."""
        condition = Q()
        if self.tiers:
            condition &= Q(**{f"{path}tier__in": self.tiers})
        if self.industries:
            condition &= Q(**{f"{path}industry__in": self.industries})
        if self.regions:
            condition &= Q(**{f"{path}region__in": self.regions})
        if self.fit_score_min is not None:
            condition &= Q(**{f"{path}fit_score__gte": self.fit_score_min})
        if self.fit_score_max is not None:
            condition &= Q(**{f"{path}fit_score__lte": self.fit_score_max})
        if self.stage_ids:
            chosen = JourneyStage.objects.filter(pk__in=self.stage_ids)
            same = JourneyStage.objects.filter(
                Exists(chosen.filter(slug=OuterRef("slug"), journey__key=OuterRef("journey__key")))
            )
            in_stage = Opportunity.objects.filter(
                Q(stage__journey_stage__in=same) | Q(stage__journey_stage__parent__in=same),
                stage__outcome=PipelineStage.Outcome.OPEN,
            )
            condition &= Q(**{f"{path}pk__in": in_stage.values("account_id")})
        return condition

    def contact_condition(self) -> Q:
        """The contacts in the segment: at its accounts, and of its personas or buying roles."""
        people = Q()
        if self.persona_ids:
            people |= Q(persona__in=self.persona_ids)
        if self.buying_roles:
            people |= Q(buying_role__in=self.buying_roles)
        return self.account_condition(path="account__") & people
