"""Nurture in the demo world: the starter kit's sequences go live with a few more steps and role
variants, the company's days off are added (for everyone, one for the German office only), and
the stall sweep marks the demo's stalled deals, alerts their owners and enrols their committees,
as it would every hour.
Each rep then finds follow-up tasks on their stalled deals in "My tasks"."""

from datetime import date, datetime, timedelta

from apps.content.models import Asset
from apps.core.services import model_create
from apps.journeys.models import JourneyStage
from apps.nurture.emails import merge_values
from apps.nurture.merge_fields import MergeTemplate
from apps.nurture.models import Enrollment, Holiday, Sequence, Step, TaskAction, Touch
from apps.nurture.services import sequence_create, sequence_update, stall_sweep, step_create
from apps.personas.models import BuyingRole

# Steps: kind, business days and hours after the previous step, task action, subject, body,
# asset title.
ROLE_VARIANTS = (
    {
        "name": "Decision nurture for economic buyers: the numbers that sign",
        "journey_stage": "decision",
        "buying_role": BuyingRole.ECONOMIC_BUYER,
        "steps": (
            ("email", 0, 0, "", "{{ contact.first_name }}, the payback of {{ opportunity.name }}",
             "Hello {{ contact.first_name }},\n\nBefore the decision, here is the payback model "
             "with {{ account.name }}'s own volumes: {{ asset.url }}\n\n{{ owner.full_name }}",
             "AP automation ROI calculator"),
            ("task", 2, 0, TaskAction.CALL, "Call {{ contact.first_name }} about budget timing",
             "Ask which budget cycle the purchase falls in and who else signs.", None),
            ("wait", 3, 0, "", "", "", None),
            ("email", 0, 4, "", "What another CFO asked before signing",
             "Hello {{ contact.first_name }},\n\nA CFO who went through the same decision is "
             "happy to talk: {{ asset.url }}",
             "Reference call: CFO at a 5,000-person logistics company"),
        ),
    },
    {
        "name": "Shortlist nurture for technical evaluators: integration first",
        "journey_stage": "shortlist",
        "buying_role": BuyingRole.TECHNICAL_EVALUATOR,
        "steps": (
            ("email", 0, 0, "", "How the ERP sync works, in three minutes",
             "Hello {{ contact.first_name }},\n\nThe question evaluators ask first: how does it "
             "talk to the ERP? {{ asset.url }}",
             "Product demo: ERP integration and sync"),
            ("task", 3, 0, TaskAction.CUSTOMER_PROOF, "Send {{ contact.first_name }} the ERP story",
             "Share the Ostrava case study and offer the IT lead reference call.",
             "Ostrava Engineering integrates AP with its ERP in six weeks"),
            ("task", 2, 0, TaskAction.LINKEDIN, "Connect with {{ contact.first_name }} on LinkedIn",
             "A short note about the integration questions from the demo.", None),
            ("email", 2, 0, "", "Securing supplier master data",
             "Hello {{ contact.first_name }},\n\nOur security notes for your review: "
             "{{ asset.url }}",
             "Securing supplier master data"),
        ),
    },
    {
        "name": "Procurement nurture: the paperwork, ready",
        "journey_stage": "validation-procurement",
        "buying_role": BuyingRole.PROCUREMENT,
        "steps": (
            ("email", 0, 0, "", "Pricing questions procurement asks us",
             "Hello {{ contact.first_name }},\n\nThe answers procurement teams usually need: "
             "{{ asset.url }}",
             "Pricing FAQ for procurement teams"),
            ("task", 2, 0, TaskAction.CALL, "Walk {{ contact.first_name }} through the order form",
             "Agree the contract owner and the onboarding date.", None),
            ("email", 3, 0, "", "Onboarding, step by step",
             "Hello {{ contact.first_name }},\n\nHear how procurement ran contract and "
             "onboarding at another customer: {{ asset.url }}",
             "Reference call: procurement on contract and onboarding"),
        ),
    },
)  # fmt: skip
# Added to the starter kit's generic sequence of each stage: an email with one of the demo's
# assets, then a rep follow-up, so stalled deals get content and reach a task list.
GENERIC_ASSET_EMAILS = {
    "awareness": (
        "email", 2, 0, "", "What does an invoice really cost?",
        "Hello {{ contact.first_name }},\n\nThe benchmark finance teams compare themselves "
        "with: {{ asset.url }}",
        "Cost per invoice benchmarks by industry",
    ),
    "consideration": (
        "email", 2, 0, "", "What would automation save your AP team?",
        "Hello {{ contact.first_name }},\n\nPut your own volumes into the calculator and see "
        "the payback: {{ asset.url }}",
        "AP automation ROI calculator",
    ),
    "decision": (
        "email", 2, 0, "", "From 14 days to 3: a rollout like yours",
        "Hello {{ contact.first_name }},\n\nHow a freight forwarder moved to touchless "
        "invoices: {{ asset.url }}",
        "How Halden Freight cut invoice cycle time from 14 days to 3",
    ),
}  # fmt: skip
FOLLOW_UP = (
    "task", 1, 0, TaskAction.CALL, "Check in with {{ contact.first_name }}",
    "Ask what changed since the last conversation and whether the timeline still holds.", None,
)  # fmt: skip
# The company's own days off (public holidays come from each buyer's country): month, day, name,
# and the country they are for ("" for every buyer).
HOLIDAYS = (
    (12, 24, "Christmas Eve: offices closed", ""),
    (12, 31, "New Year's Eve: offices closed", ""),
    (6, 21, "Summer party: German office closed", "DE"),
)


def seed_nurture(*, journey_stages: dict[str, JourneyStage], now: datetime) -> None:
    assets = {asset.title: asset for asset in Asset.objects.all()}
    generic = Sequence.objects.filter(buying_role="", persona=None).select_related("journey_stage")
    for sequence in generic:
        if email := GENERIC_ASSET_EMAILS.get(sequence.journey_stage.slug):
            _add_step(sequence, email, assets)
        _add_step(sequence, FOLLOW_UP, assets)
        sequence_update(sequence=sequence, data={"is_active": True})
    for spec in ROLE_VARIANTS:
        sequence = sequence_create(
            data={
                "name": spec["name"],
                "journey_stage": journey_stages[spec["journey_stage"]],
                "buying_role": spec["buying_role"],
            }
        )
        for step in spec["steps"]:
            _add_step(sequence, step, assets)
        sequence_update(sequence=sequence, data={"is_active": True})
    for year in (now.year, now.year + 1):
        for month, day, name, country in HOLIDAYS:
            model_create(
                model=Holiday,
                data={"date": date(year, month, day), "name": name, "country": country},
            )
    stall_sweep(now=now)
    seed_rep_tasks(now=now)


# Open follow-ups each rep finds on their task list, on their stalled deals' committees.
TASKS_PER_REP = 3


def seed_rep_tasks(*, now: datetime) -> None:
    """Give each owner of a stalled deal a few open tasks, as the dispatcher puts a sequence's
    rep task on the owner's list: one per enrolled person, from the first task step of their
    sequence, due over the last days."""
    enrolments = (
        Enrollment.objects.filter(status=Enrollment.Status.ACTIVE, opportunity__isnull=False)
        .select_related("contact__account", "opportunity__owner")
        .order_by("opportunity__owner_id", "opportunity_id", "contact_id")
    )
    first_task = {}
    for step in Step.objects.filter(kind=Step.Kind.TASK).order_by("sequence_id", "position"):
        first_task.setdefault(step.sequence_id, step)
    given: dict[int, int] = {}
    for enrolment in enrolments:
        owner, step = enrolment.opportunity.owner, first_task.get(enrolment.sequence_id)
        if step is None or given.get(owner.pk, 0) >= TASKS_PER_REP:
            continue
        given[owner.pk] = given.get(owner.pk, 0) + 1
        values = merge_values(
            contact=enrolment.contact, opportunity=enrolment.opportunity, owner=owner, asset=None
        )
        model_create(
            model=Touch,
            data={
                "enrollment": enrolment,
                "step": step,
                "kind": Step.Kind.TASK,
                "subject": MergeTemplate.compile(step.subject).render(values),
                "sent_at": now - timedelta(days=given[owner.pk]),
                "assignee": owner,
            },
        )


def _add_step(sequence: Sequence, spec: tuple, assets: dict[str, Asset]) -> None:
    kind, days, hours, action, subject, body, asset_title = spec
    step_create(
        data={
            "sequence": sequence,
            "kind": kind,
            "delay_days": days,
            "delay_hours": hours,
            "task_action": action,
            "subject": subject,
            "body": body,
            "asset": assets[asset_title] if asset_title else None,
        }
    )
