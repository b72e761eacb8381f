"""The shared list mechanism (`apps.core.listing`): whitelisted sorting with a stable order,
pages with their counts, filters through django-filter, and pages whose queries do not grow with
their rows."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account
from apps.core.listing import list_page, sort_order
from apps.imports.filters import ImportRunFilter
from apps.imports.models import ImportRun
from tests.factories import (
    AccountFactory,
    AccountScoreFactory,
    AssetFactory,
    CampaignFactory,
    HandoffFactory,
    ImportRunFactory,
    SequenceFactory,
    SignalRuleFactory,
)

pytestmark = pytest.mark.django_db

SORTS = {"name": "name", "tier": "tier", "owner": ("owner__last_name", "owner__username")}


def _request(query: str = ""):
    return RequestFactory().get(f"/accounts/{query}")


def test_only_whitelisted_sort_keys_order_the_rows():
    assert sort_order("name", SORTS)[1][-1] == "pk"
    assert sort_order("-name", SORTS)[1][-1] == "-pk"
    for bad in ("password", "-owner__password", "name;drop", "--name", "", None):
        assert sort_order(bad, SORTS) is None


def test_a_bad_sort_keeps_the_list_s_own_order():
    for name in ("Charlie", "alpha", "Bravo"):
        AccountFactory(name=name)
    rows = Account.objects.order_by("-name")
    listing = list_page(_request("?sort=owner__password"), rows, sorts=SORTS)
    assert [a.name for a in listing] == ["alpha", "Charlie", "Bravo"]
    assert listing.sort == ""


def test_sorting_is_stable_across_pages_when_values_tie():
    accounts = [AccountFactory(tier=Account.Tier.TIER_1) for _ in range(7)]
    seen = []
    for page in (1, 2, 3):
        listing = list_page(
            _request(f"?sort=-tier&page={page}"), Account.objects.all(), sorts=SORTS, per_page=3
        )
        assert listing.sort == "-tier"
        seen += [a.pk for a in listing]
    # Equal tiers: the primary key decides, in the direction of the sort; nothing repeats.
    assert seen == sorted((a.pk for a in accounts), reverse=True)


def test_descending_and_ascending_sorts():
    for name in ("b", "c", "a"):
        AccountFactory(name=name)
    up = list_page(_request("?sort=name"), Account.objects.all(), sorts=SORTS)
    down = list_page(_request("?sort=-name"), Account.objects.all(), sorts=SORTS)
    assert [a.name for a in up] == ["a", "b", "c"]
    assert [a.name for a in down] == ["c", "b", "a"]


def test_filters_go_through_django_filter_and_ignore_what_they_cannot_read():
    ImportRunFactory(file_name="leads.csv", status=ImportRun.Status.COMMITTED)
    ImportRunFactory(file_name="deals.csv", status=ImportRun.Status.FAILED)
    rows = ImportRun.objects.all()
    found = list_page(_request("?q=lead"), rows, filterset=ImportRunFilter)
    assert [r.file_name for r in found] == ["leads.csv"]
    # An unknown status is ignored; the search still applies.
    odd = list_page(_request("?q=deal&status=nonsense"), rows, filterset=ImportRunFilter)
    assert [r.file_name for r in odd] == ["deals.csv"]


def test_the_page_shows_its_range_and_the_count(client, admin_member):
    for _ in range(53):
        AccountFactory()
    client.force_login(admin_member)
    first = client.get(reverse("web:account_list") + "?sort=-name")
    second = client.get(reverse("web:account_list") + "?sort=-name&page=2")
    assert "1–50 of 53" in first.text and "51–53 of 53" in second.text
    assert 'aria-sort="descending"' in first.text
    # The header links sort the other way and start again on page 1; the filters stay.
    filtered = client.get(reverse("web:account_list") + "?q=Company&sort=name&page=2")
    assert 'href="?q=Company&amp;sort=-name"' in filtered.text


@pytest.mark.parametrize(
    "url",
    [
        "web:account_list",
        "web:opportunity_list",
        "campaigns:list",
        "content:asset_list",
        "signals:handoff_list",
        "signals:rule_list",
        "nurture:sequence_list",
        "imports:list",
        "enablement:my_opportunities",
        "enablement:my_requests",
        "enablement:queue",
        "signals:hot_accounts",
        "signals:rule_set_list",
    ],
)
def test_every_list_takes_any_sort_without_a_500(client, admin_member, url):
    client.force_login(admin_member)
    for sort in ("nonsense", "-pk", "name", "-name", "owner__password"):
        assert client.get(reverse(url), {"sort": sort, "page": "x"}).status_code == 200


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


ROWS = {
    "web:account_list": lambda user: AccountFactory(owner=user),
    "campaigns:list": lambda user: CampaignFactory(owner=user),
    "content:asset_list": lambda user: AssetFactory(owner=user),
    "signals:handoff_list": lambda user: HandoffFactory(owner=user),
    "signals:rule_list": lambda user: SignalRuleFactory(),
    "nurture:sequence_list": lambda user: SequenceFactory(),
    "imports:list": lambda user: ImportRunFactory(created_by=user),
}


@pytest.mark.parametrize("url", ROWS)
def test_list_queries_do_not_grow_with_rows(
    client, admin_member, sales_rep, django_assert_max_num_queries, url
):
    """5 rows and 50 rows, sorted by a column: the same number of queries at most."""
    client.force_login(admin_member)
    page = reverse(url) + "?queue=all&sort=-owner"
    for _ in range(5):
        ROWS[url](sales_rep)
    five = _queries(client, page)
    for _ in range(45):
        ROWS[url](sales_rep)
    with django_assert_max_num_queries(five):
        response = client.get(page)
    assert "1–50 of 50" in response.text


def test_hot_accounts_sort_by_score_and_search_by_name(client, admin_member):
    for name, score in (("Acme", 30), ("Globex", 70), ("Initech", 50)):
        AccountScoreFactory(account=AccountFactory(name=name), score=score, score_week_ago=10)
    client.force_login(admin_member)
    page = reverse("signals:hot_accounts")

    def names(query: dict) -> list[str]:
        rows = client.get(page, query).context["listing"].rows
        return [state.account.name for state in rows]

    assert names({"sort": "-score"}) == ["Globex", "Initech", "Acme"]
    assert names({"sort": "account"}) == ["Acme", "Globex", "Initech"]
    assert names({"q": "glob"}) == ["Globex"]
