"""Signals in the demo world: the rest of its signal rules (a repeat rule among them), its scoring
settings, and the scores, stages and handoffs the recompute makes of the demo's events.

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
from apps.personas.models import BuyingRole, Persona

SIGNAL_RULES = (
    # kind, URL contains, journey-stage slug, weight, half-life in days, cap, repeat: n, days
    (EventKind.PRODUCT_PAGE_VIEW, "/product", "consideration", "6.00", 14, "24.00", 3, 14),
    (EventKind.EMAIL_CLICK, "", "awareness", "1.00", 14, "6.00", 1, None),
    (EventKind.FORM_SUBMIT, "/contact", "shortlist", "5.00", 30, None, 1, None),
    (EventKind.CRM_ACTIVITY, "", "validation-procurement", "3.00", 21, "15.00", 1, None),
)  # fmt: skip

SETTINGS = {
    "stage_threshold": Decimal("6.00"),
    "firmographic_fit_points": Decimal("20.00"),
    "persona_fit_points": Decimal("10.00"),
    "buying_role_points": {
        BuyingRole.ECONOMIC_BUYER: 12,
        BuyingRole.CHAMPION: 10,
        BuyingRole.TECHNICAL_EVALUATOR: 6,
        BuyingRole.PROCUREMENT: 4,
    },
    "person_cap": Decimal("60.00"),
    "role_breadth_points": Decimal("12.00"),
    "mql_threshold": Decimal("90.00"),
    "mqa_threshold": Decimal("260.00"),
}
TARGET_PERSONAS = ("cfo", "ap-manager")

# Days before today of the runs: weekly for two months, then nightly for the last week.
RUN_DAYS_AGO = (56, 49, 42, 35, 28, 21, 14, 7, 6, 5, 4, 3, 2, 1, 0)
# Of the handoffs raised, the oldest are decided: this many accepted, then one rejected.
ACCEPTED_HANDOFFS = 3
REJECTION_REASON = "Talked to them: no budget until next fiscal year."


def seed_signals(
    *, journey_stages: dict[str, JourneyStage], personas: dict[str, Persona], anchor: datetime
) -> None:
    for kind, url_pattern, stage, weight, half_life, cap, repeat, window in SIGNAL_RULES:
        signal_rule_create(
            data={
                "kind": kind,
                "url_pattern": url_pattern,
                "journey_stage": journey_stages[stage],
                "weight": Decimal(weight),
                "half_life_days": half_life,
                "cap": Decimal(cap) if cap else None,
                "repeat_count": repeat,
                "repeat_window_days": window,
            }
        )
    scoring_settings_update(
        data={**SETTINGS, "target_personas": [personas[key] for key in TARGET_PERSONAS]}
    )
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
        )
