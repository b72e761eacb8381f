"""The learned fit on accounts and contacts: overrides, explanations and what scoring reads."""

import pytest

from apps.accounts.models import Account
from apps.accounts.services import account_update, accounts_fit_use_learned, contact_update
from apps.core.exceptions import ApplicationError
from apps.engagement.models import ContactScore
from apps.engagement.services import scores_recompute
from apps.fit import selectors
from apps.fit.services import fit_training_request, fits_apply
from tests.factories import AccountFactory, ContactFactory, ScoringSettingsFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(planted_world):
    return fit_training_request(by=None, in_background=False)


def test_a_fit_set_by_hand_wins_and_clearing_it_returns_to_the_learned_fit(trained):
    account = AccountFactory(industry="Software", employee_count=3_000)
    fits_apply(account_ids=[account.pk])
    account.refresh_from_db()
    learned = account.fit_learned
    assert account.fit_score == learned

    account = account_update(account=account, data={"fit_score": 5})
    assert (account.fit_score, account.fit_source) == (5, Account.FitSource.MANUAL)
    fits_apply()  # a later training or the nightly run leaves it alone
    account.refresh_from_db()
    assert (account.fit_score, account.fit_learned) == (5, learned)

    account = account_update(account=account, data={"fit_source": "learned"})
    assert (account.fit_score, account.fit_source) == (learned, Account.FitSource.LEARNED)

    account_update(account=account, data={"fit_score": 9})
    assert accounts_fit_use_learned(accounts=Account.objects.filter(pk=account.pk)) == 1
    account.refresh_from_db()
    assert account.fit_score == learned


def test_clearing_an_override_with_nothing_learned_is_refused(db):
    account = AccountFactory(fit_score=60, fit_source=Account.FitSource.MANUAL)

    with pytest.raises(ApplicationError, match="No learned fit yet"):
        account_update(account=account, data={"fit_source": "learned"})


def test_a_changed_account_or_contact_gets_its_fit_at_once(trained):
    account = AccountFactory(industry="Retail", employee_count=20)
    fits_apply(account_ids=[account.pk])
    account.refresh_from_db()
    low = account.fit_score

    account = account_update(
        account=account, data={"industry": "Software", "employee_count": 3_000}
    )
    assert account.fit_score > low

    contact = ContactFactory(account=account, seniority="individual", buying_role="end_user")
    fits_apply(contact_ids=[contact.pk])
    contact.refresh_from_db()
    junior = contact.person_fit
    contact = contact_update(contact=contact, data={"seniority": "vp"})
    assert contact.person_fit > junior


@pytest.mark.parametrize("kind", ["account", "person"])
def test_the_explanation_adds_up_to_the_fit(trained, planted_world, kind):
    context = selectors.fit_context()
    for account in planted_world["won"][:5] + planted_world["lost"][:5]:
        account.refresh_from_db()
        if kind == "account":
            explained = selectors.account_fit_explain(account=account, context=context)
        else:
            contact = account.contacts.get()
            explained = selectors.contact_fit_explain(contact=contact, context=context)
        total = explained.base + sum(c.points for c in explained.contributions)
        assert round(total) == explained.learned
        assert (
            abs(
                round(explained.base)
                + sum(round(c.points) for c in explained.contributions)
                - explained.learned
            )
            <= 2
        )
    labels = [c.label for c in explained.contributions]
    if kind == "account":
        assert labels[0] == "Industry: Retail" and labels[3] == "Employees 1–50"
    else:
        assert labels == [
            "Persona: AP clerk",
            "Buying role: End user",
            "Seniority: Individual contributor",
        ]


def test_scoring_reads_the_learned_fit(trained):
    ScoringSettingsFactory(
        firmographic_fit_points=20, persona_fit_points=10, buying_role_points={"champion": 50}
    )
    account = AccountFactory(industry="Software", employee_count=3_000)
    contact = ContactFactory(account=account, seniority="vp", buying_role="champion")
    fits_apply(account_ids=[account.pk])
    account.refresh_from_db()
    contact.refresh_from_db()

    scores_recompute(account_ids=[account.pk])
    fit = ContactScore.objects.get(contact=contact).fit
    # The learned person fit replaces the hand-set persona and buying-role points.
    assert float(fit) == pytest.approx(account.fit_score * 0.2 + contact.person_fit * 0.1, abs=0.01)

    account_update(account=account, data={"fit_score": 0})
    scores_recompute(account_ids=[account.pk])
    assert float(ContactScore.objects.get(contact=contact).fit) == pytest.approx(
        contact.person_fit * 0.1, abs=0.01
    )


def test_without_a_fit_model_scoring_counts_the_hand_set_points(db):
    ScoringSettingsFactory(
        firmographic_fit_points=20, persona_fit_points=10, buying_role_points={"champion": 5}
    )
    account = AccountFactory(fit_score=50)
    contact = ContactFactory(account=account, buying_role="champion")

    scores_recompute(account_ids=[account.pk])

    assert float(ContactScore.objects.get(contact=contact).fit) == pytest.approx(10 + 5)
