"""The demo campaigns' full plans (channels, cadence, segment, targets) and the templates.

`demo_world_seed` creates the campaigns first (`world.CAMPAIGNS`); this fills in the rest of
each plan through the campaign services. Targets and baselines are set on the scale of the
demo world (129 contacts), as the KPI definitions in `apps.campaigns.kpi_progress` count them.
The two awareness campaigns share CFOs and AP managers while both run, so the weekly-cadence
check has something to show.
"""

from decimal import Decimal

from apps.campaigns.models import Campaign, CampaignTemplate, Channel
from apps.campaigns.services import campaign_update
from apps.content.models import AssetType
from apps.core.services import model_create
from apps.journeys.kpis import Kpi
from apps.journeys.models import JourneyStage, Phase
from apps.personas.models import BuyingRole, Persona

# Campaign name → plan. Stages are journey-stage slugs, personas persona keys (apps.demo.world).
PLANS = {
    "AP cost benchmark launch": {
        "channels": [Channel.CONTENT_SYNDICATION, Channel.PAID_SOCIAL, Channel.EMAIL],
        "cadence": 2,
        "kpi_target": Decimal("50"),
        "kpi_baseline": Decimal("20"),
        "segment_tiers": [1, 2],
        "segment_regions": ["North America", "Europe"],
        "segment_fit_score_min": 60,
        "personas": ("cfo", "ap-manager"),
    },
    "Close faster webinar series": {
        "channels": [Channel.WEBINAR, Channel.EMAIL],
        "cadence": 2,
        "kpi_target": Decimal("90"),
        "kpi_baseline": Decimal("70"),
        "personas": ("cfo", "ap-manager"),
    },
    "Shortlist accelerator": {
        "channels": [Channel.EMAIL, Channel.WEBINAR, Channel.SALES_OUTREACH],
        "cadence": 1,
        "kpi_target": Decimal("12000000"),
        "kpi_baseline": Decimal("6000000"),
        "segment_tiers": [1, 2],
        "stages": ("consideration", "shortlist"),
        "personas": ("ap-manager", "it-director"),
    },
    "CFO business case roadshow": {
        "channels": [Channel.EVENT, Channel.SALES_OUTREACH],
        "cadence": 1,
        "kpi_baseline": Decimal("1000000"),
        "stages": ("business-case",),
        "segment_buying_roles": [BuyingRole.ECONOMIC_BUYER, BuyingRole.CHAMPION],
    },
    "Reference-led close": {
        "channels": [Channel.SALES_OUTREACH, Channel.EMAIL],
        "cadence": 1,
        "stages": ("decision",),
        "personas": ("cfo", "procurement-lead", "it-director"),
    },
    "Fast track to signature": {
        "channels": [Channel.DIRECT_MAIL, Channel.SALES_OUTREACH],
        "cadence": 1,
        "segment_tiers": [1, 2],
        "stages": ("decision",),
        "segment_buying_roles": [BuyingRole.ECONOMIC_BUYER, BuyingRole.PROCUREMENT],
    },
}

TEMPLATES = (
    {
        "name": "Thought-leadership launch",
        "phase": Phase.AWARENESS,
        "description": "Put research in front of a market that does not know it has the problem.",
        "objective": "Reach the segment's finance leaders with research that names the problem.",
        "kpi": Kpi.REACH,
        "kpi_target": Decimal("5000"),
        "channels": [Channel.CONTENT_SYNDICATION, Channel.PAID_SOCIAL, Channel.EMAIL],
        "cadence": 2,
        "duration_days": 60,
        "asset_types": [AssetType.TREND_REPORT, AssetType.WHITEPAPER, AssetType.BLOG_POST],
    },
    {
        "name": "Educational webinar series",
        "phase": Phase.AWARENESS,
        "description": "Teach before you sell: a short series of practical sessions.",
        "objective": "Get the segment's contacts to engage with practical, vendor-neutral advice.",
        "kpi": Kpi.ENGAGEMENT_RATE,
        "kpi_target": Decimal("20"),
        "channels": [Channel.WEBINAR, Channel.EMAIL],
        "cadence": 1,
        "duration_days": 90,
        "asset_types": [AssetType.WEBINAR, AssetType.BLOG_POST],
    },
    {
        "name": "Evaluation accelerator",
        "phase": Phase.CONSIDERATION,
        "description": "Help a buying committee compare options and build its case.",
        "objective": "Create and advance opportunities with comparison, demo and ROI content.",
        "kpi": Kpi.PIPELINE_INFLUENCE,
        "kpi_target": Decimal("1000000"),
        "channels": [Channel.EMAIL, Channel.WEBINAR, Channel.SALES_OUTREACH],
        "cadence": 2,
        "duration_days": 60,
        "asset_types": [
            AssetType.COMPARISON_GUIDE,
            AssetType.DEMO,
            AssetType.ROI_CALCULATOR,
            AssetType.CASE_STUDY,
        ],
    },
    {
        "name": "Reference-led close",
        "phase": Phase.DECISION,
        "description": "De-risk the decision with peers who made it already.",
        "objective": "Win more of the deals that reach a decision.",
        "kpi": Kpi.CONVERSION_RATE,
        "kpi_target": Decimal("30"),
        "channels": [Channel.SALES_OUTREACH, Channel.EMAIL],
        "cadence": 1,
        "duration_days": 60,
        "asset_types": [AssetType.CUSTOMER_REFERENCE, AssetType.CASE_STUDY],
    },
    {
        "name": "Fast-track pack",
        "phase": Phase.DECISION,
        "description": "Shorten the last mile: everything procurement and the signer ask for.",
        "objective": "Close won deals in fewer days.",
        "kpi": Kpi.DEAL_VELOCITY,
        "kpi_target": Decimal("45"),
        "channels": [Channel.DIRECT_MAIL, Channel.SALES_OUTREACH],
        "cadence": 1,
        "duration_days": 45,
        "asset_types": [AssetType.PRICING_SHEET, AssetType.CASE_STUDY],
    },
)


def plan_campaigns(
    *, journey_stages: dict[str, JourneyStage], personas: dict[str, Persona]
) -> None:
    """Complete the demo campaigns' plans and add the campaign templates."""
    for campaign in Campaign.objects.filter(name__in=PLANS):
        plan = dict(PLANS[campaign.name])
        stages, people = plan.pop("stages", ()), plan.pop("personas", ())
        plan["segment_stages"] = [journey_stages[slug] for slug in stages]
        plan["segment_personas"] = [personas[key] for key in people]
        campaign_update(campaign=campaign, data=plan)
    for template in TEMPLATES:
        model_create(model=CampaignTemplate, data=template)
