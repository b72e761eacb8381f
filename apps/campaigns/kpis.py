"""Which KPIs measure a campaign aimed at each phase of the buyer's journey."""

from apps.campaigns.models import Kpi
from apps.journeys.models import Phase

KPIS_BY_PHASE: dict[str, tuple[str, ...]] = {
    Phase.AWARENESS: (Kpi.REACH, Kpi.ENGAGEMENT_RATE),
    Phase.CONSIDERATION: (Kpi.PIPELINE_INFLUENCE,),
    Phase.DECISION: (Kpi.CONVERSION_RATE, Kpi.DEAL_VELOCITY),
}


def kpi_fits_phase(*, kpi: str, phase: str) -> bool:
    return kpi in KPIS_BY_PHASE.get(phase, ())
