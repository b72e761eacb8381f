"""The fit panel on account and contact pages, the fit model page, and the API's fit block."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Account
from apps.fit.models import FitModel
from apps.fit.services import fit_model_train, fit_training_request, fits_apply
from apps.users.models import Role
from tests.factories import AccountFactory, ContactFactory, PersonaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trained(planted_world):
    return fit_training_request(by=None, in_background=False)


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


def _software_account(**fields) -> Account:
    account = AccountFactory(industry="Software", employee_count=3_000, **fields)
    fits_apply(account_ids=[account.pk])
    account.refresh_from_db()
    return account


def test_the_account_page_explains_a_learned_fit(trained, sales_rep):
    account = _software_account()

    page = _client(sales_rep).get(reverse("web:account_detail", args=[account.pk])).text

    assert 'data-testid="fit-panel"' in page
    assert f'data-testid="fit-value">{account.fit_score}<' in page
    assert ">Learned</span>" in page
    assert "Industry: Software</td>" in page and "Employees 1001–5000</td>" in page
    assert f"fit model v{trained.version}" in page
    assert "Use the learned fit" not in page  # nothing to clear, and reps may not


def test_a_marketer_clears_a_hand_set_fit_from_the_account_page(trained, marketer):
    account = _software_account(fit_score=3, fit_source=Account.FitSource.MANUAL)
    client = _client(marketer)
    url = reverse("web:account_detail", args=[account.pk])

    page = client.get(url).text
    assert ">Set by hand</span>" in page
    assert f"the learned fit would be {account.fit_learned}" in page

    response = client.post(reverse("fit:use_learned"), {"account": account.pk})

    assert response.status_code == 302 and response.url == url
    account.refresh_from_db()
    assert (account.fit_score, account.fit_source) == (account.fit_learned, "learned")


def test_reps_may_not_train_or_clear(trained, sales_rep):
    client = _client(sales_rep)

    assert client.get(reverse("fit:list")).status_code == 403
    assert client.post(reverse("fit:train")).status_code == 403
    assert client.post(reverse("fit:use_learned")).status_code == 403


def test_the_account_page_before_any_training_says_the_fit_is_set_by_hand(sales_rep):
    account = AccountFactory(fit_score=40, fit_source=Account.FitSource.MANUAL)

    page = _client(sales_rep).get(reverse("web:account_detail", args=[account.pk])).text

    assert "No fit model trained yet: the fit is the one set by hand." in page


def test_the_contact_page_explains_the_person_fit(trained, sales_rep, planted_world):
    contact = ContactFactory(
        account=_software_account(),
        persona=planted_world["personas"]["cfo"],
        buying_role="economic_buyer",
        seniority="vp",
    )
    fits_apply(contact_ids=[contact.pk])
    contact.refresh_from_db()

    page = _client(sales_rep).get(reverse("signals:contact_detail", args=[contact.pk])).text

    assert f'data-testid="fit-value">{contact.person_fit}<' in page
    assert "Persona: CFO</td>" in page and "Seniority: VP</td>" in page


def test_the_fit_model_page_lists_versions_and_points(trained, marketer):
    page = _client(marketer).get(reverse("fit:list")).text

    assert f"v{trained.version}</a>" in page and "Active" in page
    assert f"{trained.account_auc:.3f}" in page and "30 / 30" in page
    assert 'data-testid="fit-points"' in page and "Software" in page and "Retail" in page


def test_the_train_button_queues_a_training(
    planted_world, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = _client(marketer).post(reverse("fit:train"))

    assert response.status_code == 302
    model = FitModel.objects.get()
    assert model.status == FitModel.Status.TRAINING and model.trained_by == marketer
    assert len(callbacks) == 1
    assert fit_model_train(fit_model_id=model.pk).status == FitModel.Status.ACTIVE
    assert fit_model_train(fit_model_id=model.pk) is None  # a second delivery does nothing


def test_the_train_button_says_why_it_refuses(marketer):
    client = _client(marketer)

    response = client.post(reverse("fit:train"), follow=True)

    assert "Too few closed deals to learn from: 0 accounts won and 0 lost" in response.text
    assert not FitModel.objects.exists()


def test_pages_run_a_constant_number_of_queries(trained, marketer):
    client = _client(marketer)
    account = _software_account()
    ContactFactory(account=account, persona=PersonaFactory())
    account_url = reverse("web:account_detail", args=[account.pk])
    one_account = _queries(client, account_url, shows="fit-panel")
    one_list = _queries(client, reverse("fit:list"), shows="fit-points")

    for _ in range(10):
        ContactFactory(account=account, persona=PersonaFactory())
    for _ in range(3):
        fit_training_request(by=marketer, in_background=False)

    assert _queries(client, account_url, shows="fit-panel") == one_account
    assert _queries(client, reverse("fit:list"), shows="v4</a>") == one_list


def test_the_api_shows_the_fit_with_its_contributions(trained, api_client):
    account = _software_account()
    client = api_client(UserFactory(role=Role.SALES))

    body = client.get(f"/api/v1/accounts/{account.pk}/").json()

    assert body["fit_score"] == body["fit_learned"] == body["fit"]["fit"]
    assert body["fit_source"] == "learned"
    fit = body["fit"]
    assert fit["model_version"] == trained.version and fit["source_label"] == "Learned"
    labels = [item["label"] for item in fit["contributions"]]
    assert labels[0] == "Industry: Software"
    total = fit["base"] + sum(item["points"] for item in fit["contributions"])
    assert round(total) == fit["learned"]


def test_the_api_overrides_and_clears_the_fit(trained, api_client):
    account = _software_account()
    client = api_client(UserFactory(role=Role.ADMIN))
    url = f"/api/v1/accounts/{account.pk}/"

    body = client.patch(url, {"fit_score": 12}, format="json").json()
    assert (body["fit_score"], body["fit_source"]) == (12, "manual")
    assert body["fit"]["source_label"] == "Set by hand"

    body = client.patch(url, {"fit_source": "learned"}, format="json").json()
    assert (body["fit_score"], body["fit_source"]) == (account.fit_learned, "learned")


def test_api_lists_with_fits_run_a_constant_number_of_queries(trained, api_client):
    client = api_client(UserFactory(role=Role.SALES))

    def count(endpoint: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/{endpoint}/?page_size=100").status_code == 200
        return len(queries)

    count("accounts")  # the user's permissions are read on the first call
    few = count("accounts"), count("contacts")
    for _ in range(10):
        ContactFactory(account=_software_account(), persona=PersonaFactory())
    assert (count("accounts"), count("contacts")) == few
