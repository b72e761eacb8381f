"""Signed webhook deliveries: `X-Waymark-Signature: t=<unix time>,v1=<hex>` where the hex is
HMAC-SHA256 under the source's secret of `<unix time>.` followed by the raw body.

Signing the time with the body lets us refuse old deliveries (outside the source's tolerance)
and, within it, a signature already seen: a replay.
"""

import hashlib
import hmac
from datetime import datetime

from apps.core.exceptions import ApplicationError

SIGNATURE_HEADER = "X-Waymark-Signature"


class SignatureRejected(ApplicationError):
    """Missing, malformed, stale or wrong signature (HTTP 401); nothing is stored."""


class DeliveryReplayed(ApplicationError):
    """This exact signed delivery was received before (HTTP 409); nothing new is stored."""


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    """The header a sender puts on a delivery (used by senders' examples and the tests)."""
    return f"t={timestamp},v1={signature(secret=secret, timestamp=timestamp, body=body)}"


def verify(
    *, header: str, secret: str, body: bytes, now: datetime, tolerance_seconds: int
) -> tuple[datetime, str]:
    """The signing time and the signature, once both check out; else SignatureRejected."""
    parts = dict(part.strip().split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError) as error:
        raise SignatureRejected(
            f"Sign the delivery: {SIGNATURE_HEADER}: t=<unix time>,v1=<hex HMAC-SHA256>."
        ) from error
    if abs(int(now.timestamp()) - timestamp) > tolerance_seconds:
        raise SignatureRejected(
            f"The signature's time is more than {tolerance_seconds} seconds from ours."
        )
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    # As bytes: a signature is hex, but what a sender puts there can be any text.
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise SignatureRejected("The signature does not match this source's secret.")
    return datetime.fromtimestamp(timestamp, tz=now.tzinfo), expected
