"""Real headless Chromium against pytest-django's live server, through Playwright's sync API.

Fixtures for every browser test: `browser` (one per session), `page` (a fresh browser context
per test, so cookies never leak between tests) and `log_in` (signs in through the real form).
"""

import os

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

# Playwright's sync API keeps an event loop running in the test thread, which makes Django
# refuse ORM calls there; test code is synchronous and never shares the loop, so allow it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

# UserFactory's password (tests/factories/users.py).
PASSWORD = "waymark-pass"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _live_server_sees_test_data(committed_db):
    """The live server reads the database from its own thread: browser tests commit their data."""


@pytest.fixture
def page(browser, live_server) -> Page:
    """A page whose relative URLs (`page.goto("/accounts/")`) go to the live server.

    Every browser test also checks the Content-Security-Policy: anything the policy blocked on
    the way (an inline script or style attribute, a resource from elsewhere) fails the test."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not blocked, "blocked by the Content-Security-Policy:\n" + "\n".join(blocked)


@pytest.fixture
def log_in(page, live_server):
    """`log_in(user)`: sign in through the login form and land on the home page."""

    def sign_in(user, password: str = PASSWORD) -> Page:
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(f"{live_server.url}/")
        expect(page.get_by_test_id("signed-in-as")).to_contain_text(str(user))
        return page

    return sign_in
