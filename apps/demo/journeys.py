"""The demo's playbook on the starter kit's journey: stage × persona cells, one tier-1 account's
own playbook, and a review since it was published, with a trigger that makes a review due now.

Version 1 is seeded as it stood when it was published, so cells are written with validated
`model_create` (the journey services refuse to edit a published version). A few cells are
left unwritten and a few recommended content types have no asset yet, so the health check and
the coverage page have something to show.
"""

from datetime import datetime, timedelta

from apps.content.models import AssetType
from apps.core.services import model_create
from apps.demo import world
from apps.journeys.models import JourneyReviewTrigger, JourneyStage, PlaybookCell
from apps.journeys.selectors import playbook_accounts
from apps.journeys.services import journey_mark_reviewed
from apps.personas.models import BuyingRole, Persona
from apps.users.models import User


def _objections(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"objection": objection, "response": response} for objection, response in pairs]


R, T = BuyingRole, AssetType

# (stage slug, persona key) → the cell's entries.
CELLS: dict[tuple[str, str], dict] = {
    ("awareness", "cfo"): {
        "buyer_questions": ["What does an invoice really cost us?", "How do peers close faster?"],
        "pain_points": ["Committed spend is invisible until invoices are approved"],
        "decision_criteria": ["Benchmarks from companies of our size"],
        "objections": _objections(
            ("Our ERP is supposed to do this already", "Show what ERP AP modules leave manual."),
        ),
        "committee_roles": [R.ECONOMIC_BUYER],
        "touchpoints": ["CFO newsletters", "Finance leadership events", "LinkedIn"],
        "content_types": [T.TREND_REPORT, T.BLOG_POST],
    },
    ("awareness", "ap-manager"): {
        "buyer_questions": ["Why does my team still key invoices by hand?"],
        "pain_points": ["Invoices arrive in a dozen formats", "Approvers sit on invoices"],
        "decision_criteria": ["Fits how the team works today"],
        "objections": _objections(
            ("My team is too busy to look at tools", "A 20-minute benchmark, no demo."),
        ),
        "committee_roles": [R.CHAMPION],
        "touchpoints": ["AP community forums", "Webinars", "Search"],
        "content_types": [T.BLOG_POST, T.WEBINAR],
    },
    ("awareness", "it-director"): {
        "buyer_questions": ["Which finance tools will land on my desk next year?"],
        "pain_points": ["Custom AP scripts break at every ERP upgrade"],
        "committee_roles": [R.TECHNICAL_EVALUATOR],
        "touchpoints": ["Analyst reports", "IT peer groups"],
        "content_types": [T.WHITEPAPER],
    },
    ("awareness", "procurement-lead"): {
        "buyer_questions": ["How much spend escapes purchase orders?"],
        "pain_points": ["Maverick spend without purchase orders"],
        "committee_roles": [R.PROCUREMENT],
        "touchpoints": ["Procurement associations", "Trend reports"],
        "content_types": [T.TREND_REPORT],
    },
    ("problem-recognition", "cfo"): {
        "buyer_questions": ["How many days of our close are AP accruals?"],
        "pain_points": ["Close takes eight days or more", "Missed early-payment discounts"],
        "decision_criteria": ["A cost-per-invoice figure the board believes"],
        "objections": _objections(
            ("Now is not the time for a finance project", "Quantify the cost of waiting."),
        ),
        "committee_roles": [R.ECONOMIC_BUYER],
        "touchpoints": ["Benchmark report", "Peer CFO roundtable"],
        "content_types": [T.TREND_REPORT, T.WHITEPAPER],
    },
    ("problem-recognition", "ap-manager"): {
        "buyer_questions": ["What is our cost per invoice compared with peers?"],
        "pain_points": ["Three-way matching by hand in spreadsheets"],
        "decision_criteria": ["Touchless rate we can measure"],
        "objections": _objections(
            ("Automation will not cope with non-PO invoices", "Show non-PO capture results."),
        ),
        "committee_roles": [R.CHAMPION, R.END_USER],
        "touchpoints": ["Cost-per-invoice calculator", "Email nurture"],
        "content_types": [T.BLOG_POST, T.TREND_REPORT],
    },
    ("shortlist", "ap-manager"): {
        "buyer_questions": ["Which vendors capture our invoice layouts accurately?"],
        "pain_points": ["The last automation created more exceptions"],
        "decision_criteria": ["Touchless rate on our own samples", "A clear exception queue"],
        "objections": _objections(
            (
                "Capture accuracy never holds up on our invoices",
                "Offer a proof of concept on 200 of their own invoices.",
            ),
        ),
        "committee_roles": [R.CHAMPION, R.END_USER],
        "touchpoints": ["Demo", "Proof of concept", "Review sites"],
        "content_types": [T.COMPARISON_GUIDE, T.DEMO],
    },
    ("shortlist", "it-director"): {
        "buyer_questions": ["Is there a certified connector for our ERP?", "Where is data held?"],
        "pain_points": ["Integration projects overrun when vendors hand the work over"],
        "decision_criteria": ["Certified ERP connector", "SSO and SCIM", "EU data residency"],
        "objections": _objections(
            (
                "No capacity to run an integration this quarter",
                "The vendor leads the implementation; show the four-week plan.",
            ),
        ),
        "committee_roles": [R.TECHNICAL_EVALUATOR],
        "touchpoints": ["Technical deep-dive", "Sandbox access"],
        "content_types": [T.COMPARISON_GUIDE, T.WHITEPAPER],
    },
    ("shortlist", "cfo"): {
        "buyer_questions": ["Which option pays back fastest?"],
        "decision_criteria": ["Payback within 12 months"],
        "objections": _objections(
            ("The subscription grows with invoice volume", "Show the volume tiers and cap."),
        ),
        "committee_roles": [R.ECONOMIC_BUYER],
        "touchpoints": ["Executive briefing"],
        "content_types": [T.COMPARISON_GUIDE],
    },
    ("business-case", "cfo"): {
        "buyer_questions": ["What will it save in year one?", "What does adoption depend on?"],
        "pain_points": ["Business cases that rely on optimistic adoption"],
        "decision_criteria": ["Payback within 12 months", "Measurable cost per invoice"],
        "objections": _objections(
            (
                "The business case relies on optimistic adoption numbers",
                "Use the conservative scenario of the ROI calculator with their volumes.",
            ),
        ),
        "committee_roles": [R.ECONOMIC_BUYER, R.CHAMPION],
        "touchpoints": ["ROI workshop", "Sales call"],
        "content_types": [T.ROI_CALCULATOR, T.CASE_STUDY],
    },
    ("business-case", "ap-manager"): {
        "buyer_questions": ["How do I make the case to my CFO?"],
        "pain_points": ["Leadership will read this as a headcount cut"],
        "decision_criteria": ["A case that shows growth without hiring"],
        "objections": _objections(
            ("Leadership will see a headcount cut", "Frame it as volume growth absorbed."),
        ),
        "committee_roles": [R.CHAMPION],
        "touchpoints": ["ROI calculator", "Champion enablement kit"],
        "content_types": [T.ROI_CALCULATOR],
    },
    ("validation-procurement", "procurement-lead"): {
        "buyer_questions": ["Can we cap renewal increases?", "Is the vendor a safe bet?"],
        "pain_points": ["A long security questionnaire for every new vendor"],
        "decision_criteria": ["Cap on renewal increases", "Clear exit terms and data export"],
        "objections": _objections(
            ("We need three bids before we can sign", "Provide a bid-ready pricing pack."),
            ("The vendor is too small to be a safe bet", "Share references and financials."),
        ),
        "committee_roles": [R.PROCUREMENT, R.ECONOMIC_BUYER],
        "touchpoints": ["Procurement portal", "Contract call"],
        "content_types": [T.PRICING_SHEET, T.CUSTOMER_REFERENCE],
    },
    ("validation-procurement", "it-director"): {
        "buyer_questions": ["Does the security review pass without exceptions?"],
        "decision_criteria": ["SOC 2 Type II and ISO 27001"],
        "objections": _objections(
            (
                "Another vendor with access to supplier bank details",
                "Walk through bank-detail controls and the SOC 2 report.",
            ),
        ),
        "committee_roles": [R.TECHNICAL_EVALUATOR, R.BLOCKER],
        "touchpoints": ["Security review call", "Trust centre"],
        "content_types": [T.CUSTOMER_REFERENCE, T.WHITEPAPER],
    },
    ("decision", "cfo"): {
        "buyer_questions": ["Who like us has done this, and what did they see?"],
        "decision_criteria": ["Proven at companies of our size and industry"],
        "objections": _objections(
            ("Let's wait until next budget year", "Show the monthly cost of the status quo."),
        ),
        "committee_roles": [R.ECONOMIC_BUYER],
        "touchpoints": ["Reference call", "Executive sponsor meeting"],
        "content_types": [T.CASE_STUDY, T.CUSTOMER_REFERENCE],
    },
}

# A tier-1 account's own playbook: (stage slug, persona key, replaces the persona's, entries).
ACCOUNT_CELLS = (
    (
        "business-case",
        "cfo",
        False,
        {
            "buyer_questions": ["How does this fit the group-wide finance transformation?"],
            "objections": _objections(
                (
                    "Group IT must approve every finance tool",
                    "Bring the group IT architect into the ROI workshop.",
                ),
            ),
            "touchpoints": ["Quarterly business review with the CFO office"],
        },
    ),
    (
        "validation-procurement",
        "procurement-lead",
        True,
        {
            "buyer_questions": ["Can the group framework agreement be used?"],
            "decision_criteria": ["Signs on the group framework agreement"],
            "objections": _objections(
                ("Framework terms forbid volume pricing", "Offer a fixed annual platform fee."),
            ),
            "committee_roles": [R.PROCUREMENT],
            "touchpoints": ["Group procurement portal"],
            "content_types": [T.PRICING_SHEET],
        },
    ),
)

REVIEW_NOTES = "Checked objections with sales after the spring win-loss interviews."
TRIGGER_DAYS_AGO = 3
TRIGGER_NOTE = "Expansion into the Nordics: buyers there ask for local data residency."


def seed_playbook(
    *,
    stages: dict[str, JourneyStage],
    personas: dict[str, Persona],
    owner: User,
    anchor: datetime,
) -> None:
    """Write the demo journey's playbook; run once, inside the demo seed's transaction."""
    for (stage, persona), entries in CELLS.items():
        model_create(
            model=PlaybookCell,
            data={"stage": stages[stage], "persona": personas[persona], **entries},
        )
    account = playbook_accounts().first()
    for stage, persona, replaces, entries in ACCOUNT_CELLS:
        model_create(
            model=PlaybookCell,
            data={
                "stage": stages[stage],
                "persona": personas[persona],
                "account": account,
                "replaces_persona_cell": replaces,
                **entries,
            },
        )
    journey = stages["awareness"].journey
    journey_mark_reviewed(
        journey=journey,
        reviewed_by=owner,
        notes=REVIEW_NOTES,
        at=anchor - timedelta(days=world.JOURNEY_LAST_REVIEWED_DAYS_AGO),
    )
    model_create(
        model=JourneyReviewTrigger,
        data={
            "journey": journey,
            "kind": JourneyReviewTrigger.Kind.NEW_MARKET,
            "note": TRIGGER_NOTE,
            "recorded_by": owner,
            "recorded_at": anchor - timedelta(days=TRIGGER_DAYS_AGO),
        },
    )
