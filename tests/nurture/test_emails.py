"""Sequence emails written directly (`SequenceEmail`) are byte for byte what Django's email
package writes, and anything out of the ordinary goes through Django's own path."""

from email import message_from_bytes, message_from_string

import pytest
from django.core.mail import BadHeaderError, EmailMessage

from apps.nurture.emails import SequenceEmail

HEADERS = {
    "List-Unsubscribe": "<https://waymark.test/u/7:abc/>",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    "Message-ID": "<nurture.7.3@waymark.test>",
    "Date": "Wed, 16 Jan 2030 10:00:00 -0000",  # fixed, so the two can be compared
}


def _both(**overrides) -> tuple[bytes, bytes]:
    fields = {
        "subject": "Chloe, a question about Acme",
        "body": "Hello Chloe,\n\nHow is the rollout going?\n",
        "from_email": "Waymark <waymark@waymark.test>",
        "to": ["chloe@acme.example"],
        "reply_to": ["rita@waymark.test"],
        "headers": HEADERS,
    } | overrides
    return tuple(
        kind(**fields).message().as_bytes(linesep="\r\n") for kind in (SequenceEmail, EmailMessage)
    )


CASES = [
    pytest.param({}, id="plain ASCII"),
    pytest.param({"body": "Grüße aus Köln\r\nline two\rline three\n"}, id="8bit body"),
    pytest.param({"reply_to": []}, id="no reply-to"),
    pytest.param({"subject": "Zoë, a question about Ærø"}, id="non-ASCII subject"),
    pytest.param({"to": ["Zoë <zoe@ærø.example>"]}, id="non-ASCII address"),
    pytest.param({"body": "x" * 1200}, id="a line over 998 octets"),
    pytest.param({"body": "ü" * 600}, id="a line over 998 octets in fewer characters"),
    pytest.param({"subject": "A  subject, " * 20}, id="a long subject"),
    pytest.param(
        {"headers": HEADERS | {"List-Unsubscribe": f"<https://waymark.test/u/{'a1:-_' * 30}/>"}},
        id="a long link",
    ),
]


@pytest.mark.parametrize("overrides", CASES)
def test_a_sequence_email_says_what_django_would_write(overrides):
    ours, django = (message_from_bytes(flat) for flat in _both(**overrides))

    assert [(k, " ".join(v.split())) for k, v in ours.items()] == [
        (k, " ".join(v.split())) for k, v in django.items()
    ]
    assert ours.get_payload(decode=True) == django.get_payload(decode=True)
    assert ours.get_content_charset() == django.get_content_charset() == "utf-8"


@pytest.mark.parametrize("overrides", CASES[:6])
def test_a_short_sequence_email_is_byte_for_byte_django_own(overrides):
    ours, django = _both(**overrides)

    assert ours == django


def test_header_lines_are_folded_at_spaces_and_unfold_to_the_value():
    subject = "A  subject, " * 20
    flat = _both(subject=subject)[0].decode()
    lines = flat.split("\r\n")

    assert all(len(line) <= 78 for line in lines[: lines.index("")])
    assert message_from_string(flat)["Subject"].replace("\r\n", "") == subject


def test_a_sequence_email_gets_a_date_when_it_has_none():
    headers = {k: v for k, v in HEADERS.items() if k != "Date"}
    message = SequenceEmail(subject="Hi", body="Hi", to=["a@b.example"], headers=headers).message()

    assert message["Date"] and message["Message-ID"] == HEADERS["Message-ID"]
    assert message.as_bytes(linesep="\r\n").startswith(b'Content-Type: text/plain; charset="utf-8"')


def test_a_header_with_a_line_break_is_refused_as_django_refuses_it():
    email = SequenceEmail(
        subject="Hi",
        body="Hi",
        to=["pat@race.example\nbcc: someone@example.com"],
        headers=HEADERS,
    )

    with pytest.raises(BadHeaderError):
        email.message()
