"""Every content type (and so every permission an admin can grant) names a model that exists:
a model moved or removed takes its content type along in a migration."""

import pytest
from django.contrib.contenttypes.models import ContentType

pytestmark = pytest.mark.django_db


def test_the_migrated_database_has_no_stale_content_types():
    stale = [
        f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all() if not ct.model_class()
    ]

    assert stale == []
