"""The shell around every page: the role's menus, the error pages, the favicon, the API docs."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error

from apps.web.navigation import visible_links
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role_fixture", ["marketer", "sales_rep", "sales_manager", "admin_member"])
def test_every_page_in_a_roles_menus_opens_for_that_role(request, client_for, role_fixture):
    user = request.getfixturevalue(role_fixture)
    client = client_for(user)
    links = visible_links(user=user)
    assert links
    for link in links:
        response = client.get(link.href)
        assert response.status_code == 200, link.href


@pytest.mark.parametrize(
    ("role_fixture", "menus"),
    [
        ("sales_rep", ["Sales", "Plan", "Content", "Signals"]),
        ("sales_manager", ["Sales", "Plan", "Content", "Signals"]),
        ("marketer", ["Sales", "Plan", "Content", "Signals"]),
        ("admin_member", ["Sales", "Plan", "Content", "Signals", "Admin"]),
    ],
)
def test_menus_group_the_pages_and_hide_what_the_role_may_not_open(
    request, client_for, role_fixture, menus
):
    html = client_for(request.getfixturevalue(role_fixture)).get(reverse("web:home")).text
    shown = re.findall(r'data-bs-toggle="dropdown" aria-expanded="false">([^<]+)</button>', html)
    assert shown == menus
    # The menu button says what it opens and whether it is open.
    assert 'aria-controls="main-nav" aria-expanded="false"' in html


def test_a_user_without_a_role_sees_no_menus_but_can_log_out(client_for):
    html = client_for(UserFactory()).get(reverse("web:home")).text
    assert 'data-bs-toggle="dropdown"' not in html
    assert ">Log out</button>" in html


def test_403_is_shown_inside_the_shell_and_says_where_to_go(client_for, sales_rep):
    response = client_for(sales_rep).get(reverse("signals:rule_create"))
    assert response.status_code == 403
    assert 'aria-label="Main"' in response.text
    assert "Your role cannot open this page" in response.text
    assert 'href="/">Go to your home page</a>' in response.text


def test_404_is_shown_inside_the_shell_and_names_the_address(client_for, marketer):
    response = client_for(marketer).get("/no-such-page/")
    assert response.status_code == 404
    assert 'aria-label="Main"' in response.text
    assert "There is no such page" in response.text
    assert "<code>/no-such-page/</code>" in response.text
    assert ">Log out</button>" in response.text


def test_404_for_a_visitor_offers_to_log_in(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Go to the home page</a> (you will be asked to log in)" in response.text


def test_500_renders_in_the_shell_without_the_database_or_a_request_context():
    with CaptureQueriesContext(connection) as queries:
        response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert 'aria-label="Main"' in html
    assert len(queries) == 0


def test_favicon_ico_leads_to_the_static_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    assert finders.find("favicon.svg")  # served by staticfiles (the browser test loads it)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("url_name", ["api-docs", "api-redoc"])
def test_api_docs_load_nothing_from_elsewhere(client_for, admin_member, url_name):
    html = client_for(admin_member).get(reverse(url_name)).text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
