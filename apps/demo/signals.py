"""Signals in the demo world: its signal rules on top of the starter kit's, its target personas,
and the scores, stages and handoffs the recompute makes of the demo's events.

The recompute runs at past dates first, as the nightly run would have, so trends, snapshots and
stage histories have something to show; then sales have decided a few of the handoffs.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from apps.engagement.models import EventKind, Handoff
from apps.engagement.services import (
    handoff_decide,
    scores_recompute,
    scoring_settings_update,
    signal_rule_create,
)
from apps.journeys.models import JourneyStage
from apps.personas.models import Persona

# The demo's own rules on top of the starter kit's: its blog and contact form, single product
# page views, email clicks and the enterprise pricing page. What its reps do (emails, calls,
# meetings they book, assets they share) shows as coverage only.
SIGNAL_RULES = (
    # kind, URL contains, journey-stage slug, weight, half-life in days, cap
    (EventKind.PAGE_VIEW, "/blog", "awareness", "1.00", 14, "10.00"),
    (EventKind.EMAIL_CLICK, "", "awareness", "1.00", 14, "6.00"),
    (EventKind.PRODUCT_PAGE_VIEW, "", "shortlist", "2.50", 21, "25.00"),
    (EventKind.FORM_SUBMIT, "/contact", "shortlist", "5.00", 30, None),
    (EventKind.PRICING_PAGE_VIEW, "/pricing/enterprise", "decision", "3.00", 21, "15.00"),
)  # fmt: skip
TARGET_PERSONAS = ("cfo", "ap-manager")

# Days before today of the runs: weekly for two months, then nightly for the last week.
RUN_DAYS_AGO = (56, 49, 42, 35, 28, 21, 14, 7, 6, 5, 4, 3, 2, 1, 0)
# Of the handoffs raised, the oldest are decided: this many accepted, then one rejected.
ACCEPTED_HANDOFFS = 3
REJECTION_REASON = "Talked to them: no budget until next fiscal year."
# How long after it was raised a rep decided a handoff.
DECIDED_AFTER = timedelta(days=2, hours=3)


def seed_signals(
    *, journey_stages: dict[str, JourneyStage], personas: dict[str, Persona], anchor: datetime
) -> None:
    for kind, url_pattern, stage, weight, half_life, cap in SIGNAL_RULES:
        signal_rule_create(
            data={
                "kind": kind,
                "url_pattern": url_pattern,
                "journey_stage": journey_stages[stage],
                "weight": Decimal(weight),
                "half_life_days": half_life,
                "cap": Decimal(cap) if cap else None,
            }
        )
    scoring_settings_update(data={"target_personas": [personas[key] for key in TARGET_PERSONAS]})
    for days in RUN_DAYS_AGO:
        scores_recompute(at=anchor - timedelta(days=days))
    oldest_first = Handoff.objects.select_related("account__owner").order_by("raised_at", "pk")
    for number, handoff in enumerate(oldest_first[: ACCEPTED_HANDOFFS + 1]):
        accept = number < ACCEPTED_HANDOFFS
        handoff_decide(
            handoff=handoff,
            user=handoff.account.owner,
            accept=accept,
            reason="" if accept else REJECTION_REASON,
            # When the rep got to it then, not the moment the demo was seeded.
            at=min(anchor, handoff.raised_at + DECIDED_AFTER),
        )
