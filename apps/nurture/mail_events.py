"""What mail providers report after a sequence email left, read into one shape (`MailReport`).

Two ways in, each signed (an endpoint whose secret is not configured refuses everything):

- generic signed JSON (`POST /api/v1/mail-events/`), signed like Waymark's event webhooks
  (apps/engagement/webhooks.py: `X-Waymark-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
  "<unix time>." + raw body>` under `MAIL_EVENTS_SECRET`), body `{"events": [...]}`;
- Mailgun: its HTTP webhooks (`POST /api/v1/mail-events/mailgun/`; JSON
  `{"signature": {"timestamp", "token", "signature"}, "event-data": {...}}`) and replies its
  Routes forward (`POST /api/v1/mail-events/mailgun/replies/`; the parsed message as a form,
  signed with the same three fields). Mailgun signs HMAC-SHA256 of timestamp + token under the
  HTTP webhook signing key (`MAILGUN_WEBHOOK_SIGNING_KEY`):
  https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
  Event structure: https://documentation.mailgun.com/docs/mailgun/user-manual/events/
  Routes and the parsed message they forward:
  https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/

Either way a signature more than `MAIL_EVENTS_TOLERANCE_SECONDS` from our clock is refused: an
old delivery replayed. A repeat within that window is harmless: each report carries the
provider's own id and is stored once (`MailEvent`).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from apps.core.exceptions import ApplicationError
from apps.engagement import webhooks
from apps.engagement.webhooks import SignatureRejected
from apps.nurture.models import BounceType, MailEvent

Kind = MailEvent.Kind


class NotConfigured(SignatureRejected):
    """The endpoint's secret is not set: nothing can be verified, so it takes nothing (401, as
    for a bad signature; the provider retries until it is set)."""


@dataclass(frozen=True)
class MailReport:
    """One thing a provider reported about one email."""

    provider: str
    event_id: str  # the provider's id for it: a repeat carries the same one
    kind: str  # MailEvent.Kind
    occurred_at: datetime
    email: str = ""  # the recipient; for a reply, its sender
    message_ids: str = ""  # Message-ID of the email it is about; for a reply, In-Reply-To etc.
    bounce_type: str = ""  # BounceType, for a bounce


def _secret(name: str) -> str:
    secret = getattr(settings, name)
    if not secret:
        raise NotConfigured(f"Mail events from this provider are not set up: set {name}.")
    return secret


def generic_verify(*, header: str, body: bytes, now: datetime) -> None:
    """Check the generic endpoint's signature; SignatureRejected or NotConfigured if not."""
    webhooks.verify(
        header=header,
        secret=_secret("MAIL_EVENTS_SECRET"),
        body=body,
        now=now,
        tolerance_seconds=settings.MAIL_EVENTS_TOLERANCE_SECONDS,
    )


def mailgun_signature(*, key: str, timestamp: str, token: str) -> str:
    return hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def mailgun_verify(*, timestamp, token, signature, now: datetime) -> None:
    """Check Mailgun's signature fields; SignatureRejected or NotConfigured if not."""
    key = _secret("MAILGUN_WEBHOOK_SIGNING_KEY")
    if not all(isinstance(value, str | int) and value for value in (timestamp, token, signature)):
        raise SignatureRejected("Sign the delivery: signature.timestamp, token and signature.")
    try:
        signed_at = int(timestamp)
    except ValueError as error:
        raise SignatureRejected("The signature's timestamp is not a unix time.") from error
    tolerance = settings.MAIL_EVENTS_TOLERANCE_SECONDS
    if abs(int(now.timestamp()) - signed_at) > tolerance:
        raise SignatureRejected(f"The signature's time is more than {tolerance} seconds from ours.")
    expected = mailgun_signature(key=key, timestamp=str(timestamp), token=str(token))
    if not hmac.compare_digest(expected.encode(), str(signature).lower().encode()):
        raise SignatureRejected("The signature does not match the webhook signing key.")


def _bad_body(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"body": [message]})


# Mailgun's event names (event-data.event) and what each is here; the rest (accepted, opened,
# clicked, …) are acknowledged and left alone: opens and clicks come from our own tracking.
# Unsubscribes come from our own link too, but where Mailgun's unsubscribe handling is on (its
# footer link, or a one-click List-Unsubscribe it answers), it is the only one that hears them.
_MAILGUN_KINDS = {
    "delivered": Kind.DELIVERED,
    "failed": Kind.BOUNCED,
    "complained": Kind.COMPLAINED,
    "unsubscribed": Kind.UNSUBSCRIBED,
}


def mailgun_webhook(body: bytes, *, now: datetime) -> MailReport | None:
    """A Mailgun webhook delivery, checked; None for an event kind we do not follow."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise SignatureRejected("Not a Mailgun webhook: the body is not JSON.") from error
    signed = payload.get("signature") if isinstance(payload, dict) else None
    if not isinstance(signed, dict):
        raise SignatureRejected("Not a Mailgun webhook: no signature object.")
    mailgun_verify(
        timestamp=signed.get("timestamp"),
        token=signed.get("token"),
        signature=signed.get("signature"),
        now=now,
    )
    data = payload.get("event-data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise _bad_body("event-data with an id is required.")
    kind = _MAILGUN_KINDS.get(data.get("event"))
    if kind is None:
        return None
    headers = (data.get("message") or {}).get("headers") or {}
    bounce_type = ""
    if kind == Kind.BOUNCED:
        # "permanent": the receiving server refused the address; "temporary": Mailgun is still
        # trying (full mailbox, greylisting), a soft bounce.
        bounce_type = BounceType.HARD if data.get("severity") == "permanent" else BounceType.SOFT
    return MailReport(
        provider=MailEvent.Provider.MAILGUN,
        event_id=data["id"][:200],
        kind=kind,
        occurred_at=_unix_time(data.get("timestamp"), now=now),
        email=_address(data.get("recipient")),
        message_ids=str(headers.get("message-id") or "")[:300],
        bounce_type=bounce_type,
    )


def mailgun_reply(form, *, now: datetime) -> MailReport:
    """A reply forwarded by a Mailgun route (the parsed message as form fields), checked."""
    mailgun_verify(
        timestamp=form.get("timestamp"),
        token=form.get("token"),
        signature=form.get("signature"),
        now=now,
    )
    # Every MIME header is a field of its own, and all of them are in `message-headers` too.
    headers: dict[str, str] = {}
    try:
        pairs = json.loads(form.get("message-headers") or "[]")
        headers = {str(name).lower(): str(value) for name, value in pairs}
    except (ValueError, TypeError):
        pass

    def header(name: str) -> str:
        return form.get(name) or headers.get(name.lower(), "")

    message_id = header("Message-Id")
    if not message_id:
        raise _bad_body("The forwarded message has no Message-Id.")
    return MailReport(
        provider=MailEvent.Provider.MAILGUN,
        event_id=f"reply:{message_id}"[:200],
        kind=Kind.REPLIED,
        occurred_at=_unix_time(form.get("timestamp"), now=now),
        email=_address(form.get("sender") or header("From")),
        message_ids=f"{header('In-Reply-To')} {header('References')}"[:300],
    )


def _unix_time(value, *, now: datetime) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return now


def _address(value) -> str:
    """The bare address of `Name <a@b>` or `a@b`, lower-case; empty if it is none."""
    text = str(value or "").strip()
    if "<" in text:
        text = text.rpartition("<")[2].rstrip(">")
    text = text.strip().lower()
    return text if "@" in text and len(text) <= 254 else ""
