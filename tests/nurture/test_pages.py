import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Contact
from apps.notifications.models import Notification
from apps.nurture.dispatch import due_steps_dispatch
from apps.nurture.emails import unsubscribe_token
from apps.nurture.models import Enrollment, Sequence, Step, TaskAction, Touch
from apps.nurture.services import enrollment_create, stall_sweep, step_variant_create
from tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    StepFactory,
    UserFactory,
)
from tests.nurture.conftest import NOW, days_ago

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queries(client, url: str, *, shows: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert shows in response.text
    return len(queries)


def test_a_marketer_builds_a_sequence_and_bad_merge_fields_are_named(marketer, world):
    client = _client(marketer)
    created = client.post(
        reverse("nurture:sequence_list"),
        {"name": "Win-back", "journey_stage": world.shortlist.pk, "buying_role": ""},
    )
    sequence = Sequence.objects.get(name="Win-back")
    assert created.status_code == 302 and not sequence.is_active

    bad = client.post(
        reverse("nurture:step_create", args=[sequence.pk]),
        {"new-kind": "email", "new-subject": "Hi {{ contact.nickname }}", "new-body": "Hello"},
    )
    assert bad.status_code == 400
    assert "Unknown merge field {{ contact.nickname }}" in bad.text
    assert 'data-testid="error-subject"' in bad.text and not sequence.steps.exists()

    activate = client.post(
        reverse("nurture:sequence_detail", args=[sequence.pk]),
        {"name": "Win-back", "journey_stage": world.shortlist.pk, "is_active": "on"},
    )
    assert "Add a step before activating the sequence." in activate.text

    client.post(
        reverse("nurture:step_create", args=[sequence.pk]),
        {
            "new-kind": "email",
            "new-subject": "Hi {{ contact.first_name }}",
            "new-body": "About {{ account.name }}",
            "new-delay_days": 0,
            "new-delay_hours": 0,
        },
    )
    step = sequence.steps.get()
    preview = client.get(
        reverse("nurture:step_preview", args=[step.pk]), {"contact": world.champion.pk}
    )
    assert "Hi Chloe" in preview.text and "About Acme" in preview.text


def test_each_variant_of_a_step_previews_for_the_chosen_contact(marketer, world):
    step = world.generic.steps.get(position=1)
    variant_b = step_variant_create(
        step=step, data={"subject": "Quick question, {{ contact.first_name }}", "body": "Hi"}
    )
    elsewhere = step_variant_create(
        step=world.economic.steps.get(position=1), data={"subject": "Other", "body": "Other"}
    )
    url = reverse("nurture:step_preview", args=[step.pk])
    client = _client(marketer)

    chosen = client.get(url, {"contact": world.champion.pk, "variant": variant_b.pk})
    # A variant of another step is left out: the step's own text, for the same contact.
    stray = client.get(url, {"contact": world.champion.pk, "variant": elsewhere.pk})

    assert "Step 1, variant B, for Chloe" in " ".join(chosen.text.split())
    assert "Quick question, Chloe" in chosen.text
    assert "variant" not in stray.text and "for Chloe" in " ".join(stray.text.split())
    assert "Step 1 for Acme" in stray.text  # the step's subject, merged


def test_sales_reps_see_but_do_not_edit_sequences(sales_rep, world):
    client = _client(sales_rep)
    page = client.get(reverse("nurture:sequence_detail", args=[world.generic.pk]))
    assert page.status_code == 200 and 'data-testid="new-step"' not in page.text
    step = world.generic.steps.first()
    response = client.post(reverse("nurture:step_update", args=[step.pk]), {})
    assert response.status_code == 403


def test_the_stalled_board_shows_stalled_deals_and_the_owner_finds_the_alert_in_the_inbox(world):
    deal = world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    client = _client(world.owner)

    page = client.get(reverse("nurture:stalled_board"))

    assert (deal.name in page.text and "No activity" in page.text) or "Over its stage" in page.text
    inbox = client.get(reverse("notifications:inbox"))
    assert "Acme rollout has stalled" in inbox.text
    note = Notification.objects.get()
    opened = client.get(reverse("notifications:open", args=[note.pk]))
    assert opened["Location"] == f"/opportunities/{deal.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_the_opportunity_page_shows_the_stall_and_the_enrolment_timeline(world):
    deal = world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)

    page = _client(world.owner).get(reverse("web:opportunity_detail", args=[deal.pk]))

    assert 'data-testid="stall"' in page.text
    assert page.text.count('data-testid="enrollment"') == 2
    assert page.text.count('data-testid="touch"') == 2
    assert "Step 1 for Acme" in page.text and 'data-testid="due"' in page.text


def test_a_rep_enrols_a_contact_by_hand_and_ends_the_enrolment(world):
    deal = world.deal(entered_days_ago=5)
    client = _client(world.owner)

    client.post(
        reverse("nurture:enrol", args=[deal.pk]),
        {"contact": world.champion.pk, "sequence": world.generic.pk},
    )
    enrollment = Enrollment.objects.get()
    assert (enrollment.enrolled_by, enrollment.opportunity) == (world.owner, deal)

    client.post(reverse("nurture:exit", args=[enrollment.pk]))
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.exit_reason) == ("exited", "manual")


def test_a_rep_cannot_enrol_for_another_rep_deal(sales_rep, world):
    deal = world.deal(entered_days_ago=5)
    response = _client(sales_rep).post(
        reverse("nurture:enrol", args=[deal.pk]),
        {"contact": world.champion.pk, "sequence": world.generic.pk},
    )
    assert response.status_code == 403 and not Enrollment.objects.exists()


def test_a_rep_completes_a_task_from_the_task_list(world):
    world.generic.steps.all().delete()
    StepFactory(
        sequence=world.generic,
        position=1,
        kind=Step.Kind.TASK,
        task_action=TaskAction.CALL,
        subject="Call {{ contact.first_name }}",
        body="",
    )
    deal = world.deal(entered_days_ago=5)
    enrollment_create(
        sequence=world.generic, contact=world.champion, opportunity=deal, enrolled_by=None, now=NOW
    )
    due_steps_dispatch(now=NOW)
    client = _client(world.owner)
    task = Touch.objects.get()

    assert "Call Chloe" in client.get(reverse("nurture:task_list")).text
    assert (
        _client(UserFactory(role="sales"))
        .post(reverse("nurture:task_complete", args=[task.pk]))
        .status_code
        == 403
    )
    client.post(reverse("nurture:task_complete", args=[task.pk]))

    task.refresh_from_db()
    assert task.completed_at is not None
    assert 'data-testid="done-tasks"' in client.get(reverse("nurture:task_list")).text


def test_unsubscribing_opts_out_and_ends_every_sequence(world):
    deal = world.deal(entered_days_ago=40)
    stall_sweep(now=NOW)
    url = reverse("nurture:unsubscribe", args=[unsubscribe_token(contact_id=world.champion.pk)])
    client = Client()  # no login

    assert "Stop all emails" in client.get(url).text
    world.champion.refresh_from_db()
    assert world.champion.consent != Contact.Consent.OPTED_OUT  # a GET changes nothing

    one_click = client.post(url, {"List-Unsubscribe": "One-Click"})

    assert one_click.status_code == 200 and "You are unsubscribed" in one_click.text
    world.champion.refresh_from_db()
    assert world.champion.consent == Contact.Consent.OPTED_OUT
    assert set(
        Enrollment.objects.filter(contact=world.champion).values_list("exit_reason", flat=True)
    ) == {"unsubscribed"}
    assert Enrollment.objects.get(contact=world.buyer, opportunity=deal).status == "active"


def test_a_tampered_link_is_refused_the_same_way_whether_or_not_the_contact_exists(world):
    client = Client()
    real = unsubscribe_token(contact_id=world.champion.pk)
    tampered = real[:-2] + ("aa" if not real.endswith("aa") else "bb")
    gone = ContactFactory()
    gone_token = unsubscribe_token(contact_id=gone.pk)
    gone.delete()
    other_id = real.replace(str(world.champion.pk), str(world.buyer.pk), 1)

    answers = [
        client.post(reverse("nurture:unsubscribe", args=[token]))
        for token in (tampered, gone_token, other_id, "nonsense")
    ]

    # The page differs only in its per-request CSRF mask; what it says is the same.
    said = {(a.status_code, a.text.split("<main", 1)[1]) for a in answers}
    assert len(said) == 1
    assert answers[0].status_code == 400 and "This link does not work" in answers[0].text
    assert not Contact.objects.filter(consent=Contact.Consent.OPTED_OUT).exists()


@pytest.mark.parametrize(
    ("url_name", "grow"),
    [
        pytest.param("nurture:stalled_board", "deal", id="stalled board"),
        pytest.param("nurture:sequence_list", "sequence", id="sequences"),
        pytest.param("nurture:task_list", "task", id="tasks"),
    ],
)
def test_pages_run_the_same_queries_for_one_row_or_many(world, url_name, grow):
    client = _client(world.owner)
    world.owner.is_superuser = True  # sees every page
    world.owner.save()
    task_step = StepFactory(
        sequence=world.generic,
        position=9,
        kind=Step.Kind.TASK,
        task_action=TaskAction.CALL,
        subject="Call",
        body="",
    )

    def add(n: int) -> None:
        for _ in range(n):
            account = AccountFactory()
            contact = ContactFactory(account=account)
            deal = OpportunityFactory(
                account=account,
                owner=world.owner,
                stage=world.discovery,
                stage_entered_at=days_ago(40),
            )
            if grow == "sequence":
                StepFactory(
                    sequence=Sequence.objects.create(name="More", journey_stage=world.shortlist)
                )
            if grow == "task":
                enrollment = Enrollment.objects.create(
                    sequence=world.generic, contact=contact, opportunity=deal
                )
                Touch.objects.create(
                    enrollment=enrollment,
                    step=task_step,
                    kind=Step.Kind.TASK,
                    subject="Call",
                    sent_at=NOW,
                    assignee=world.owner,
                )
        stall_sweep(now=NOW)

    add(1)
    url = reverse(url_name)
    one = _queries(client, url, shows="")
    add(6)
    assert _queries(client, url, shows="") == one


def test_the_opportunity_and_contact_timelines_run_the_same_queries_whatever_their_length(world):
    deal = world.deal(entered_days_ago=40)
    client = _client(world.owner)
    urls = [
        reverse("web:opportunity_detail", args=[deal.pk]),
        reverse("nurture:contact_timeline", args=[world.champion.pk]),
    ]
    stall_sweep(now=NOW)
    due_steps_dispatch(now=NOW)
    before = [_queries(client, url, shows="Shortlist nurture") for url in urls]

    for n in range(4):
        sequence = Sequence.objects.create(name=f"Extra {n}", journey_stage=world.shortlist)
        step = StepFactory(sequence=sequence, position=1)
        enrollment = Enrollment.objects.create(
            sequence=sequence, contact=world.champion, opportunity=deal
        )
        Touch.objects.create(enrollment=enrollment, step=step, kind="email", sent_at=NOW)

    assert [_queries(client, url, shows="Extra 3") for url in urls] == before
