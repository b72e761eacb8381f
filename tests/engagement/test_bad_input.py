"""Input that once gave a 500 on the bulk endpoint: each bad event is rejected on its own, named
by item and field, and the good events of the same request are stored. A body with nothing
usable in it is a 400."""

import json

import pytest

from apps.engagement.models import Event
from tests.engagement.test_ingestion import BULK, NDJSON, _event, _ndjson
from tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

TOO_BIG_ID = 2**63  # one past PostgreSQL's bigint


def _nested(levels: int, leaf="deep"):
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def _nested_objects(levels: int):
    value: object = "deep"
    for _ in range(levels):
        value = {"next": value}
    return value


# What goes wrong with the event, and the field the answer must name.
BAD_EVENTS = [
    *(
        pytest.param({field: f"x\x00{field}"}, field, id=f"NUL in {field}")
        for field in ("id", "kind", "source", "occurred_at", "email", "domain", "url")
    ),
    pytest.param({"properties": {"plan": "pro\x00"}}, "properties", id="NUL in a property"),
    pytest.param({"properties": {"pl\x00an": "pro"}}, "properties", id="NUL in a property name"),
    pytest.param({"properties": {"plan": "\ud800"}}, "properties", id="lone surrogate"),
    pytest.param({"properties": {"tags": ["a", "\udfff"]}}, "properties", id="lone low surrogate"),
    pytest.param({"email": "ann\udc00@acme.com"}, "email", id="lone surrogate in email"),
    pytest.param({"contact": TOO_BIG_ID}, "contact", id="contact over bigint"),
    pytest.param({"account": TOO_BIG_ID}, "account", id="account over bigint"),
    pytest.param({"asset": TOO_BIG_ID}, "asset", id="asset over bigint"),
    pytest.param({"properties": {"tree": _nested(40)}}, "properties", id="nested arrays"),
    pytest.param({"properties": _nested_objects(40)}, "properties", id="nested properties"),
    pytest.param({"source": {"name": "web"}}, "source", id="source as object"),
    pytest.param({"source": ["web"]}, "source", id="source as array"),
    pytest.param({"kind": {"name": "page_view"}}, "kind", id="kind as object"),
    pytest.param({"kind": ["page_view"]}, "kind", id="kind as array"),
]


@pytest.fixture
def post(api_client, marketer):
    AccountFactory(domain="acme.com")
    ContactFactory(account__domain="globex.com", email="ann@acme.com")
    client = api_client(marketer)

    def send(body: bytes, content_type: str):
        return client.generic("POST", BULK, body, content_type=content_type)

    return send


def _bodies(*events) -> list[tuple[bytes, str]]:
    """The events as a JSON array and as NDJSON."""
    return [(json.dumps(list(events)).encode(), "application/json"), (_ndjson(*events), NDJSON)]


@pytest.mark.parametrize(("changes", "field"), BAD_EVENTS)
def test_a_bad_event_is_named_and_the_good_ones_beside_it_are_stored(post, changes, field):
    bad = _event(2, **changes)

    for body, content_type in _bodies(bad):
        alone = post(body, content_type)
        assert alone.status_code == 400, alone.content
        assert [e["item"] for e in alone.json()["errors"]] == [1]
        assert list(alone.json()["errors"][0]["errors"]) == [field]
    assert not Event.objects.exists()

    for body, content_type in _bodies(_event(1), bad, _event(3)):
        Event.objects.all().delete()
        mixed = post(body, content_type)
        assert mixed.status_code == 200, mixed.content
        report = mixed.json()
        assert (report["accepted"], report["rejected"]) == (2, 1)
        assert report["errors"] == [
            {"item": 2, "errors": {field: report["errors"][0]["errors"][field]}}
        ]
        assert sorted(Event.objects.values_list("external_id", flat=True)) == ["evt-1", "evt-3"]


@pytest.mark.parametrize("content_type", ["application/json", NDJSON])
def test_an_event_nested_too_deep_to_read_is_rejected_alone(post, content_type):
    deep = '{"id": "evt-2", "properties": {"tree": ' + "[" * 5000 + "]" * 5000 + "}}"
    good = [json.dumps(_event(n)) for n in (1, 3)]
    if content_type == NDJSON:
        body = "\n".join([good[0], deep, good[1]])
    else:
        body = f"[{good[0]}, {deep} ,{good[1]}]"

    response = post(body.encode(), content_type)

    assert response.status_code == 200, response.content
    assert response.json()["errors"] == [
        {"item": 2, "errors": {"event": ["Nested more than 16 levels deep."]}}
    ]
    assert sorted(Event.objects.values_list("external_id", flat=True)) == ["evt-1", "evt-3"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", "application/json"),
        (b"  \n", "application/json"),
        (b"[]", "application/json"),
        (b"", NDJSON),
        (b"\n\n", NDJSON),
    ],
    ids=["empty", "blank", "empty array", "empty NDJSON", "blank lines"],
)
def test_a_body_without_events_is_a_400(post, body, content_type):
    response = post(body, content_type)

    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["Send at least one event."]}


@pytest.mark.parametrize(
    "body",
    [b"[{}", b"[{},]", b"[{} {}]", b"[{}] []", b'["[', b"[" + b"[" * 5000],
    ids=[
        "unclosed",
        "trailing comma",
        "missing comma",
        "extra data",
        "open string",
        "unclosed deep",
    ],
)
def test_a_json_array_that_does_not_parse_is_a_400_naming_the_body(post, body):
    response = post(body, "application/json")

    assert response.status_code == 400
    assert "Not valid JSON" in response.json()["errors"]["body"][0]
    assert not Event.objects.exists()
