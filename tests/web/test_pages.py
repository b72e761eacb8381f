from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests.factories import AccountFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def opportunity():
    return OpportunityFactory(name="Acme expansion", account__name="Acme Corp")


def _page_urls(opportunity) -> list[str]:
    return [
        reverse("web:home"),
        reverse("web:account_list"),
        reverse("web:account_detail", args=[opportunity.account_id]),
        reverse("web:opportunity_list"),
        reverse("web:opportunity_list") + "?mine=1",
        reverse("web:opportunity_detail", args=[opportunity.pk]),
    ]


def test_every_role_can_open_every_page(any_role_user, client_for, opportunity):
    client = client_for(any_role_user)
    for url in _page_urls(opportunity):
        response = client.get(url)
        assert response.status_code == 200, url
        assert str(any_role_user) in response.text


def test_pages_send_anonymous_visitors_to_the_login_page(client, opportunity):
    for url in _page_urls(opportunity):
        response = client.get(url)
        assert response.status_code == 302, url
        location = urlsplit(response["Location"])
        assert location.path == reverse("login")
        assert parse_qs(location.query) == {"next": [url]}


def test_a_user_without_a_role_may_not_read_accounts_or_opportunities(client_for, opportunity):
    client = client_for(UserFactory())
    assert client.get(reverse("web:home")).status_code == 200
    for url in _page_urls(opportunity)[1:]:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("name", ["web:account_detail", "web:opportunity_detail"])
def test_unknown_ids_are_not_found(client_for, marketer, name):
    AccountFactory()
    assert client_for(marketer).get(reverse(name, args=[999_999])).status_code == 404


def _nav(response) -> str:
    html = response.text
    return html[html.index('aria-label="Main"') : html.index("</nav>")]


@pytest.mark.parametrize(
    ("role_fixture", "shown", "hidden"),
    [
        (
            "sales_rep",
            ["My opportunities", "Opportunities", "Accounts", "Sales rep"],
            ["Django admin", "API docs"],
        ),
        (
            "marketer",
            ["Accounts", "Opportunities", "Marketer"],
            ["My opportunities", "Django admin", "API docs"],
        ),
        (
            "admin_member",
            ["My opportunities", "Opportunities", "Accounts", "Django admin", "API docs", "Admin"],
            [],
        ),
    ],
)
def test_navigation_shows_the_links_of_the_role(request, client_for, role_fixture, shown, hidden):
    user = request.getfixturevalue(role_fixture)
    nav = _nav(client_for(user).get(reverse("web:home")))
    assert str(user) in nav
    assert 'action="/logout/"' in nav
    assert 'name="csrfmiddlewaretoken"' in nav
    for label in shown:
        assert label in nav, label
    for label in hidden:
        assert label not in nav, label


def test_the_current_page_is_marked_in_the_navigation(client_for, sales_rep):
    nav = _nav(client_for(sales_rep).get(reverse("web:account_list")))
    assert 'aria-current="page" href="/accounts/"' in nav
    mine = _nav(client_for(sales_rep).get(reverse("web:opportunity_list") + "?mine=1"))
    assert 'aria-current="page" href="/opportunities/?mine=1"' in mine
    assert 'class="dropdown-item" href="/opportunities/"' in mine
    # A page under a menu entry (an account's page) marks that entry.
    account = AccountFactory()
    detail = _nav(client_for(sales_rep).get(reverse("web:account_detail", args=[account.pk])))
    assert 'aria-current="page" href="/accounts/"' in detail


def test_login_page_shows_errors_and_signs_in_to_home(client, sales_rep):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.text

    wrong = client.post(reverse("login"), {"username": sales_rep.username, "password": "nope"})
    assert wrong.status_code == 200
    assert "Please enter a correct username and password" in wrong.text

    right = client.post(
        reverse("login"), {"username": sales_rep.username, "password": "waymark-pass"}
    )
    assert right.status_code == 302
    assert right["Location"] == reverse("web:home")


def test_logout_is_a_post_that_ends_the_session(client_for, sales_rep):
    client = client_for(sales_rep)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:account_list")).status_code == 302


@pytest.mark.parametrize(
    "section, marketers_page, reps_page",
    [
        ("/nurture/", "nurture:sequence_list", "nurture:task_list"),
        ("/content/", "content:asset_list", "content:asset_list"),
        ("/signals/", "signals:hot_accounts", "signals:hot_accounts"),
        ("/analytics/", "analytics:attribution", None),  # analysts' pages
    ],
)
def test_a_sections_own_address_opens_its_first_page(
    client_for, marketer, sales_rep, section, marketers_page, reps_page
):
    for user, page in ((marketer, marketers_page), (sales_rep, reps_page)):
        response = client_for(user).get(section, follow=True)
        if page is None:
            assert response.status_code == 403
            continue
        assert response.redirect_chain == [(reverse(page), 302)], user
        assert response.status_code == 200, user
