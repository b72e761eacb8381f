"""The demo world as plain data: a vendor of accounts-payable automation and its market.

`apps.demo.services.demo_world_seed` turns this into rows on top of the starter kit
(`apps.starter.template`): its journey, pipeline, signal rules, scoring settings and sequences.
Stages, personas and assets refer to each other by keys: the kit's journey-stage slugs and
pipeline-stage names, and the persona keys and asset titles used here.
"""

from apps.campaigns.models import Channel
from apps.content.models import AssetType
from apps.engagement.models import EventKind, EventSource
from apps.journeys.kpis import Kpi
from apps.personas.models import BuyingRole
from apps.users.models import Role

RANDOM_SEED = 20_250_601
DEMO_PASSWORD = "waymark"
EMAIL_DOMAIN = "waymark.example"
SITE = "https://www.waymark.example"
CONTENT_SITE = "https://content.waymark.example"


def lines(*items: str) -> str:
    """List fields store one entry per line."""
    return "\n".join(items)


# username, first name, last name, role, time zone
USERS = (
    ("admin", "Ada", "Admin", Role.ADMIN, "Europe/London"),
    ("marketer", "Mia", "Marketer", Role.MARKETER, "America/New_York"),
    ("sales", "Sam", "Sales", Role.SALES, "America/Chicago"),
    ("sales2", "Riley", "Rep", Role.SALES, "Europe/Berlin"),
    ("manager", "Morgan", "Manager", Role.MANAGER, "America/New_York"),
)
SUPERUSER = "admin"
MARKETER = "marketer"
ACCOUNT_OWNERS = ("sales", "sales2")

PERSONAS = {
    "cfo": {
        "name": "CFO",
        "buying_role": BuyingRole.ECONOMIC_BUYER,
        "summary": "Owns the finance budget and signs off on anything that changes how cash "
        "leaves the business.",
        "priorities": lines(
            "Shorten the month-end close",
            "See cash commitments and AP liability in real time",
            "Capture early-payment discounts",
            "Keep audit findings at zero",
        ),
        "pain_points": lines(
            "Committed spend is invisible until invoices are approved",
            "Late-payment penalties and missed early-payment discounts",
            "Close takes eight days or more because AP accruals are manual",
            "Audit samples turn up invoices paid without a matching purchase order",
        ),
        "decision_criteria": lines(
            "Payback within 12 months",
            "Measurable drop in cost per invoice",
            "Real-time AP liability and cash-forecast reporting",
            "Proven at companies of our size and industry",
        ),
        "objections": lines(
            "Our ERP is supposed to do this already",
            "The business case relies on optimistic adoption numbers",
            "Now is not the time for another finance-systems project",
            "The subscription grows with invoice volume",
        ),
    },
    "it-director": {
        "name": "IT Director",
        "buying_role": BuyingRole.TECHNICAL_EVALUATOR,
        "summary": "Guards the ERP and the security posture; decides whether the platform can be "
        "integrated and supported.",
        "priorities": lines(
            "Keep the ERP core clean and upgradable",
            "Fewer point solutions to support",
            "Meet security and data-residency requirements",
            "Single sign-on and role-based access everywhere",
        ),
        "pain_points": lines(
            "Custom AP scripts and macros break at every ERP upgrade",
            "Shadow-IT scanning tools hold supplier bank details",
            "A small team with a long backlog of finance-system requests",
            "Integration projects overrun when vendors hand the work over",
        ),
        "decision_criteria": lines(
            "Prebuilt, certified connector for our ERP",
            "SOC 2 Type II and ISO 27001, EU data residency",
            "SSO (SAML or OIDC) and SCIM provisioning",
            "Documented API and a sandbox environment",
            "Implementation in weeks, led by the vendor",
        ),
        "objections": lines(
            "Another vendor with access to supplier bank details",
            "No capacity to run an integration this quarter",
            "Our ERP roadmap may replace this",
            "Capture-accuracy claims never hold up on our invoices",
        ),
    },
    "ap-manager": {
        "name": "AP Manager",
        "buying_role": BuyingRole.CHAMPION,
        "summary": "Runs the accounts-payable team day to day and feels every manual keystroke; "
        "the first to push for change.",
        "priorities": lines(
            "Process more invoices without adding headcount",
            "Hit every weekly payment run",
            "Fewer supplier calls about payment status",
            "A team that works on exceptions, not data entry",
        ),
        "pain_points": lines(
            "Invoices arrive by email, post and portal in a dozen formats",
            "Approvers sit on invoices for weeks",
            "Three-way matching is done by hand in spreadsheets",
            "Suppliers chase payment status by phone every day",
            "Duplicate invoices slip through",
        ),
        "decision_criteria": lines(
            "Touchless rate measured on our own invoice samples",
            "Approval workflow approvers actually use (mobile and email)",
            "A clear exception queue",
            "Supplier self-service portal",
            "Training and onboarding for the team",
        ),
        "objections": lines(
            "My team is too busy to learn a new tool during close",
            "Automation will not cope with our non-PO invoices",
            "The last automation project created more exceptions than it removed",
            "Leadership will read this as a headcount cut",
        ),
    },
    "procurement-lead": {
        "name": "Procurement Lead",
        "buying_role": BuyingRole.PROCUREMENT,
        "summary": "Runs vendor selection and the contract; weighs risk, terms and total cost.",
        "priorities": lines(
            "Consolidate vendors and standardise contracts",
            "Purchase-order compliance across the business",
            "Lower third-party risk",
            "Predictable multi-year cost",
        ),
        "pain_points": lines(
            "Maverick spend without purchase orders",
            "No single view of supplier onboarding and bank details",
            "A long security questionnaire for every new vendor",
            "Price rises hidden in renewal terms",
        ),
        "decision_criteria": lines(
            "Transparent pricing with volume tiers",
            "A cap on renewal price increases",
            "Completed security questionnaire and data-processing agreement",
            "Reference customers in our industry",
            "Clear exit terms and full data export",
        ),
        "objections": lines(
            "Per-invoice pricing is hard to budget",
            "We need three bids before we can sign",
            "The standard contract terms are not acceptable",
            "The vendor is too small to be a safe bet",
        ),
    },
    "ap-clerk": {
        "name": "AP Clerk",
        "buying_role": BuyingRole.END_USER,
        "summary": "Keys, codes and chases invoices; judges the product by whether the daily "
        "queue gets shorter.",
        "priorities": lines(
            "Clear the invoice queue before each payment run",
            "Fewer errors to fix later",
            "Know who is holding an approval",
            "Less time answering supplier emails",
        ),
        "pain_points": lines(
            "Typing line items from PDFs into the ERP",
            "Chasing approvers by email and chat",
            "Searching shared inboxes for supplier invoices",
            "Fixing coding errors after month-end",
        ),
        "decision_criteria": lines(
            "Accurate line-item capture",
            "A fast screen for coding and exceptions",
            "Search by supplier, PO number or amount",
            "Works inside the tools I already use",
        ),
        "objections": lines(
            "It will get our invoice layouts wrong",
            "More clicks than today's process",
            "Worried that automation replaces my job",
        ),
    },
}

# The demo counts its journey as published this long ago and reviewed since; its journey,
# pipeline, signal rules, scoring settings and sequences are the starter kit's (apps/starter).
JOURNEY_PUBLISHED_DAYS_AGO = 120
JOURNEY_LAST_REVIEWED_DAYS_AGO = 45

# How many of the opportunities end in each pipeline stage (150 in all).
OPPORTUNITY_STAGE_MIX = {
    "Prospecting": 28,
    "Discovery": 26,
    "Demo & evaluation": 24,
    "Business case": 20,
    "Negotiation": 16,
    "Closed won": 20,
    "Closed lost": 16,
}
STALLED_SHARE = 0.2  # of open opportunities, kept in their stage two to three times its limit
MOVE_BACK_SHARE = 0.1  # of deals in Discovery..Business case that were sent back a stage
SKIP_SHARE = 0.2  # of longer histories that skipped a stage
MOVE_BACK_NOTE = "New stakeholder joins; back to evaluation"
WON_NOTE = "Order form signed"
LOSS_REASONS = (
    "Chose a competitor",
    "No budget this year",
    "Stayed with the ERP's own AP module",
    "Project paused after a reorganisation",
    "Security review not passed in time",
)
PRODUCT_LINES = (
    "Invoice capture",
    "AP automation platform",
    "Approval workflows",
    "Supplier portal",
    "Payments automation",
    "ERP integration",
    "Multi-entity AP rollout",
)

ACCOUNT_NAMES = (
    "Alder",
    "Anchor",
    "Apex",
    "Arbor",
    "Ashford",
    "Aurora",
    "Beacon",
    "Birchwood",
    "Blue Harbor",
    "Bluepeak",
    "Brightwater",
    "Cascade",
    "Cedar Point",
    "Clearwater",
    "Cobalt",
    "Copperfield",
    "Crescent",
    "Crestline",
    "Dovetail",
    "Eastgate",
    "Evergreen",
    "Fairhaven",
    "Falcon Ridge",
    "Fernhill",
    "Foxglove",
    "Granite",
    "Greenleaf",
    "Harborview",
    "Highland",
    "Ironbridge",
    "Juniper",
    "Keystone",
    "Lakeshore",
    "Larkspur",
    "Maplewood",
    "Meridian",
    "Millbrook",
    "Northwind",
    "Oakridge",
    "Orchard",
    "Pinecrest",
    "Quarry Hill",
    "Redwood",
    "Riverbend",
    "Rosewood",
    "Sandstone",
    "Silverline",
    "Stonegate",
    "Summit",
    "Tidewater",
    "Timberline",
    "Trailhead",
    "Twin Rivers",
    "Vantage",
    "Westfield",
    "Whitecap",
    "Willowbrook",
    "Windmere",
    "Wrenfield",
    "Zephyr",
)
# name suffix, industry
ACCOUNT_SECTORS = (
    ("Logistics", "Transport & logistics"),
    ("Foods", "Food & beverage"),
    ("Health", "Healthcare"),
    ("Manufacturing", "Manufacturing"),
    ("Retail Group", "Retail"),
    ("Construction", "Construction"),
    ("Energy", "Energy & utilities"),
    ("Hospitality", "Hospitality"),
    ("Distribution", "Wholesale distribution"),
    ("Pharma", "Life sciences"),
    ("Engineering", "Industrial engineering"),
    ("Media", "Media & publishing"),
)
DOMAIN_SUFFIX = ".example"
# region: contact time zones
REGIONS = {
    "North America": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
    ),
    "Europe": ("Europe/London", "Europe/Berlin", "Europe/Paris", "Europe/Amsterdam"),
    "Asia Pacific": ("Asia/Singapore", "Australia/Sydney", "Asia/Tokyo"),
}
REGION_WEIGHTS = (50, 35, 15)
# The country and subdivision of a buyer in each time zone: their public holidays.
ZONE_PLACES = {
    "America/New_York": ("US", "NY"),
    "America/Chicago": ("US", "IL"),
    "America/Denver": ("US", "CO"),
    "America/Los_Angeles": ("US", "CA"),
    "Europe/London": ("GB", "ENG"),
    "Europe/Berlin": ("DE", "BE"),
    "Europe/Paris": ("FR", ""),
    "Europe/Amsterdam": ("NL", ""),
    "Asia/Singapore": ("SG", ""),
    "Australia/Sydney": ("AU", "NSW"),
    "Asia/Tokyo": ("JP", ""),
}

REVENUE_PER_EMPLOYEE_KUSD = (120, 320)
# Ranges are inclusive. `opportunities` repeats over the tier's accounts.
TIERS = (
    {
        "tier": 1,
        "accounts": 10,
        "is_target": True,
        "employees": (3_000, 25_000),
        "fit": (78, 96),
        "committee": (5, 6),
        "opportunities": (4,),
        "deal_size": (120_000, 450_000),
    },
    {
        "tier": 2,
        "accounts": 20,
        "is_target": False,
        "employees": (800, 4_000),
        "fit": (60, 85),
        "committee": (4, 5),
        "opportunities": (3,),
        "deal_size": (40_000, 150_000),
    },
    {
        "tier": 3,
        "accounts": 30,
        "is_target": False,
        "employees": (150, 900),
        "fit": (35, 70),
        "committee": (3, 4),
        "opportunities": (2, 2, 1),
        "deal_size": (12_000, 60_000),
    },
)

# The seats of a buying committee, most often present first: persona key, role, job titles.
# A committee of n contacts fills the first n seats; the first seat always opted in.
COMMITTEE_SEATS = (
    ("ap-manager", BuyingRole.CHAMPION, ("Accounts Payable Manager", "AP Team Lead")),
    ("cfo", BuyingRole.ECONOMIC_BUYER, ("Chief Financial Officer", "VP Finance")),
    ("it-director", BuyingRole.TECHNICAL_EVALUATOR, ("Director of IT", "Head of Finance Systems")),
    ("ap-clerk", BuyingRole.END_USER, ("Accounts Payable Specialist", "AP Clerk")),
    ("procurement-lead", BuyingRole.PROCUREMENT, ("Procurement Lead", "Head of Procurement")),
    ("cfo", BuyingRole.INFLUENCER, ("Financial Controller", "Head of Financial Planning")),
)
CONSENT_WEIGHTS = {"opted_in": 70, "unknown": 20, "opted_out": 10}
FIRST_NAMES = (
    "Aisha", "Ben", "Carla", "Dmitri", "Elena", "Farah", "Gustavo", "Hannah", "Ivan", "Jia",
    "Kofi", "Laura", "Mateo", "Nadia", "Oliver", "Priya", "Quentin", "Rosa", "Sven", "Tara",
    "Umar", "Valeria", "Wei", "Ximena", "Yusuf", "Zoe", "Amelia", "Bruno", "Chloe", "Daniel",
    "Emeka", "Fiona", "Georg", "Helena", "Isaac", "Julia", "Kenji", "Lena", "Marcus", "Noor",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Kowalski", "Lambert", "Moreau", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi",
    "Schmidt", "Tanaka", "Usman", "Varga", "Walsh", "Xu", "Young", "Zimmermann", "Andersen",
    "Brennan", "Chen", "Delgado", "Evans", "Fontaine", "Gupta", "Holm", "Ibrahim", "Kaur",
    "Lindqvist", "Mendes", "Novak", "Ortega",
)  # fmt: skip

# asset type: the URL folder it is published under.
ASSET_FOLDERS = {
    AssetType.BLOG_POST: "blog",
    AssetType.TREND_REPORT: "reports",
    AssetType.WHITEPAPER: "whitepapers",
    AssetType.WEBINAR: "webinars",
    AssetType.CASE_STUDY: "customers",
    AssetType.COMPARISON_GUIDE: "guides",
    AssetType.ROI_CALCULATOR: "tools",
    AssetType.DEMO: "demos",
    AssetType.CUSTOMER_REFERENCE: "references",
    AssetType.PRICING_SHEET: "pricing",
}
# type, journey-stage slug, persona keys, title, summary. Awareness: blogs, trend reports;
# consideration: comparison guides, ROI calculators, demos; decision: case studies,
# customer references, pricing sheets.
ASSETS = (
    (AssetType.BLOG_POST, "problem-recognition", ("ap-manager", "cfo"),
     "What does an invoice really cost to process?",
     "Breaks the cost per invoice into labour, errors, late fees and missed discounts."),
    (AssetType.BLOG_POST, "problem-recognition", ("ap-manager",),
     "Seven signs your AP team has outgrown spreadsheets",
     "A quick self-check for teams matching invoices by hand."),
    (AssetType.BLOG_POST, "awareness", ("cfo",),
     "Why month-end close stalls in accounts payable",
     "Where accruals and unapproved invoices add days to the close."),
    (AssetType.BLOG_POST, "awareness", ("ap-manager", "ap-clerk"),
     "Three-way matching explained for busy finance teams",
     "Purchase order, goods receipt and invoice: how matching works and where it breaks."),
    (AssetType.BLOG_POST, "problem-recognition", ("ap-manager", "ap-clerk"),
     "Duplicate invoices: how they slip through and how to stop them",
     "The usual causes of duplicate payments and the controls that catch them."),
    (AssetType.BLOG_POST, "awareness", ("cfo",),
     "Early-payment discounts: the cash you leave on the table",
     "What a 2/10 net 30 term is worth when approvals take three weeks."),
    (AssetType.BLOG_POST, "awareness", ("ap-clerk", "ap-manager"),
     "A day in the life of an AP clerk, before and after automation",
     "The same invoice queue, keyed by hand and processed touchless."),
    (AssetType.BLOG_POST, "problem-recognition", ("cfo", "procurement-lead"),
     "Supplier fraud and bank-detail changes: a finance checklist",
     "Controls that stop payment fraud without slowing every payment run."),
    (AssetType.BLOG_POST, "problem-recognition", ("ap-manager",),
     "How approval bottlenecks delay payment runs",
     "Why invoices wait for approvers, and three ways to shorten the wait."),
    (AssetType.BLOG_POST, "awareness", ("it-director",),
     "ERP and AP automation: who does what?",
     "What the ERP should own and where an AP layer adds value."),
    (AssetType.BLOG_POST, "awareness", ("procurement-lead", "ap-manager"),
     "Non-PO invoices: taming the long tail of spend",
     "Handling utilities, services and one-off suppliers without purchase orders."),
    (AssetType.BLOG_POST, "awareness", ("cfo", "it-director"),
     "E-invoicing mandates in Europe: what finance needs to know",
     "Which countries require structured e-invoices, and by when."),
    (AssetType.BLOG_POST, "problem-recognition", ("ap-clerk", "ap-manager"),
     "From inbox to ledger: mapping your invoice intake",
     "A worksheet to map every channel invoices arrive through."),
    (AssetType.BLOG_POST, "awareness", ("cfo", "procurement-lead"),
     "The hidden cost of late supplier payments",
     "Late fees, lost discounts and strained supplier relationships, added up."),
    (AssetType.TREND_REPORT, "awareness", ("cfo", "ap-manager"),
     "State of accounts payable: annual benchmark report",
     "Survey of 600 finance teams on volumes, costs and automation rates."),
    (AssetType.TREND_REPORT, "awareness", ("cfo", "it-director"),
     "AP automation adoption in mid-market finance",
     "Who has automated what, and what held the rest back."),
    (AssetType.TREND_REPORT, "problem-recognition", ("cfo", "ap-manager"),
     "Cost per invoice benchmarks by industry",
     "Median and top-quartile processing costs across twelve industries."),
    (AssetType.TREND_REPORT, "awareness", ("cfo",),
     "The CFO agenda: cash visibility and working capital",
     "What finance leaders plan to fix first, from a survey of 300 CFOs."),
    (AssetType.TREND_REPORT, "awareness", ("cfo", "procurement-lead"),
     "Supplier payment trends: virtual cards, ACH and real-time payments",
     "How companies pay suppliers today and what is changing."),
    (AssetType.TREND_REPORT, "problem-recognition", ("ap-manager", "cfo"),
     "Finance talent shortage and the automated AP team",
     "Hiring gaps in accounts payable and how automated teams cope."),
    (AssetType.WHITEPAPER, "problem-recognition", ("cfo", "ap-manager"),
     "The finance leader's guide to touchless invoice processing",
     "What touchless means, realistic rates and how to get there."),
    (AssetType.WHITEPAPER, "awareness", ("it-director", "procurement-lead"),
     "Securing supplier master data",
     "Controls for supplier onboarding and bank-detail changes."),
    (AssetType.WEBINAR, "awareness", ("cfo", "ap-manager"),
     "Webinar: Closing the books in five days",
     "Two controllers on how they took three days out of the close."),
    (AssetType.WEBINAR, "shortlist", ("ap-manager", "ap-clerk", "it-director"),
     "Webinar: Live walkthrough of invoice capture and matching",
     "A live session on capture, coding and matching with Q&A."),
    (AssetType.WEBINAR, "business-case", ("ap-manager", "cfo"),
     "Webinar: Building the AP automation business case",
     "How champions won budget, with the numbers CFOs asked for."),
    (AssetType.COMPARISON_GUIDE, "shortlist", ("ap-manager", "cfo", "procurement-lead"),
     "AP automation buyer's guide: 12 questions to ask vendors",
     "The questions that separate capable platforms from slideware."),
    (AssetType.COMPARISON_GUIDE, "shortlist", ("it-director", "ap-manager"),
     "Template OCR versus machine-learning capture compared",
     "Accuracy, set-up effort and upkeep of the two capture approaches."),
    (AssetType.COMPARISON_GUIDE, "shortlist", ("it-director", "cfo"),
     "AP automation versus ERP add-ons: a side-by-side comparison",
     "Where ERP modules stop and a dedicated AP platform goes further."),
    (AssetType.COMPARISON_GUIDE, "shortlist", ("it-director",),
     "Build or buy? In-house scripts versus an AP platform",
     "Total cost of ownership of home-grown automation over three years."),
    (AssetType.COMPARISON_GUIDE, "shortlist", ("procurement-lead", "ap-manager"),
     "Vendor evaluation scorecard for AP automation",
     "A weighted scorecard to compare shortlisted vendors."),
    (AssetType.COMPARISON_GUIDE, "consideration", ("ap-manager", "ap-clerk"),
     "Approval workflow tools compared for finance teams",
     "Email, mobile and ERP approvals compared on speed and control."),
    (AssetType.COMPARISON_GUIDE, "consideration", ("procurement-lead",),
     "Supplier portal options: a comparison for procurement",
     "Self-service portals compared on onboarding, status and bank-detail checks."),
    (AssetType.ROI_CALCULATOR, "business-case", ("cfo", "ap-manager"),
     "AP automation ROI calculator",
     "Payback and three-year return from your own volumes and costs."),
    (AssetType.ROI_CALCULATOR, "business-case", ("ap-manager",),
     "Cost-per-invoice savings calculator",
     "Savings per invoice at your volume and touchless rate."),
    (AssetType.ROI_CALCULATOR, "business-case", ("cfo",),
     "Early-payment discount capture calculator",
     "Discounts you could take if approvals finished within terms."),
    (AssetType.ROI_CALCULATOR, "business-case", ("ap-manager", "cfo"),
     "Capacity planner for AP teams",
     "Invoices per person today and after automation."),
    (AssetType.DEMO, "shortlist", ("ap-manager", "ap-clerk"),
     "Product demo: invoice capture to ERP posting in three minutes",
     "An invoice from inbox to posted, recorded end to end."),
    (AssetType.DEMO, "shortlist", ("ap-manager", "cfo"),
     "Product demo: approval workflow on mobile",
     "Approvers review, query and approve from their phone."),
    (AssetType.DEMO, "shortlist", ("it-director",),
     "Product demo: ERP integration and sync",
     "Connector set-up, master-data sync and posting rules."),
    (AssetType.DEMO, "shortlist", ("ap-clerk",),
     "Product demo: exception queue for AP clerks",
     "How mismatches and missing POs are resolved in one queue."),
    (AssetType.DEMO, "consideration", ("procurement-lead", "ap-manager"),
     "Product demo: supplier self-service portal",
     "Suppliers check payment status and update details themselves."),
    (AssetType.DEMO, "business-case", ("cfo",),
     "Interactive tour: AP dashboard and cash forecast",
     "Click through AP liability, ageing and the cash forecast."),
    (AssetType.CASE_STUDY, "decision", ("ap-manager", "cfo"),
     "How Halden Freight cut invoice cycle time from 14 days to 3",
     "A freight forwarder moved 9,000 invoices a month to touchless processing."),
    (AssetType.CASE_STUDY, "decision", ("ap-manager", "ap-clerk"),
     "Brookvale Foods: 82% touchless invoices in six months",
     "A food manufacturer's rollout across four plants."),
    (AssetType.CASE_STUDY, "decision", ("cfo",),
     "Marlow Health closes the books four days faster",
     "How automated accruals shortened a hospital group's close."),
    (AssetType.CASE_STUDY, "validation-procurement", ("ap-manager", "procurement-lead"),
     "Tenby Manufacturing: three-way matching without spreadsheets",
     "PO matching at line level for 1,200 suppliers."),
    (AssetType.CASE_STUDY, "decision", ("cfo", "ap-manager"),
     "Castell Retail scales AP through peak season without new hires",
     "Peak invoice volumes doubled; the AP team did not."),
    (AssetType.CASE_STUDY, "validation-procurement", ("it-director",),
     "Ostrava Engineering integrates AP with its ERP in six weeks",
     "The integration plan, the team and the timeline."),
    (AssetType.CASE_STUDY, "decision", ("cfo",),
     "Kessler Energy captures $1.2M in early-payment discounts",
     "Faster approvals turned payment terms into savings."),
    (AssetType.CASE_STUDY, "decision", ("ap-manager", "cfo"),
     "Norland Hospitality: one AP process across 40 hotels",
     "Central AP for a hotel group with local approvers."),
    (AssetType.CASE_STUDY, "validation-procurement", ("cfo", "it-director"),
     "Varden Pharma passes audit with zero AP findings",
     "Audit trail and controls that satisfied a regulated business."),
    (AssetType.CASE_STUDY, "decision", ("ap-manager", "procurement-lead"),
     "Ridgeway Distribution stops duplicate payments",
     "Duplicate detection recovered six figures in the first year."),
    (AssetType.CUSTOMER_REFERENCE, "validation-procurement", ("cfo",),
     "Reference call: CFO at a 5,000-person logistics company",
     "A finance leader two years after rollout, on payback and adoption."),
    (AssetType.CUSTOMER_REFERENCE, "validation-procurement", ("it-director",),
     "Reference call: IT lead on the ERP integration",
     "An IT director on security review, connector and upkeep."),
    (AssetType.CUSTOMER_REFERENCE, "validation-procurement", ("ap-manager",),
     "Reference call: AP manager after a 90-day rollout",
     "What the team changed, and what they would do differently."),
    (AssetType.CUSTOMER_REFERENCE, "validation-procurement", ("procurement-lead",),
     "Reference call: procurement on contract and onboarding",
     "A procurement lead on terms, onboarding and vendor management."),
    (AssetType.CUSTOMER_REFERENCE, "decision", ("cfo", "ap-manager"),
     "Peer reviews: AP automation customers in healthcare",
     "Verified reviews from finance teams at hospital and clinic groups."),
    (AssetType.PRICING_SHEET, "decision", ("cfo", "procurement-lead"),
     "Pricing overview: Essentials, Growth and Enterprise plans",
     "What each plan includes, with invoice volume bands."),
    (AssetType.PRICING_SHEET, "validation-procurement", ("procurement-lead", "cfo"),
     "Enterprise pricing and volume tiers",
     "Per-invoice rates by volume band, with the renewal cap."),
    (AssetType.PRICING_SHEET, "validation-procurement", ("procurement-lead", "it-director"),
     "Implementation services price list",
     "Fixed-fee onboarding packages and optional services."),
    (AssetType.PRICING_SHEET, "validation-procurement", ("procurement-lead", "cfo"),
     "Multi-year agreement options",
     "Two- and three-year terms with price protection."),
    (AssetType.PRICING_SHEET, "validation-procurement", ("procurement-lead",),
     "Pricing FAQ for procurement teams",
     "Answers to the questions procurement asks in every deal."),
)  # fmt: skip
DRAFT_ASSETS = (
    "Finance talent shortage and the automated AP team",
    "Supplier portal options: a comparison for procurement",
    "Capacity planner for AP teams",
    "Multi-year agreement options",
)
RETIRED_ASSETS = ("ERP and AP automation: who does what?",)

# Each campaign takes up to `max_assets` published assets of `asset_types` from its goal's phase.
# A share (in fifths, by the second it happened: no random draw, so the rest of the world stays
# as it was) of the content events on a running campaign's asset types that arrive through the
# campaign's links, carrying its UTM code and channel: attribution's campaigns and channels.
CAMPAIGN_LINK_FIFTHS = 3

CAMPAIGNS = (
    {
        "name": "AP cost benchmark launch",
        "utm_code": "ap-cost-benchmark-launch",
        "goal_stage": "problem-recognition",
        "objective": "Put the cost-per-invoice benchmark in front of finance leaders at tier-1 "
        "and tier-2 accounts.",
        "kpi": Kpi.REACH,
        "kpi_target": 15_000,
        "kpi_baseline": 9_000,
        "channel": Channel.CONTENT_SYNDICATION,
        "starts_in_days": -45,
        "ends_in_days": 45,
        "budget": 30_000,
        "spent_share": 0.55,
        "status": "live",
        "asset_types": (AssetType.TREND_REPORT, AssetType.BLOG_POST, AssetType.WHITEPAPER),
    },
    {
        "name": "Close faster webinar series",
        "utm_code": "close-faster-webinar-series",
        "goal_stage": "awareness",
        "objective": "Engage CFOs and AP managers with practical sessions on a faster close.",
        "kpi": Kpi.ENGAGEMENT_RATE,
        "kpi_target": "22.50",
        "kpi_baseline": "15.00",
        "channel": Channel.WEBINAR,
        "starts_in_days": -20,
        "ends_in_days": 70,
        "budget": 18_000,
        "spent_share": 0.3,
        "status": "live",
        "asset_types": (AssetType.WEBINAR, AssetType.BLOG_POST, AssetType.TREND_REPORT),
    },
    {
        "name": "Shortlist accelerator",
        "utm_code": "shortlist-accelerator",
        "goal_stage": "shortlist",
        "objective": "Get evaluating accounts to compare us side by side and book a demo.",
        "kpi": Kpi.PIPELINE_INFLUENCE,
        "kpi_target": 2_500_000,
        "kpi_baseline": 1_200_000,
        "channel": Channel.EMAIL,
        "starts_in_days": -30,
        "ends_in_days": 60,
        "budget": 22_000,
        "spent_share": 0.4,
        "status": "live",
        "asset_types": (AssetType.COMPARISON_GUIDE, AssetType.DEMO, AssetType.WEBINAR),
    },
    {
        "name": "CFO business case roadshow",
        "utm_code": "cfo-business-case-roadshow",
        "goal_stage": "business-case",
        "objective": "Help champions win budget: ROI workshops with CFOs in five cities.",
        "kpi": Kpi.PIPELINE_INFLUENCE,
        "kpi_target": 1_800_000,
        "kpi_baseline": None,
        "channel": Channel.EVENT,
        "starts_in_days": 14,
        "ends_in_days": 45,
        "budget": 45_000,
        "spent_share": 0,
        "status": "planned",
        "asset_types": (AssetType.ROI_CALCULATOR, AssetType.DEMO),
    },
    {
        "name": "Reference-led close",
        "utm_code": "reference-led-close",
        "goal_stage": "validation-procurement",
        "objective": "Offer every deal in negotiation a peer reference and a case study.",
        "kpi": Kpi.CONVERSION_RATE,
        "kpi_target": "35.00",
        "kpi_baseline": "24.00",
        "channel": Channel.SALES_OUTREACH,
        "starts_in_days": -10,
        "ends_in_days": 80,
        "budget": 12_000,
        "spent_share": 0.15,
        "status": "live",
        "asset_types": (
            AssetType.CUSTOMER_REFERENCE,
            AssetType.CASE_STUDY,
            AssetType.PRICING_SHEET,
        ),
    },
    {
        "name": "Fast track to signature",
        "utm_code": "fast-track-to-signature",
        "goal_stage": "decision",
        "objective": "Shorten the last mile with a direct-mail pack for decision makers.",
        "kpi": Kpi.DEAL_VELOCITY,
        "kpi_target": 45,
        "kpi_baseline": 68,
        "channel": Channel.DIRECT_MAIL,
        "starts_in_days": -120,
        "ends_in_days": -30,
        "budget": 15_000,
        "spent_share": 0.95,
        "status": "completed",
        "asset_types": (AssetType.CASE_STUDY, AssetType.PRICING_SHEET),
    },
)
CAMPAIGN_MAX_ASSETS = 4

# Engagement: a year of history (`apps.demo.history`), each account's buyers following its
# hidden buying states; the accounts of stalled deals went quiet this many days beyond their
# stage's activity limit.
HISTORY_WEEKS = 52
STALLED_QUIET_EXTRA_DAYS = 5
# A calibration the demo's history supports with a time split (`demo_calibration_history`):
# buyers scored on this many days spread from `start` to `end` days before today, each asked
# whether their account opened a deal within `horizon` days; the later third checks the fit.
CALIBRATION = {"start": 270, "end": 60, "horizon": 60, "cutoffs": 8}
# Site visits matched to the account by domain only (intent surges are about the account).
ANONYMOUS_KINDS = (EventKind.PAGE_VIEW, EventKind.PRODUCT_PAGE_VIEW, EventKind.PRICING_PAGE_VIEW)
ANONYMOUS_SHARE = 0.3
EVENT_SOURCES = {
    EventKind.PAGE_VIEW: EventSource.WEB,
    EventKind.PRODUCT_PAGE_VIEW: EventSource.WEB,
    EventKind.PRICING_PAGE_VIEW: EventSource.WEB,
    EventKind.CONTENT_DOWNLOAD: EventSource.WEB,
    EventKind.WEBINAR_ATTENDED: EventSource.WEB,
    EventKind.DEMO_REQUEST: EventSource.WEB,
    EventKind.FORM_SUBMIT: EventSource.WEB,
    EventKind.EMAIL_OPEN: EventSource.EMAIL,
    EventKind.EMAIL_CLICK: EventSource.EMAIL,
    EventKind.INTENT_SURGE: EventSource.INTENT,
    EventKind.MEETING: EventSource.CRM,
    EventKind.CRM_ACTIVITY: EventSource.CRM,
    EventKind.EMAIL_SENT: EventSource.EMAIL,
    EventKind.CALL: EventSource.CRM,
    EventKind.ASSET_SHARED: EventSource.WAYMARK,
}
# Site pages for signals that are not about one asset.
EVENT_PATHS = {
    EventKind.PRODUCT_PAGE_VIEW: (
        "/product/invoice-capture",
        "/product/approval-workflows",
        "/product/erp-integrations",
        "/product/supplier-portal",
        "/product/payments",
    ),
    EventKind.PRICING_PAGE_VIEW: ("/pricing", "/pricing/enterprise"),
    EventKind.DEMO_REQUEST: ("/demo",),
    EventKind.FORM_SUBMIT: ("/contact", "/resources/benchmark", "/newsletter"),
}
# Signals about one asset: of a given type, or any published asset of the account's phase.
EVENT_ASSET_TYPES = {
    EventKind.PAGE_VIEW: AssetType.BLOG_POST,
    EventKind.WEBINAR_ATTENDED: AssetType.WEBINAR,
}
EVENT_PHASE_ASSET_KINDS = (
    EventKind.CONTENT_DOWNLOAD,
    EventKind.EMAIL_CLICK,
    EventKind.ASSET_SHARED,
)
INTENT_TOPICS = (
    "accounts payable automation",
    "invoice processing software",
    "three-way matching",
    "e-invoicing compliance",
    "supplier payments",
)
MEETING_TOPICS = ("Discovery call", "Demo", "ROI review", "Security review", "Contract review")
CALL_OUTCOMES = ("connected", "connected", "voicemail", "no_answer")
