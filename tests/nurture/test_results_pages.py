"""The A/B test on the sequence page and the sequence's results page, through the web."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.nurture.models import Step
from apps.nurture.services import step_variant_create
from tests.factories import ContactFactory, EnrollmentFactory, StepFactory, TouchFactory
from tests.nurture.conftest import days_ago

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def step(world) -> Step:
    return world.generic.steps.get(position=1)


def test_a_marketer_adds_a_variant_and_a_bad_merge_field_is_named(marketer, world, step):
    client = _client(marketer)
    url = reverse("nurture:variant_create", args=[step.pk])
    prefix = f"new-variant-{step.pk}"

    bad = client.post(url, {f"{prefix}-subject": "Hi", f"{prefix}-body": "{{ deal.name }}"})
    assert bad.status_code == 400
    assert "Unknown merge field {{ deal.name }}" in bad.text
    assert 'data-testid="error-body"' in bad.text and not step.variants.exists()

    fine = {f"{prefix}-subject": "Quick one", f"{prefix}-body": "Hi", f"{prefix}-weight": "3"}
    assert client.post(url, fine | {f"{prefix}-is_active": "on"}).status_code == 302
    assert [(v.label, v.weight) for v in step.variants.all()] == [("A", 1), ("B", 3)]
    page = client.get(reverse("nurture:sequence_detail", args=[world.generic.pk]))
    assert 'data-testid="variant-B"' in page.text
    # The step's own subject and body are now variant A's: the step form leaves them out.
    assert f'name="step-{step.pk}-subject"' not in page.text


def test_a_rep_reads_the_results_but_only_a_marketer_may_pick_a_winner(
    world, step, marketer, sales_rep
):
    step_variant_create(step=step, data={"subject": "B", "body": "B"})
    url = reverse("nurture:sequence_results", args=[world.generic.pk])

    seen = _client(sales_rep).get(url)
    assert seen.status_code == 200 and 'data-testid="variants-1"' in seen.text
    assert "as winner" not in seen.text
    b = step.variants.get(label="B")
    pick = reverse("nurture:step_pick_winner", args=[step.pk])
    assert _client(sales_rep).post(pick, {"variant": b.pk, "confirm": "1"}).status_code == 403

    client = _client(marketer)
    assert "Pick B as winner" in client.get(url).text
    asked = client.post(pick, {"variant": b.pk})
    assert 'data-testid="bulk-confirmation"' in asked.text
    step.refresh_from_db()
    assert step.winner is None

    assert client.post(pick, {"variant": b.pk, "confirm": "1"}).url == url
    step.refresh_from_db()
    assert step.winner == b
    assert "B won:" in client.get(url).text
    assert client.post(pick, {"variant": "nope"}).status_code == 404


def test_the_results_page_takes_the_same_queries_for_one_touch_or_many(world, step, marketer):
    step_variant_create(step=step, data={"subject": "B", "body": "B"})
    task = StepFactory(sequence=world.generic, position=3, kind=Step.Kind.TASK, body="")
    client = _client(marketer)
    url = reverse("nurture:sequence_results", args=[world.generic.pk])

    def queries_for(count: int) -> int:
        for i in range(count):
            enrollment = EnrollmentFactory(
                sequence=world.generic,
                contact=ContactFactory(account=world.account),
                opportunity=world.deal(entered_days_ago=60),
                enrolled_at=days_ago(30),
            )
            variant = step.variants.get(label="AB"[i % 2])
            TouchFactory(enrollment=enrollment, step=step, variant=variant, sent_at=days_ago(30))
            TouchFactory(enrollment=enrollment, step=task, sent_at=days_ago(29))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"days": 7, "metric": "replies"})
        assert response.status_code == 200
        return len(queries)

    assert queries_for(1) == queries_for(4)


def test_a_bad_choice_on_the_results_page_is_named_and_the_defaults_shown(world, marketer):
    response = _client(marketer).get(
        reverse("nurture:sequence_results", args=[world.generic.pk]), {"days": "0"}
    )
    assert response.status_code == 200
    assert 'data-testid="error-days"' in response.text
    assert "within 14 days" in response.text
