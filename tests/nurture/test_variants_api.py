"""A/B variants, the winner and a sequence's results through the API."""

import pytest

from tests.factories import ContactFactory, EnrollmentFactory, TouchFactory
from tests.nurture.conftest import days_ago

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_a_marketer_tests_a_variant_and_picks_the_winner(api_client, marketer, sales_rep, world):
    step = world.generic.steps.get(position=1)
    client = api_client(marketer)

    bad = client.post(
        f"{API}/sequence-step-variants/",
        {"step": step.pk, "subject": "Hi", "body": "{{ deal.value }}", "weight": 0},
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"weight"}  # the serializer stops at the weight
    bad = client.post(
        f"{API}/sequence-step-variants/", {"step": step.pk, "subject": "Hi", "body": "{{ x }}"}
    )
    assert "Unknown merge field {{ x }}" in bad.json()["errors"]["body"][0]

    created = client.post(
        f"{API}/sequence-step-variants/",
        {"step": step.pk, "subject": "Quick one", "body": "Hi", "weight": 3},
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["label"], created.json()["weight"]) == ("B", 3)
    listed = client.get(f"{API}/sequence-step-variants/", {"step": step.pk}).json()["results"]
    assert [v["label"] for v in listed] == ["A", "B"]
    moved = client.patch(
        f"{API}/sequence-step-variants/{created.json()['id']}/", {"step": step.pk + 1}
    )
    assert moved.status_code == 400 and "step" in moved.json()["errors"]

    pick = f"{API}/sequence-steps/{step.pk}/pick-winner/"
    body = {"variant": created.json()["id"]}
    assert api_client(sales_rep).post(pick, body, format="json").status_code == 403
    picked = client.post(pick, body, format="json")
    assert picked.status_code == 200 and picked.json()["winner"] == created.json()["id"]


def test_anyone_who_reads_sequences_reads_their_results(api_client, sales_rep, world):
    step = world.generic.steps.get(position=1)
    enrollment = EnrollmentFactory(
        sequence=world.generic, contact=ContactFactory(account=world.account)
    )
    TouchFactory(enrollment=enrollment, step=step, sent_at=days_ago(3), opened_at=days_ago(2))

    response = api_client(sales_rep).get(
        f"{API}/sequences/{world.generic.pk}/results/", {"days": 7, "metric": "replies"}
    )

    assert response.status_code == 200
    first = response.json()["steps"][0]
    assert (first["position"], first["counts"]["sent"], first["counts"]["opened"]) == (1, 1, 1)
    assert (response.json()["days"], response.json()["deals"]["enrolled"]) == (7, 0)
    refused = api_client(sales_rep).get(
        f"{API}/sequences/{world.generic.pk}/results/", {"metric": "luck"}
    )
    assert refused.status_code == 400 and "metric" in refused.json()["errors"]
