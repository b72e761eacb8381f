"""Global search: by partial or misspelt name (trigram similarity on PostgreSQL, substring
elsewhere), grouped by type with counts, only the types the user's role may open, one query
per type whatever the number of results."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.search import selectors
from apps.search.selectors import SHOWN_PER_TYPE, global_search
from apps.users.models import Role
from tests.factories import (
    AccountFactory,
    AssetFactory,
    CampaignFactory,
    ContactFactory,
    OpportunityFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:results")


@pytest.fixture
def acme():
    account = AccountFactory(name="Acme Industries", domain="acme-industries.example")
    return {
        "account": account,
        "contact": ContactFactory(
            account=account, first_name="Ada", last_name="Lovelace", email="ada@acme.example"
        ),
        "deal": OpportunityFactory(account=account, name="Acme rollout"),
        "campaign": CampaignFactory(name="Acme winback webinar"),
        "asset": AssetFactory(title="Acme ROI calculator"),
        "other": AccountFactory(name="Globex Corporation", domain="globex.example"),
    }


def _found(user, query: str) -> dict[str, list[str]]:
    return {g.key: [hit.title for hit in g.hits] for g in global_search(user=user, query=query)}


def test_a_partial_name_finds_every_type_grouped(sales_rep, acme):
    found = _found(sales_rep, "acm")
    assert found == {
        "accounts": ["Acme Industries"],
        "contacts": ["Ada Lovelace"],  # her email's domain is acme's
        "opportunities": ["Acme rollout"],
        "campaigns": ["Acme winback webinar"],
        "assets": ["Acme ROI calculator"],
    }


@pytest.mark.parametrize(
    ("query", "kind", "title"),
    [
        ("Lovelase", "contacts", "Ada Lovelace"),  # misspelt
        ("ada lovelace", "contacts", "Ada Lovelace"),  # full name over two columns
        ("Globx Corporation", "accounts", "Globex Corporation"),
        ("globex.example", "accounts", "Globex Corporation"),  # domain
        ("webinr", "campaigns", "Acme winback webinar"),
        ("calculater", "assets", "Acme ROI calculator"),
    ],
)
def test_a_misspelt_or_partial_name_finds_it_on_postgresql(sales_rep, acme, query, kind, title):
    assert connection.vendor == "postgresql"
    assert title in _found(sales_rep, query)[kind]


def test_best_matches_come_first_and_unrelated_names_stay_out(sales_rep, acme):
    AccountFactory(name="Acme")
    AccountFactory(name="Zenith Acmeology")
    found = _found(sales_rep, "Acme")["accounts"]
    assert found[0] == "Acme"
    assert "Globex Corporation" not in found


def test_the_substring_fallback_where_there_is_no_pg_trgm(sales_rep, acme, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    found = _found(sales_rep, "acme")
    assert found["accounts"] == ["Acme Industries"] and found["assets"] == ["Acme ROI calculator"]
    assert _found(sales_rep, "lovelace")["contacts"] == ["Ada Lovelace"]
    assert _found(sales_rep, "Lovelase")["contacts"] == []  # no fuzziness without trigrams


def test_archived_records_are_not_found(sales_rep, acme):
    AccountFactory(name="Acme Archived", archived_at=timezone.now())
    assert _found(sales_rep, "acme")["accounts"] == ["Acme Industries"]


def test_only_the_types_the_role_may_open_are_searched(acme):
    nobody = UserFactory()  # no role: no permission
    assert _found(nobody, "acme") == {}
    reader = UserFactory()
    reader.user_permissions.add(
        Permission.objects.get(content_type__app_label="content", codename="view_asset")
    )
    assert _found(reader, "acme") == {"assets": ["Acme ROI calculator"]}
    for role in (Role.MARKETER, Role.SALES, Role.MANAGER, Role.ADMIN):
        assert len(_found(UserFactory(role=role), "acme")) == 5


def test_the_page_shows_groups_with_counts_and_links(sales_rep, acme):
    client = Client()
    client.force_login(sales_rep)
    page = client.get(SEARCH, {"q": "acme"})
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="results-accounts"' in text and 'data-testid="results-assets"' in text
    assert f'href="{reverse("web:account_detail", args=[acme["account"].pk])}"' in text
    assert f'href="{reverse("signals:contact_detail", args=[acme["contact"].pk])}"' in text
    assert f'href="{reverse("web:opportunity_detail", args=[acme["deal"].pk])}"' in text
    assert f'href="{reverse("campaigns:detail", args=[acme["campaign"].pk])}"' in text
    assert f'href="{reverse("content:asset_detail", args=[acme["asset"].pk])}"' in text
    assert "5 results for “acme”" in text
    assert 'value="acme"' in text  # the box in the bar keeps the query
    # Every link answers for the user.
    for group in page.context["groups"]:
        for hit in group.hits:
            assert client.get(hit.url).status_code == 200, hit.url
    assert "at least 2 characters" in client.get(SEARCH, {"q": "a"}).text
    assert client.get(SEARCH).status_code == 200


def test_counts_say_how_many_match_beyond_those_shown(sales_rep):
    AccountFactory.create_batch(SHOWN_PER_TYPE + 3, name="Initech branch")
    (accounts, *_) = global_search(user=sales_rep, query="initech")
    assert (accounts.count, len(accounts.hits)) == (SHOWN_PER_TYPE + 3, SHOWN_PER_TYPE)
    assert not accounts.more


def test_past_the_cap_the_count_is_a_floor(sales_rep, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", SHOWN_PER_TYPE + 2)
    AccountFactory.create_batch(SHOWN_PER_TYPE + 3, name="Initech branch")
    client = Client()
    client.force_login(sales_rep)

    (accounts, *_) = global_search(user=sales_rep, query="initech")
    page = client.get(SEARCH, {"q": "initech"})

    assert (accounts.count, accounts.more) == (SHOWN_PER_TYPE + 2, True)
    counted = page.context["groups"][0]
    assert counted.more and f"{SHOWN_PER_TYPE + 2}+" in page.text


def test_the_page_runs_as_many_queries_for_a_page_of_results_as_for_many(sales_rep):
    client = Client()
    client.force_login(sales_rep)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SEARCH, {"q": "initech"}).status_code == 200
        return len(captured)

    def add(n: int) -> None:
        other = AccountFactory(name=f"Initech {n}")
        OpportunityFactory(account=other, name=f"Initech deal {n}")
        CampaignFactory(name=f"Initech campaign {n}")
        AssetFactory(title=f"Initech asset {n}")
        ContactFactory(account=other, email=f"p{n}@initech.example")

    # Fewer than a page of each: one query a type; a full page: a second one counts them.
    add(0)
    one = queries()
    for n in range(1, SHOWN_PER_TYPE):
        add(n)
    page = queries()
    for n in range(SHOWN_PER_TYPE, 3 * SHOWN_PER_TYPE):
        add(n)
    assert queries() == page <= one + len(selectors.KINDS)
