import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory

from tests.admin.helpers import (
    FACTORY_BY_MODEL,
    OUR_APPS,
    admin_url,
    page_post_data,
    registered_models,
)

MODELS = registered_models()


def _label(model) -> str:
    return model._meta.label


def test_every_model_of_our_apps_has_an_admin_page():
    ours = {model for label in OUR_APPS for model in apps.get_app_config(label).get_models()}
    unregistered = {model._meta.label for model in ours - set(admin.site._registry)}
    assert unregistered == set()


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_changelist_and_search_open_for_an_admin(staff_client, model):
    FACTORY_BY_MODEL[model]()
    url = admin_url(model, "changelist")

    assert staff_client.get(url).status_code == 200
    # Searching runs every `search_fields` lookup, so a broken one shows here.
    assert staff_client.get(url, {"q": "acme"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_add_page_opens_when_adding_is_allowed(staff_client, admin_member, model):
    request = RequestFactory().get("/admin/")
    request.user = admin_member
    may_add = admin.site._registry[model].has_add_permission(request)

    response = staff_client.get(admin_url(model, "add"))

    assert response.status_code == (200 if may_add else 403)


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_change_page_opens_for_an_existing_record(staff_client, model):
    obj = FACTORY_BY_MODEL[model]()

    response = staff_client.get(admin_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert response.context["original"] == obj


@pytest.mark.parametrize("model", MODELS, ids=_label)
def test_saving_an_unchanged_change_page_succeeds(staff_client, model):
    obj = FACTORY_BY_MODEL[model]()
    url = admin_url(model, "change", obj.pk)
    page = staff_client.get(url)
    if not page.context["has_change_permission"]:
        assert staff_client.post(url, {}).status_code == 403
        return

    response = staff_client.post(url, page_post_data(page))

    errors = response.context and response.context["errors"]
    assert response.status_code == 302, errors
    assert response["Location"] == admin_url(model, "changelist")
