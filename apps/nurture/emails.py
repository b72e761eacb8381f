"""What nurture emails say and how they leave: merge values, unsubscribe links, messages.

Every sequence email carries a signed one-click unsubscribe link, in its text and in the
`List-Unsubscribe` / `List-Unsubscribe-Post` headers (RFC 8058), and a Message-ID made from the
enrolment and the step, so a receiver can tell a resend from a new message.
"""

from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import Contact
from apps.content.files import asset_file_share_path
from apps.content.models import Asset
from apps.nurture.merge_fields import MergeTemplate
from apps.pipeline.models import Opportunity, OpportunityStall
from apps.users.models import User

UNSUBSCRIBE_SALT = "nurture.unsubscribe"


def merge_values(
    *,
    contact: Contact,
    opportunity: Opportunity | None,
    owner: User | None,
    asset: Asset | None,
) -> dict[str, str]:
    """The values behind every merge field for one contact (apps/nurture/merge_fields.py)."""
    return {
        "contact.first_name": contact.first_name,
        "contact.last_name": contact.last_name,
        "contact.title": contact.title,
        "account.name": contact.account.name,
        "opportunity.name": opportunity.name if opportunity else "",
        "owner.first_name": owner.first_name if owner else "",
        "owner.full_name": owner.get_full_name() if owner else "",
        "asset.title": asset.title if asset else "",
        "asset.url": asset_link(asset) if asset else "",
    }


def asset_link(asset: Asset) -> str:
    if asset.url:
        return asset.url
    return absolute_url(asset_file_share_path(asset)) if asset.file else ""


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, contact_id: int) -> str:
    return _signer().sign(str(contact_id))


def unsubscribe_contact_id(token: str) -> int | None:
    """The contact a link was signed for; None for a tampered or malformed link."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    return int(value) if value.isdigit() else None


def unsubscribe_url(*, contact_id: int) -> str:
    return _unsubscribe_url_template().replace(_TOKEN, unsubscribe_token(contact_id=contact_id))


_TOKEN = "__token__"


@cache
def _unsubscribe_url_template() -> str:
    """Reversed once: the dispatcher builds thousands of these links a second."""
    return absolute_url(reverse("nurture:unsubscribe", args=[_TOKEN]))


@cache
def _message_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "waymark.local"


def sequence_email(
    *,
    enrollment_id: int,
    step_id: int,
    contact: Contact,
    subject: str,
    body: MergeTemplate,
    values: dict[str, str],
    reply_to: str = "",
) -> EmailMessage:
    """One step's email to one contact, with its unsubscribe link and headers."""
    link = unsubscribe_url(contact_id=contact.pk)
    text = (
        f"{body.render(values)}\n\n--\n"
        f"You receive this because of your conversations with us. Unsubscribe: {link}\n"
    )
    return EmailMessage(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[contact.email],
        reply_to=[reply_to] if reply_to else None,
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": f"<nurture.{enrollment_id}.{step_id}@{_message_domain()}>",
        },
    )


def sequence_mail_connection() -> BaseEmailBackend:
    """The sender for sequence emails: `NURTURE_EMAIL_URL` when set, else Django's default."""
    config = settings.NURTURE_EMAIL_CONFIG
    if not config:
        return get_connection()
    return get_connection(
        backend=config["EMAIL_BACKEND"],
        host=config.get("EMAIL_HOST"),
        port=config.get("EMAIL_PORT"),
        username=config.get("EMAIL_HOST_USER"),
        password=config.get("EMAIL_HOST_PASSWORD"),
        use_tls=config.get("EMAIL_USE_TLS"),
        use_ssl=config.get("EMAIL_USE_SSL"),
    )


def stall_alert_email(*, owner: User, stalls: list[OpportunityStall]) -> EmailMessage:
    """One email telling an owner which of their deals stalled since the last alert."""
    context = {
        "owner": owner,
        "stalls": [
            (
                stall,
                absolute_url(reverse("web:opportunity_detail", args=[stall.opportunity_id])),
            )
            for stall in stalls
        ],
        "board_url": absolute_url(reverse("nurture:stalled_board")),
    }
    count = len(stalls)
    subject = (
        f"{stalls[0].opportunity} has stalled"
        if count == 1
        else f"{count} of your deals have stalled"
    )
    return EmailMessage(
        subject=subject,
        body=render_to_string("emails/stall_alert.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[owner.email],
    )
