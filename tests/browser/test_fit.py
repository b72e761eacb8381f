"""The learned fit in a real browser: the account page explains it per attribute, and a
marketer lets the learned fit replace one set by hand."""

import pytest
from playwright.sync_api import expect

from apps.accounts.models import Account
from apps.fit.services import fit_training_request, fits_apply
from tests.browser.navigation import follow_menu
from tests.factories import AccountFactory
from tests.fit.conftest import planted_world  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


def test_the_account_page_explains_the_fit_and_a_marketer_clears_an_override(
    page,
    log_in,
    marketer,
    planted_world,  # noqa: F811
):
    model = fit_training_request(by=marketer, in_background=False)
    account = AccountFactory(
        name="Nimbus Software",
        industry="Software",
        employee_count=2_500,
        fit_score=4,
        fit_source=Account.FitSource.MANUAL,
    )
    fits_apply(account_ids=[account.pk])
    account.refresh_from_db()
    log_in(marketer)

    page.goto(f"/accounts/{account.pk}/")
    panel = page.get_by_test_id("fit-panel")
    expect(panel.get_by_test_id("fit-value")).to_have_text("4")
    expect(panel.get_by_test_id("fit-source")).to_have_text("Set by hand")
    rows = panel.get_by_test_id("fit-contributions").locator("tr")
    expect(rows.nth(0)).to_contain_text(f"fit model v{model.version}")
    expect(rows.nth(1)).to_contain_text("Industry: Software")
    assert rows.nth(1).locator("td").nth(1).inner_text().startswith("+")
    expect(rows.nth(4)).to_contain_text("Employees 1001–5000")
    expect(rows.last).to_contain_text(f"Learned fit{account.fit_learned}")

    panel.get_by_role("button", name="Use the learned fit").click()

    expect(page.get_by_test_id("fit-source")).to_have_text("Learned")
    expect(page.get_by_test_id("fit-value")).to_have_text(str(account.fit_learned))

    follow_menu(page, "Fit model")
    expect(page.get_by_test_id("fit-models")).to_contain_text(f"v{model.version}")
    expect(page.get_by_test_id("fit-points")).to_contain_text("Software")
