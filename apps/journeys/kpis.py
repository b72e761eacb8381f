"""The KPIs that measure progress at each phase of the buyer's journey.

Awareness is measured by reach and engagement, consideration by pipeline influence, decision
by conversion and deal velocity. Stages set their KPI targets and campaigns pick their KPI
from these.
"""

from django.db import models

from apps.journeys.phases import Phase


class Kpi(models.TextChoices):
    REACH = "reach", "Reach (unique contacts touched)"
    ENGAGEMENT_RATE = "engagement_rate", "Engagement rate"
    PIPELINE_INFLUENCE = "pipeline_influence", "Pipeline influence"
    CONVERSION_RATE = "conversion_rate", "Conversion rate"
    DEAL_VELOCITY = "deal_velocity", "Deal velocity (days to close)"


KPIS_BY_PHASE: dict[str, tuple[str, ...]] = {
    Phase.AWARENESS: (Kpi.REACH, Kpi.ENGAGEMENT_RATE),
    Phase.CONSIDERATION: (Kpi.PIPELINE_INFLUENCE,),
    Phase.DECISION: (Kpi.CONVERSION_RATE, Kpi.DEAL_VELOCITY),
}


def kpi_fits_phase(*, kpi: str, phase: str) -> bool:
    return kpi in KPIS_BY_PHASE.get(phase, ())
