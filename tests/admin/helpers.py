"""What the admin tests share: which models are ours, how to build one, how to post a page."""

from django.contrib import admin
from django.db.models import Model
from django.forms import FileInput, MultiWidget
from django.urls import reverse

from apps.core.audit import is_history
from tests import factories

OUR_APPS = (
    "users",
    "personas",
    "journeys",
    "accounts",
    "pipeline",
    "content",
    "campaigns",
    "engagement",
    "fit",
    "nurture",
    "enablement",
    "imports",
    "privacy",
)

FACTORY_BY_MODEL = {
    factory._meta.model: factory for factory in map(factories.__dict__.get, factories.__all__)
}


def registered_models() -> list[type[Model]]:
    """Every model of our apps (the user model among them) that has a page in the admin; the
    audit trail's historical models, read-only pages of their own, are tested in tests/audit."""
    ours = (
        model
        for model in admin.site._registry
        if model._meta.app_label in OUR_APPS and not is_history(model)
    )
    return sorted(ours, key=lambda model: model._meta.label)


def admin_url(model: type[Model], view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def page_post_data(response) -> dict:
    """What a browser posts back for an admin add/change page left as rendered."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            widget = bound.field.widget
            if isinstance(widget, MultiWidget):  # e.g. a date-time shown as a date and a time
                parts = ("" if part is None else part for part in widget.decompress(value))
                names = (bound.html_name + suffix for suffix in widget.widgets_names)
                data.update(zip(names, parts, strict=True))
            elif isinstance(widget, FileInput):  # a browser posts the file itself, or nothing
                continue
            elif value is True:
                data[bound.html_name] = "on"
            elif value is not None and value is not False:
                data[bound.html_name] = value
    return data
