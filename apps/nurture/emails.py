"""What nurture emails say and how they leave: merge values, unsubscribe links, messages.

Every sequence email carries a signed one-click unsubscribe link, in its text and in the
`List-Unsubscribe` / `List-Unsubscribe-Post` headers (RFC 8058), and a Message-ID made from the
enrolment and the step, so a receiver can tell a resend from a new message.

The dispatcher sends thousands a second, so a plain sequence email writes its MIME form itself
(`SequenceEmail`): about ten times cheaper than the email package's build and flatten, which
still makes anything out of the ordinary.
"""

import re
from email.message import Message
from email.utils import formatdate
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
    return SequenceEmail(
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


# A header value written as it is: printable ASCII on one line, within RFC 5322's 998 octets.
_PLAIN_HEADER = re.compile(r"[ -~]{0,900}")
# Header lines are folded to RFC 5322's 78 characters where they have a space to fold at.
_FOLD_AT = 78
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LONGEST_LINE = 998


class SequenceEmail(EmailMessage):
    """An email whose MIME form is written directly when nothing in it needs encoding.

    Plain means: a text/plain UTF-8 body with no line over 998 octets, no attachments or copies,
    every header printable ASCII on one line. The message is then Django's own `message()`
    (same headers in the same order, same values, same body, 7bit or 8bit, line ends the
    sender's; a header over 78 characters folded at its spaces) at a tenth of the cost. Anything
    else (a non-ASCII subject or address, a header with a line break, which Django refuses) goes
    through `EmailMessage.message()`.
    """

    def message(self):
        return _flat_message(self) or super().message()


def _flat_message(email: EmailMessage) -> "Message | None":
    if (
        email.encoding
        or settings.DEFAULT_CHARSET.lower() != "utf-8"
        or email.content_subtype != "plain"
        or email.attachments
        or email.cc
    ):
        return None
    extra = email.extra_headers
    named = {name.lower() for name in extra}
    headers = [
        ("Subject", email.subject),
        ("From", extra.get("From", email.from_email)),
    ]
    for name, values in (("To", email.to), ("Reply-To", email.reply_to)):
        if values:
            headers.append((name, extra.get(name, ", ".join(str(v) for v in values))))
    if "date" not in named:
        headers.append(("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)))
    if "message-id" not in named:
        return None  # Django makes one
    headers += [(k, v) for k, v in extra.items() if k.lower() not in {"from", "to", "reply-to"}]
    if not all(_PLAIN_HEADER.fullmatch(str(value)) for _, value in headers):
        return None
    lines = _NEWLINE.split(email.body)
    encoded = [line.encode() for line in lines]
    if any(len(line) > _LONGEST_LINE for line in encoded):
        return None  # Django switches to quoted-printable
    body_8bit = any(len(line) != len(text) for line, text in zip(encoded, lines, strict=True))
    headers[:0] = [
        ("Content-Type", 'text/plain; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "8bit" if body_8bit else "7bit"),
    ]
    return _FlatMessage(headers, "\n".join(lines))


def _folded(name: str, value: str) -> str:
    """`Name: value`, folded at spaces into lines of 78 characters where it can be (RFC 5322):
    unfolding gives the line back as it was."""
    lines = [f"{name}:"]
    for word in value.split(" "):
        if len(lines[-1]) + 1 + len(word) <= _FOLD_AT:
            lines[-1] += " " + word
        else:
            lines.append(" " + word)
    return "\n".join(lines)


class _FlatMessage(Message):
    """A message written out once: its headers can be read, `as_bytes` gives the text as is."""

    def __init__(self, headers: list[tuple[str, str]], body: str):
        super().__init__()
        for name, value in headers:
            self[name] = value
        self.set_payload(body)
        written = "\n".join(_folded(name, value) for name, value in headers)
        self._text = f"{written}\n\n{body}"

    def as_string(self, unixfrom=False, linesep="\n", **kwargs) -> str:
        return self._text if linesep == "\n" else self._text.replace("\n", linesep)

    def as_bytes(self, unixfrom=False, linesep="\n", **kwargs) -> bytes:
        return self.as_string(linesep=linesep).encode()

    __str__ = as_string
    __bytes__ = as_bytes


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
