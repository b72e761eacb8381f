from django.contrib import admin
from django.test import RequestFactory

from apps.content.models import Asset


def test_a_link_typed_without_a_scheme_is_taken_as_https(admin_member):
    request = RequestFactory().get("/")
    request.user = admin_member
    form = admin.site._registry[Asset].get_form(request)()

    assert form.fields["url"].clean("acme.example/guide") == "https://acme.example/guide"
