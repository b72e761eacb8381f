"""The starter kit as plain data: a B2B buyer's journey and the defaults that make Waymark score,
place and nurture buyers from day one. `apps.starter.services` writes it; nothing here names a
company, a person or a product, so every install can start from it and edit it in place.

Stages are named by their slug everywhere below; the slugs stay from journey version to version,
so pipeline stages, signal rules and sequences follow a republished journey to the same stage.
"""

from decimal import Decimal

from apps.engagement.models import EventKind
from apps.journeys.kpis import Kpi
from apps.journeys.phases import Phase
from apps.nurture.models import TaskAction
from apps.personas.models import BuyingRole, Seniority
from apps.pipeline.models import PipelineStage


def lines(*items: str) -> str:
    """Entry criteria and exit triggers store one entry per line."""
    return "\n".join(items)


JOURNEY = {
    "key": "b2b-buyer-journey",
    "name": "B2B buyer journey",
    "scope": "Starter template: adapt the stages, triggers and KPIs to your market",
    "review_cadence_months": 6,
}

# Parents come before their sub-stages.
STAGES = (
    {
        "slug": "awareness",
        "parent": None,
        "name": "Awareness",
        "phase": Phase.AWARENESS,
        "position": 1,
        "description": "The buyer feels the cost of a problem and starts to name it; no vendor "
        "in mind yet.",
        "entry_criteria": lines("Reads educational content about the problem"),
        "exit_triggers": lines(
            "Downloads a report, guide or benchmark",
            "Attends an educational webinar",
            "Visits product pages more than once in a week",
        ),
    },
    {
        "slug": "problem-recognition",
        "parent": "awareness",
        "name": "Problem recognition",
        "phase": Phase.AWARENESS,
        "position": 1,
        "description": "The team puts numbers on the pain and decides whether it is worth "
        "solving this year.",
        "entry_criteria": lines("Uses a benchmark, assessment or cost-of-the-problem content"),
        "exit_triggers": lines(
            "The team agrees the problem is worth solving this year",
            "Asks peers or analysts which solutions they use",
        ),
    },
    {
        "slug": "consideration",
        "parent": None,
        "name": "Consideration",
        "phase": Phase.CONSIDERATION,
        "position": 2,
        "description": "The buying committee compares approaches and vendors, then builds a case.",
        "entry_criteria": lines("A named project or budget line for the problem"),
        "exit_triggers": lines("Shortlist agreed", "Business case submitted to the budget holder"),
    },
    {
        "slug": "shortlist",
        "parent": "consideration",
        "name": "Shortlist",
        "phase": Phase.CONSIDERATION,
        "position": 1,
        "description": "Vendors compared on fit, capability, integration and risk.",
        "entry_criteria": lines("Reads comparison guides or vendor reviews"),
        "exit_triggers": lines("Requests a demo", "Runs a trial or proof of concept"),
    },
    {
        "slug": "business-case",
        "parent": "consideration",
        "name": "Business case",
        "phase": Phase.CONSIDERATION,
        "position": 2,
        "description": "The champion builds the return-on-investment case the economic buyer "
        "will sign.",
        "entry_criteria": lines("Preferred vendor chosen"),
        "exit_triggers": lines("ROI model shared with the economic buyer", "Budget approved"),
    },
    {
        "slug": "decision",
        "parent": None,
        "name": "Decision",
        "phase": Phase.DECISION,
        "position": 3,
        "description": "Final validation: security review, references and commercial terms.",
        "entry_criteria": lines("Budget approved for a named vendor"),
        "exit_triggers": lines("Security review passed", "Contract signed"),
    },
    {
        "slug": "validation-procurement",
        "parent": "decision",
        "name": "Validation & procurement",
        "phase": Phase.DECISION,
        "position": 1,
        "description": "IT and procurement check security, references and contract terms.",
        "entry_criteria": lines("Procurement engaged", "Security questionnaire received"),
        "exit_triggers": lines("Reference calls completed", "Contract redlines agreed"),
    },
)

# from stage, to stage, trigger: the journey is a graph, with skips and moves back.
TRANSITIONS = (
    ("awareness", "consideration", "The team starts looking at solutions"),
    ("consideration", "decision", "Budget approved for a preferred vendor"),
    ("awareness", "decision", "A peer's referral: straight to references and pricing"),
    ("decision", "consideration", "New stakeholder joins"),
    ("problem-recognition", "shortlist", "Downloads a comparison guide or requests a demo"),
    ("problem-recognition", "business-case", "A leadership mandate to fix the problem this year"),
    ("shortlist", "business-case", "Champion asks for ROI numbers"),
    ("business-case", "validation-procurement", "The economic buyer approves the budget"),
    ("validation-procurement", "shortlist", "Procurement requires a competitive bid"),
)

# stage slug → (KPI, target, note); each KPI fits its stage's phase (apps/journeys/kpis.py).
STAGE_KPIS = {
    "awareness": (
        (Kpi.REACH, 5_000, "Contacts at target accounts reached per quarter"),
        (Kpi.ENGAGEMENT_RATE, 4, "% of reached contacts who engage"),
    ),
    "problem-recognition": ((Kpi.ENGAGEMENT_RATE, 8, "% who use a benchmark or assessment"),),
    "consideration": ((Kpi.PIPELINE_INFLUENCE, 1_500_000, "Pipeline touched per quarter"),),
    "shortlist": ((Kpi.PIPELINE_INFLUENCE, 900_000, "Pipeline with a demo per quarter"),),
    "decision": (
        (Kpi.CONVERSION_RATE, 30, "% of decisions won"),
        (Kpi.DEAL_VELOCITY, 90, "Days from first meeting to signature"),
    ),
}

# The sales funnel, each open stage lined up with a journey stage and carrying its stall rule:
# a deal longer in the stage, or quiet for longer, is stalled.
PIPELINE_COLUMNS = (
    "name", "probability", "outcome", "journey_stage", "max_days_in_stage",
    "max_days_without_activity",
)  # fmt: skip
PIPELINE_STAGES = (  # in funnel order
    ("Prospecting", 10, PipelineStage.Outcome.OPEN, "awareness", 21, 14),
    ("Discovery", 20, PipelineStage.Outcome.OPEN, "consideration", 30, 14),
    ("Demo & evaluation", 40, PipelineStage.Outcome.OPEN, "shortlist", 30, 10),
    ("Business case", 60, PipelineStage.Outcome.OPEN, "business-case", 45, 14),
    ("Negotiation", 80, PipelineStage.Outcome.OPEN, "validation-procurement", 30, 10),
    ("Closed won", 100, PipelineStage.Outcome.WON, None, None, None),
    ("Closed lost", 0, PipelineStage.Outcome.LOST, None, None, None),
)  # fmt: skip

# The signals the method reads as buying evidence: only what buyers do themselves (a rep's
# emails, calls, CRM tasks and the meetings they book count as coverage, so the meeting rule
# reads only meetings the buyer booked). A signal is worth its weight, halved every half-life;
# a rule adds at most its cap; a repeat rule counts from the n-th signal in its window.
SIGNAL_RULES = (
    # kind, URL contains, stage slug, weight, half-life in days, cap, repeat: n, within days
    (EventKind.INTENT_SURGE, "", "awareness", "2.00", 21, "20.00", 1, None),
    (EventKind.CONTENT_DOWNLOAD, "", "problem-recognition", "3.00", 30, "30.00", 1, None),
    (EventKind.WEBINAR_ATTENDED, "", "consideration", "4.00", 30, None, 1, None),
    (EventKind.PRODUCT_PAGE_VIEW, "", "consideration", "6.00", 14, "24.00", 3, 14),
    (EventKind.DEMO_REQUEST, "", "shortlist", "8.00", 45, None, 1, None),
    (EventKind.MEETING, "", "business-case", "5.00", 30, None, 1, None),
    (EventKind.PRICING_PAGE_VIEW, "", "validation-procurement", "6.00", 21, "36.00", 1, None),
)  # fmt: skip

# Scoring settings (the rest keep the model's defaults). Target personas are left empty: every
# persona counts as a fit until marketing names its own.
SCORING_SETTINGS = {
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

# Seniority from job titles, for contacts imported without one (admin: Personas → Title
# rules). Patterns match whole words, any case, in this order: "Vice President" is a VP before
# "President" makes it C-level, "Managing Director" C-level before "Director".
TITLE_RULES = (
    ("VP|SVP|EVP|AVP|Vice[- ]President", Seniority.VP),
    (
        "Chief|CEO|CFO|CTO|CIO|CMO|COO|CRO|CISO|CDO|CPO|President|Founder|Co-?founder"
        "|Managing Director",
        Seniority.C_LEVEL,
    ),
    ("Director|Head", Seniority.DIRECTOR),
    ("Manager|Mgr|Lead|Supervisor|Controller", Seniority.MANAGER),
    (
        "Specialist|Analyst|Engineer|Developer|Clerk|Associate|Coordinator|Administrator"
        "|Accountant|Consultant|Representative|Officer|Assistant|Architect|Designer|Buyer",
        Seniority.INDIVIDUAL,
    ),
)

# One generic sequence per top-level stage: a stalled deal in a sub-stage gets its parent's.
# They are installed switched off; marketing reads the texts and switches each one on.
# Steps: kind, business days after the previous step, task action, subject, body.
SEQUENCES = (
    {
        "name": "Awareness nurture: name the problem",
        "journey_stage": "awareness",
        "steps": (
            ("email", 0, "", "What is the problem costing {{ account.name }}?",
             "Hello {{ contact.first_name }},\n\nTeams like yours start by putting a number on "
             "the problem. Happy to share how others measured it.\n\n{{ owner.full_name }}"),
            ("wait", 5, "", "", ""),
            ("email", 0, "", "How peers decided it was worth fixing",
             "Hello {{ contact.first_name }},\n\nThree questions other teams asked before they "
             "acted. Worth a short call?\n\n{{ owner.full_name }}"),
            ("task", 2, TaskAction.CALL, "Call {{ contact.first_name }} about priorities",
             "Ask whether the problem made this year's plan and who else feels it."),
        ),
    },
    {
        "name": "Consideration nurture: from shortlist to business case",
        "journey_stage": "consideration",
        "steps": (
            ("email", 0, "", "How teams like {{ account.name }} compare vendors",
             "Hello {{ contact.first_name }},\n\nThe questions our customers wish they had "
             "asked every vendor, in one page.\n\n{{ owner.full_name }}"),
            ("task", 3, TaskAction.CALL, "Call {{ contact.first_name }} about the business case",
             "Offer to walk through the ROI numbers before they go to the budget holder."),
            ("wait", 5, "", "", ""),
            ("email", 0, "", "{{ contact.first_name }}, what would it save you?",
             "Hello {{ contact.first_name }},\n\nI can put your own figures into a payback "
             "model for {{ opportunity.name }}. Shall I?\n\n{{ owner.full_name }}"),
        ),
    },
    {
        "name": "Decision nurture: de-risk the signature",
        "journey_stage": "decision",
        "steps": (
            ("email", 0, "", "Talk to a customer who has done it",
             "Hello {{ contact.first_name }},\n\nA reference call with a customer after go-live "
             "often answers the last questions. Shall I set one up?\n\n{{ owner.full_name }}"),
            ("task", 2, TaskAction.CUSTOMER_PROOF, "Send {{ contact.first_name }} customer proof",
             "Share the case study closest to {{ account.name }} and offer a reference call."),
            ("wait", 5, "", "", ""),
            ("email", 0, "", "Everything procurement needs, in one place",
             "Hello {{ contact.first_name }},\n\nSecurity answers, terms and pricing for the "
             "order form: tell me what is missing.\n\n{{ owner.full_name }}"),
        ),
    },
)  # fmt: skip
