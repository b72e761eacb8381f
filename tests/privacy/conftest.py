"""One person with a footprint in every part of Waymark, and a colleague at the same account."""

from dataclasses import dataclass

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType

from apps.accounts.models import Account, Contact
from apps.engagement.models import EventKind
from apps.imports.models import RecordKind
from apps.nurture.models import Enrollment
from apps.personas.models import BuyingRole
from apps.pipeline.models import Opportunity
from tests.api.conftest import users  # noqa: F401
from tests.engagement.conftest import NOW, days_ago, recompute, scoring, stages  # noqa: F401
from tests.factories import (
    AccountFactory,
    AssetShareFactory,
    ContactFactory,
    DealObjectionFactory,
    EnablementRequestFactory,
    EnrollmentFactory,
    EventFactory,
    HandoffFactory,
    ImportChangeFactory,
    ImportRowErrorFactory,
    MailEventFactory,
    NotificationFactory,
    OpportunityFactory,
    SignalRuleFactory,
    SuppressedAddressFactory,
    TouchFactory,
    UserFactory,
)

# Something only this person's data contains: in their event properties and email subjects.
MARKER = "ZX-PRIVATE-7781"
EMAIL = "zebulon.quackenbush@northwind.example"
FIRST, LAST = "Zebulon", "Quackenbush"
TITLE = "Chief Zymurgist"
IP = "203.0.113.77"
NEEDLES = (EMAIL, FIRST, LAST, MARKER, TITLE, IP)


@dataclass
class Footprint:
    account: Account
    person: Contact
    colleague: Contact
    deal: Opportunity
    enrollment: Enrollment


@pytest.fixture
def footprint(stages, scoring) -> Footprint:  # noqa: F811
    # A rule that reads a property: erasure keeps that one, so scores do not move.
    SignalRuleFactory(
        kind=EventKind.DEMO_REQUEST,
        journey_stage=stages.awareness,
        weight=5,
        half_life_days=30,
        property_name="plan",
        property_value="enterprise",
    )
    account = AccountFactory(name="Northwind", domain="northwind.example")
    person = ContactFactory(
        account=account,
        first_name=FIRST,
        last_name=LAST,
        email=EMAIL,
        title=TITLE,
        buying_role=BuyingRole.CHAMPION,
        external_source="hubspot",
        external_id="hs-4711",
    )
    colleague = ContactFactory(
        account=account,
        first_name="Olga",
        last_name="Other",
        buying_role=BuyingRole.TECHNICAL_EVALUATOR,
    )
    for n, contact in enumerate((person, colleague, person)):
        EventFactory(
            account=account,
            contact=contact,
            kind=EventKind.DEMO_REQUEST,
            occurred_at=days_ago(n + 1),
            url=f"https://northwind.example/pricing?email={contact.email}&ref={MARKER}#top"
            if contact == person
            else "https://northwind.example/pricing",
            properties={"note": MARKER, "ip": IP, "user_agent": "Firefox", "plan": "enterprise"}
            if contact == person
            else {"note": "colleague's", "plan": "enterprise"},
        )
    # An anonymous visit of the account that still carries their address.
    EventFactory(
        account=account,
        contact=None,
        kind=EventKind.PAGE_VIEW,
        occurred_at=days_ago(2),
        properties={"form_email": EMAIL},
    )
    deal = OpportunityFactory(account=account, name="Northwind rollout")
    enrollment = EnrollmentFactory(
        contact=person, opportunity=deal, failure=f"Refused recipient {EMAIL}"
    )
    touch = TouchFactory(enrollment=enrollment, subject=f"Hi {FIRST}, {MARKER} inside")
    # What the mail provider reported: a hard bounce, which suppressed the address.
    MailEventFactory(touch=touch, email=EMAIL, kind="bounced", bounce_type="hard")
    SuppressedAddressFactory(email=EMAIL, touch=touch)
    TouchFactory(enrollment=EnrollmentFactory(contact=colleague), subject="Hi Olga")
    HandoffFactory(contact=person, reason=f"{FIRST} asked for pricing")
    AssetShareFactory(contact=person, opportunity=deal, note=f"Sent to {FIRST} {LAST}")
    DealObjectionFactory(opportunity=deal, text=f"{LAST} worries about the price")
    EnablementRequestFactory(opportunity=deal, need=f"A case study {FIRST} can forward")
    NotificationFactory(text=f"Step 1 could not be sent to {FIRST} {LAST}.")
    ImportChangeFactory(
        record_kind=RecordKind.CONTACTS,
        record_id=person.pk,
        previous={"email": EMAIL, "first_name": FIRST, "title": TITLE},
    )
    ImportRowErrorFactory(column="email", value=EMAIL, message=f"{EMAIL} is taken")
    LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(Contact),
        object_id=str(person.pk),
        object_repr=str(person),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Job title"]}}]',
    )
    return Footprint(
        account=account, person=person, colleague=colleague, deal=deal, enrollment=enrollment
    )
