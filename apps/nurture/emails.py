"""What nurture emails say and how they leave: merge values, unsubscribe links, messages.

Every sequence email carries a signed one-click unsubscribe link, in its text and in the
`List-Unsubscribe` / `List-Unsubscribe-Post` headers (RFC 8058), and a Message-ID made from the
enrolment and the step, so a receiver can tell a resend from a new message.

An email of a sequence that tracks opens or clicks (and to a contact who has not declined
tracking) also has an HTML part made from its text: the same words, every web address in it a
link through the signed click redirect, and the open pixel at the end (apps/nurture/tracking.py).
The text part and the unsubscribe link are never rewritten.

The dispatcher sends thousands a second, so a plain sequence email writes its MIME form itself
(`SequenceEmail`): about ten times cheaper than the email package's build and flatten, which
still makes anything out of the ordinary.
"""

import html
import re
import secrets
from collections.abc import Iterator
from email.message import Message
from email.utils import formatdate
from functools import cache, lru_cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import Contact
from apps.content.files import asset_file_share_path
from apps.content.models import Asset
from apps.nurture import tracking
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
    return _signer_for(settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


@lru_cache(maxsize=4)
def _signer_for(key: str, fallbacks: tuple[str, ...]) -> signing.Signer:
    """Built once per key: the dispatcher signs thousands of links a second."""
    return signing.Signer(key=key, fallback_keys=fallbacks, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(
    *, contact_id: int, enrollment_id: int | None = None, step_id: int | None = None
) -> str:
    """The contact's unsubscribe link; with the email's enrolment and step, the email it came in
    (so the touch records the unsubscribe). Links signed for the contact alone still work."""
    email = f".{enrollment_id}.{step_id}" if enrollment_id and step_id else ""
    return _signer().sign(f"{contact_id}{email}")


def unsubscribe_target(token: str) -> tuple[int, tuple[int, int] | None] | None:
    """The contact a link was signed for and the email's (enrolment, step) when it names one;
    None for a tampered or malformed link."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        return None
    ids = value.split(".")
    if len(ids) not in (1, 3) or not all(i.isascii() and i.isdigit() for i in ids):
        return None
    contact_id, *email = map(int, ids)
    return contact_id, (email[0], email[1]) if email else None


def unsubscribe_contact_id(token: str) -> int | None:
    """The contact a link was signed for; None for a tampered or malformed link."""
    target = unsubscribe_target(token)
    return target[0] if target else None


def unsubscribe_url(
    *, contact_id: int, enrollment_id: int | None = None, step_id: int | None = None
) -> str:
    token = unsubscribe_token(contact_id=contact_id, enrollment_id=enrollment_id, step_id=step_id)
    return _unsubscribe_url_template().replace(_TOKEN, token)


_TOKEN = "__token__"


@cache
def _unsubscribe_url_template() -> str:
    """Reversed once: the dispatcher builds thousands of these links a second."""
    return absolute_url(reverse("nurture:unsubscribe", args=[_TOKEN]))


@cache
def _message_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "waymark.local"


def nurture_message_ids(text: str) -> list[tuple[int, int]]:
    """The (enrolment, step) of each of our sequence emails' Message-IDs in `text` (a
    Message-ID, In-Reply-To or References header, with or without angle brackets), in order."""
    return [
        (int(enrollment), int(step))
        for enrollment, step, host in _NURTURE_MESSAGE_ID.findall(text)
        if host.lower() == _message_domain().lower()
    ]


_NURTURE_MESSAGE_ID = re.compile(r"nurture\.(\d{1,18})\.(\d{1,18})@([^>\s,]+)")


def sequence_email(
    *,
    enrollment_id: int,
    step_id: int,
    contact: Contact,
    subject: str,
    body: MergeTemplate,
    values: dict[str, str],
    reply_to: str = "",
    track_opens: bool = False,
    track_clicks: bool = False,
) -> EmailMessage:
    """One step's email to one contact, with its unsubscribe link and headers; with an HTML
    part carrying the open pixel and tracked links when asked (the caller has checked the
    contact's choice)."""
    link = unsubscribe_url(contact_id=contact.pk, enrollment_id=enrollment_id, step_id=step_id)
    said = body.render(values)
    text = f"{said}\n\n--\n{_FOOTER} Unsubscribe: {link}\n"
    email = SequenceEmail(
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
    if track_opens or track_clicks:
        links = tracking.EmailLinks(
            enrollment_id=enrollment_id,
            step_id=step_id,
            site=settings.NURTURE_TRACKING_URL or settings.SITE_URL,
            addresses=[address for *_, address in _web_addresses(said)] if track_clicks else (),
        )
        email.attach_alternative(
            _html(
                said,
                link=links.click_url if track_clicks else None,
                pixel=links.open_url() if track_opens else "",
                unsubscribe=link,
            ),
            "text/html",
        )
    return email


_FOOTER = "You receive this because of your conversations with us."
# A web address in an email's text; the punctuation that ends a sentence is not part of it.
_WEB_ADDRESS = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}"


def _html(text: str, *, link, pixel: str, unsubscribe: str) -> str:
    """The text as HTML, line for line, each web address a link (through `link` when given)."""
    lines = [_linked(line, link) for line in _NEWLINE.split(text)]
    image = (
        f'<img src="{html.escape(pixel)}" width="1" height="1" alt="" border="0">' if pixel else ""
    )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n<div>'
        + "<br>\n".join(lines)
        + '</div>\n<p style="color:#6c757d;font-size:12px">--<br>\n'
        + f'{_FOOTER} <a href="{html.escape(unsubscribe)}">Unsubscribe</a></p>\n'
        + f"{image}</body></html>\n"
    )


def _web_addresses(text: str) -> Iterator[tuple[int, int, str]]:
    """Where each web address of the text starts and ends, and the address."""
    for found in _WEB_ADDRESS.finditer(text):
        address = found.group()
        stripped = address.rstrip(_TRAILING)
        if address.endswith(")") and stripped.count("(") > stripped.count(")"):
            stripped += ")"  # a link to a page named with parentheses
        yield found.start(), found.start() + len(stripped), stripped


def _linked(line: str, link) -> str:
    out, start = [], 0
    for begin, end, address in _web_addresses(line):
        href = link(address) if link else address
        out += [
            html.escape(line[start:begin]),
            f'<a href="{html.escape(href)}">{html.escape(address)}</a>',
        ]
        start = end
    out.append(html.escape(line[start:]))
    return "".join(out)


# A header value written as it is: printable ASCII on one line, within RFC 5322's 998 octets.
_PLAIN_HEADER = re.compile(r"[ -~]{0,900}")
# Header lines are folded to RFC 5322's 78 characters where they have a space to fold at.
_FOLD_AT = 78
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LONGEST_LINE = 998


class SequenceEmail(EmailMultiAlternatives):
    """An email whose MIME form is written directly when nothing in it needs encoding.

    Plain means: a text/plain UTF-8 body (and at most one text/html alternative) with no line
    over 998 octets, no attachments or copies, every header printable ASCII on one line. The
    message is then Django's own `message()` (same headers in the same order, same values, same
    parts, 7bit or 8bit, line ends the sender's; a header over 78 characters folded at its
    spaces; a boundary of its own) at a tenth of the cost. Anything else (a non-ASCII subject or
    address, a header with a line break, which Django refuses) goes through Django's
    `message()`.
    """

    def message(self):
        return _flat_message(self) or super().message()


def _flat_message(email: EmailMultiAlternatives) -> "Message | None":
    alternatives = getattr(email, "alternatives", [])
    if (
        email.encoding
        or settings.DEFAULT_CHARSET.lower() != "utf-8"
        or email.content_subtype != "plain"
        or email.attachments
        or email.cc
        or len(alternatives) > 1
        or any(mimetype != "text/html" for _, mimetype in alternatives)
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
    parts = [_flat_part(email.body, "plain")]
    parts += [_flat_part(str(content), "html") for content, _ in alternatives]
    if None in parts:
        return None  # Django switches to quoted-printable
    if not alternatives:
        part_headers, body = parts[0]
        return _FlatMessage([*part_headers, *headers], body)
    boundary = f"=_waymark_{secrets.token_hex(12)}"
    body = "".join(
        f"--{boundary}\n" + "\n".join(f"{k}: {v}" for k, v in part_headers) + f"\n\n{text}\n"
        for part_headers, text in parts
    )
    multipart = [
        ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
        ("MIME-Version", "1.0"),
    ]
    return _FlatMessage([*multipart, *headers], f"{body}--{boundary}--\n")


def _flat_part(content: str, subtype: str) -> tuple[list[tuple[str, str]], str] | None:
    """A text part's headers and its lines, or None when a line is too long to go as it is."""
    if "\r" in content:
        content = _NEWLINE.sub("\n", content)
    lines = content.split("\n")
    # A UTF-8 character takes at most four octets: only a line longer than a quarter is encoded.
    if any(len(line.encode()) > _LONGEST_LINE for line in lines if len(line) * 4 > _LONGEST_LINE):
        return None
    headers = [
        ("Content-Type", f'text/{subtype}; charset="utf-8"'),
        ("MIME-Version", "1.0"),
        ("Content-Transfer-Encoding", "7bit" if content.isascii() else "8bit"),
    ]
    return headers, content


def _folded(name: str, value: str) -> str:
    """`Name: value`, folded at spaces into lines of 78 characters where it can be (RFC 5322):
    unfolding gives the line back as it was."""
    if len(name) + 2 + len(value) <= _FOLD_AT:
        return f"{name}: {value}"
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
        # What `self[name] = value` stores, without its checks for each header: every header
        # here is plain, and Message-ID and Date come once.
        self._headers = [self.policy.header_store_parse(name, value) for name, value in headers]
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
