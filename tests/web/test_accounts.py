import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account, Contact
from apps.core import paginator
from apps.engagement.models import EventKind
from apps.personas.models import BuyingRole
from apps.pipeline.models import PipelineStage
from tests.factories import (
    AccountFactory,
    AssetFactory,
    ContactFactory,
    EventFactory,
    OpportunityFactory,
    PersonaFactory,
    PipelineStageFactory,
)

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("web:account_list")


@pytest.fixture
def accounts():
    acme = AccountFactory(name="Acme Corp", domain="acme.com", tier=1, is_target=True)
    globex = AccountFactory(name="Globex", domain="globex.io", tier=2, is_target=False)
    initech = AccountFactory(name="Initech", domain="initech.net", tier=1, is_target=False)
    return acme, globex, initech


def _names(response) -> list[str]:
    return [account.name for account in response.context["page_obj"]]


def test_accounts_list_shows_counts_and_owner(client_for, marketer, sales_rep):
    acme = AccountFactory(name="Acme Corp", domain="acme.com", owner=sales_rep, fit_score=87)
    ContactFactory.create_batch(3, account=acme)
    open_stage = PipelineStageFactory(outcome=PipelineStage.Outcome.OPEN)
    won_stage = PipelineStageFactory(outcome=PipelineStage.Outcome.WON)
    OpportunityFactory.create_batch(2, account=acme, stage=open_stage)
    OpportunityFactory(account=acme, stage=won_stage)

    response = client_for(marketer).get(ACCOUNTS)

    [row] = response.context["page_obj"]
    assert (row.contact_count, row.open_opportunity_count) == (3, 2)
    assert str(sales_rep) in response.text
    assert "acme.com" in response.text
    assert ">87<" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Acme Corp", "Globex", "Initech"]),
        ("?tier=1", ["Acme Corp", "Initech"]),
        ("?target=true", ["Acme Corp"]),
        ("?target=false&tier=1", ["Initech"]),
        ("?q=GLOB", ["Globex"]),
        ("?q=.net", ["Initech"]),
        ("?tier=9", ["Acme Corp", "Globex", "Initech"]),
    ],
)
def test_accounts_list_filters(client_for, marketer, accounts, query, expected):
    assert _names(client_for(marketer).get(ACCOUNTS + query)) == expected


def test_htmx_request_gets_only_the_table(client_for, marketer, accounts):
    response = client_for(marketer).get(ACCOUNTS + "?tier=2", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert [t.name for t in response.templates] == [
        "web/partials/account_table.html",
        "web/partials/export_csv.html",
        "web/partials/export_csv.html",
        "web/partials/pagination.html",
    ]
    # The export links swap with the table, so they carry the filters just chosen.
    assert 'href="?tier=2&amp;format=csv"' in response.text
    assert "<html" not in response.text
    assert 'data-testid="account-table"' in response.text
    assert "Globex" in response.text
    assert "Acme Corp" not in response.text
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client_for, marketer, accounts):
    response = client_for(marketer).get(
        ACCOUNTS, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.text


def test_accounts_list_pages_by_fifty(client_for, marketer):
    AccountFactory.create_batch(51, tier=Account.Tier.TIER_3)
    client = client_for(marketer)

    first = client.get(ACCOUNTS + "?tier=3")
    second = client.get(ACCOUNTS + "?tier=3&page=2")

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 1
    # Page links keep the filters and swap only the table.
    assert 'hx-get="?tier=3&amp;page=2"' in first.text
    assert 'hx-target="#account-table"' in first.text


def test_a_very_long_list_says_about_how_many_without_counting(client_for, marketer, monkeypatch):
    """At a million rows the page takes the planner's estimate of how many there are."""
    AccountFactory.create_batch(30)
    monkeypatch.setattr(paginator, "EXACT_COUNT_UP_TO", 10)
    monkeypatch.setattr(paginator, "ESTIMATE_WITHOUT_COUNTING_PAST", 20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_account")
    with CaptureQueriesContext(connection) as queries:
        response = client_for(marketer).get(ACCOUNTS)
    assert response.context["page_obj"].paginator.count_is_estimate
    assert 'data-testid="account-count">about 30 accounts' in response.text
    assert "of about 30" in response.text
    assert not [q for q in queries if 'COUNT(*) AS "__count" FROM "accounts_account"' in q["sql"]]


def test_counting_a_searched_list_reads_only_the_accounts(client_for, marketer, accounts):
    """The rows' contact and deal counts are for the page shown, not for counting the list
    (at a million contacts they made the count of a search take 67 ms)."""
    with CaptureQueriesContext(connection) as queries:
        response = client_for(marketer).get(ACCOUNTS + "?q=acme")
    assert _names(response) == ["Acme Corp"]
    counts = [q["sql"] for q in queries if q["sql"].startswith("SELECT COUNT(*) FROM (")]
    assert counts
    assert not [sql for sql in counts if "accounts_contact" in sql or "pipeline_" in sql]


def test_account_detail_shows_committee_opportunities_and_activity(client_for, marketer):
    acme = AccountFactory(name="Acme Corp", domain="acme.com", industry="Logistics")
    persona = PersonaFactory(name="IT Director")
    dana = ContactFactory(
        account=acme,
        first_name="Dana",
        last_name="Scully",
        title="Head of IT",
        persona=persona,
        buying_role=BuyingRole.TECHNICAL_EVALUATOR,
        consent=Contact.Consent.OPTED_IN,
    )
    stage = PipelineStageFactory(name="Discovery", max_days_in_stage=14)
    OpportunityFactory(
        account=acme,
        name="Acme expansion",
        stage=stage,
        stage_entered_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=20),
    )
    EventFactory(
        account=acme,
        contact=dana,
        kind=EventKind.PRICING_PAGE_VIEW,
        url="https://waymark.example/pricing",
    )
    EventFactory(
        account=acme, kind=EventKind.CONTENT_DOWNLOAD, asset=AssetFactory(title="ROI guide")
    )
    EventFactory(account=AccountFactory(), kind=EventKind.DEMO_REQUEST)

    response = client_for(marketer).get(reverse("web:account_detail", args=[acme.pk]))

    text = response.text
    for shown in [
        "Logistics", "Dana Scully", "Head of IT", "IT Director", "Technical evaluator",
        "Opted in", "Acme expansion", "Discovery", "Stalled", "Pricing page view",
        "https://waymark.example/pricing", "Anonymous visitor", "ROI guide",
    ]:  # fmt: skip
        assert shown in text, shown
    assert "Demo request" not in text


def test_account_detail_lists_only_the_twenty_latest_events(client_for, marketer):
    acme = AccountFactory()
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    events = [
        EventFactory(account=acme, occurred_at=start + datetime.timedelta(hours=n))
        for n in range(25)
    ]

    response = client_for(marketer).get(reverse("web:account_detail", args=[acme.pk]))

    shown = response.context["detail"].recent_events
    assert shown == sorted(events[5:], key=lambda e: e.occurred_at, reverse=True)


def test_times_are_shown_in_the_users_time_zone(client_for, marketer):
    marketer.time_zone = "Asia/Tokyo"
    marketer.save()
    acme = AccountFactory()
    contact = ContactFactory(account=acme)
    EventFactory(
        account=acme,
        contact=contact,
        occurred_at=datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC),
    )

    response = client_for(marketer).get(reverse("web:account_detail", args=[acme.pk]))

    # 23:30 UTC is 08:30 the next morning in Tokyo, in the activity and committee tables.
    assert response.text.count("3 Mar 2026 08:30") == 2
    assert "2 Mar 2026" not in response.text
