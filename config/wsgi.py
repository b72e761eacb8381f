import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

application = get_wsgi_application()

# Imported once Django is set up: the email tracking paths skip the middleware (see there).
from apps.nurture.tracking_views import bare_wsgi  # noqa: E402

application = bare_wsgi(application)
