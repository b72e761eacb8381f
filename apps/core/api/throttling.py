"""API throttles. Their rates are read at each request from REST_FRAMEWORK's
DEFAULT_THROTTLE_RATES (DRF's own classes keep the rates they saw at import); a rate of None
means no limit."""

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


class CurrentRateMixin:
    scope: str

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(CurrentRateMixin, AnonRateThrottle):
    """Per client address, for calls without a signed-in user."""


class UserThrottle(CurrentRateMixin, UserRateThrottle):
    """Per signed-in user (per client address when anonymous, as DRF's own)."""


class BulkIntakeThrottle(CurrentRateMixin, SimpleRateThrottle):
    """Bulk intake (events bulk, webhooks): a higher rate of its own, per user or address."""

    scope = "bulk"

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = user.pk if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
