import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse

from apps.accounts.models import Contact
from apps.privacy.selectors import contact_personal_data


def personal_data_download(*, contact: Contact) -> HttpResponse:
    """The subject access export as a JSON file to save (admin and API answer with it)."""
    body = json.dumps(contact_personal_data(contact=contact), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    name = f"personal-data-contact-{contact.pk}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
