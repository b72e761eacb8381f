import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.models import Enrollment, Step, TaskAction, Touch
from apps.nurture.services import enrollment_create
from tests.factories import ContactFactory, StepFactory, UserFactory
from tests.nurture.conftest import NOW

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def users(marketer, sales_rep, admin_member):
    return {"marketer": marketer, "sales": sales_rep, "admin": admin_member}


@pytest.mark.parametrize(("role", "status"), [("marketer", 201), ("sales", 403), ("admin", 201)])
def test_marketers_and_admins_manage_sequences(api_client, users, world, role, status):
    body = {"name": "Re-engage", "journey_stage": world.shortlist.pk}
    assert api_client(users[role]).post(f"{API}/sequences/", body).status_code == status


@pytest.mark.parametrize(("role", "status"), [("marketer", 403), ("sales", 403), ("admin", 200)])
def test_only_admins_change_stall_rules(api_client, users, world, role, status):
    client = api_client(users[role])
    url = f"{API}/stall-rules/{world.discovery.pk}/"

    assert client.get(url).json()["max_days_in_stage"] == 30
    response = client.patch(url, {"max_days_in_stage": 21})

    assert response.status_code == status
    world.discovery.refresh_from_db()
    assert world.discovery.max_days_in_stage == (21 if status == 200 else 30)


def test_bad_input_is_named_by_field(api_client, marketer, world):
    client = api_client(marketer)
    step = client.post(
        f"{API}/sequence-steps/",
        {"sequence": world.generic.pk, "kind": "email", "subject": "{{ deal.value }}", "body": "x"},
    )
    assert step.status_code == 400, step.json()
    assert "Unknown merge field {{ deal.value }}" in step.json()["errors"]["subject"][0]

    draft = client.post(
        f"{API}/sequences/", {"name": "Draft", "journey_stage": world.shortlist.pk}
    ).json()
    activate = client.patch(f"{API}/sequences/{draft['id']}/", {"is_active": True})
    assert activate.status_code == 400 and "is_active" in activate.json()["errors"]


def test_a_step_preview_for_a_contact(api_client, sales_rep, world):
    step = world.generic.steps.get(position=1)
    response = api_client(sales_rep).get(
        f"{API}/sequence-steps/{step.pk}/preview/", {"contact": world.champion.pk}
    )
    assert response.json() == {
        "contact": world.champion.pk,
        "subject": "Step 1 for Acme",
        "body": "Hello Chloe, read https://content.example/1",
    }


@pytest.mark.parametrize(
    "query",
    [{"contact": "abc"}, {}, {"contact": "999999"}, {"contact": str(2**63)}, {"contact": "1.5"}],
    ids=["not a number", "missing", "no such contact", "over bigint", "not whole"],
)
def test_a_step_preview_for_a_bad_contact_is_a_400_naming_it(api_client, sales_rep, world, query):
    step = world.generic.steps.get(position=1)

    response = api_client(sales_rep).get(f"{API}/sequence-steps/{step.pk}/preview/", query)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["contact"]


def test_a_rep_enrols_and_ends_enrolments_for_their_own_deals_only(api_client, world):
    deal = world.deal(entered_days_ago=5)
    rep, other = api_client(world.owner), api_client(UserFactory(role="sales"))
    body = {"sequence": world.generic.pk, "contact": world.champion.pk, "opportunity": deal.pk}

    assert other.post(f"{API}/enrollments/", body).status_code == 403
    created = rep.post(f"{API}/enrollments/", body)
    assert created.status_code == 201 and created.json()["status"] == "active"
    again = rep.post(f"{API}/enrollments/", body)
    assert again.status_code == 400  # already active in this sequence

    url = f"{API}/enrollments/{created.json()['id']}/exit/"
    assert other.post(url).status_code == 403
    ended = rep.post(url)
    assert (ended.json()["status"], ended.json()["exit_reason"]) == ("exited", "manual")


def test_a_rep_completes_their_own_tasks_through_the_api(api_client, world, marketer):
    world.generic.steps.all().delete()
    StepFactory(
        sequence=world.generic,
        position=1,
        kind=Step.Kind.TASK,
        task_action=TaskAction.LINKEDIN,
        subject="Connect on LinkedIn",
        body="",
    )
    deal = world.deal(entered_days_ago=5)
    enrollment_create(
        sequence=world.generic, contact=world.champion, opportunity=deal, enrolled_by=None, now=NOW
    )
    due_steps_dispatch(now=NOW)
    task = Touch.objects.get()
    url = f"{API}/touches/{task.pk}/complete/"

    assert api_client(marketer).post(url).status_code == 403
    assert api_client(UserFactory(role="sales")).post(url).status_code == 403
    done = api_client(world.owner).post(url)
    assert done.status_code == 200 and done.json()["completed_at"]
    assert api_client(world.owner).post(url).status_code == 400  # already done


@pytest.mark.parametrize("endpoint", ["enrollments", "touches", "sequences", "sequence-steps"])
def test_lists_run_the_same_queries_for_one_row_or_many(api_client, admin_member, world, endpoint):
    client = api_client(admin_member)
    client.get(f"{API}/{endpoint}/")  # the requester's role, read once and kept on the user

    def grow(count: int) -> int:
        for _ in range(count):
            contact = ContactFactory(account=world.account)
            enrollment = Enrollment.objects.create(sequence=world.generic, contact=contact)
            Touch.objects.create(
                enrollment=enrollment, step=world.generic.steps.first(), kind="email", sent_at=NOW
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/{endpoint}/").status_code == 200
        return len(queries)

    assert grow(1) == grow(5)
