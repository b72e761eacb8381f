"""Admin: a fit score typed in is set by hand; "Learned" hands it back to the learned fit."""

import pytest

from apps.accounts.models import Account
from tests.admin.helpers import admin_url, page_post_data
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db


def _change(client, account, **fields):
    url = admin_url(Account, "change", account.pk)
    response = client.post(url, page_post_data(client.get(url)) | fields, follow=True)
    account.refresh_from_db()
    return response


def test_a_fit_typed_in_admin_is_set_by_hand_and_learned_takes_it_back(staff_client):
    account = AccountFactory(fit_score=40, fit_learned=55)

    _change(staff_client, account, fit_score="80")
    assert (account.fit_score, account.fit_source) == (80, "manual")

    _change(staff_client, account, fit_source="learned")
    assert (account.fit_score, account.fit_source) == (55, "learned")


def test_learned_with_nothing_learned_keeps_the_fit_set_by_hand(staff_client):
    account = AccountFactory(fit_score=40, fit_source=Account.FitSource.MANUAL)

    response = _change(staff_client, account, fit_source="learned")

    assert (account.fit_score, account.fit_source) == (40, "manual")
    assert "No learned fit yet: the fit stays set by hand." in response.text


def test_the_use_learned_fit_action(staff_client):
    manual = AccountFactory(fit_score=10, fit_source=Account.FitSource.MANUAL, fit_learned=60)
    unlearned = AccountFactory(fit_score=20, fit_source=Account.FitSource.MANUAL)

    response = staff_client.post(
        admin_url(Account, "changelist"),
        {"action": "use_learned_fit", "_selected_action": [manual.pk, unlearned.pk]},
        follow=True,
    )

    assert "1 account now follows the learned fit." in response.text
    manual.refresh_from_db()
    unlearned.refresh_from_db()
    assert (manual.fit_score, manual.fit_source) == (60, "learned")
    assert (unlearned.fit_score, unlearned.fit_source) == (20, "manual")
