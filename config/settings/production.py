"""Production: every secret comes from the environment and has no default."""

from config.env import database, env
from config.settings.base import *  # noqa: F403

SECRET_KEY = env("DJANGO_SECRET_KEY")
# A new connection per request costs a few milliseconds: keep them for ten minutes by default.
DATABASES = {"default": database(conn_max_age=600)}
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
ADMIN_REQUIRE_2FA = env.bool("ADMIN_REQUIRE_2FA", default=True)

# WhiteNoise serves the collected static files right after the security middleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]  # noqa: F405

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# HTTPS only. Behind a proxy that terminates TLS, the proxy must set X-Forwarded-Proto (and
# strip a client's own); one that redirects to HTTPS itself may turn Django's redirect off.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
