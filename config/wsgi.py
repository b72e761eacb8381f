import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Imported once Django is set up: the email tracking paths are answered before Django's
# request handling (see there); a tracking server of its own serves `config/asgi.py`.
from apps.nurture.tracking_views import tracking_wsgi  # noqa: E402

application = tracking_wsgi(application)
