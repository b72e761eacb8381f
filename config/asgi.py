import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_asgi_application()

# Imported once Django is set up: the email tracking paths are answered before Django's
# request handling (see there). Served by gunicorn's uvicorn worker (README, "Production
# set-up"), this is the tracking server; the rest of the site works here too.
from apps.nurture.tracking_views import tracking_asgi  # noqa: E402

application = tracking_asgi(application)
