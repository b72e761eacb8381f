from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from apps.users.services import api_token_expired


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, refused once API_TOKEN_TTL_DAYS old; the token endpoint gives a new one."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token=token):
            raise AuthenticationFailed("Token has expired; get a new one at /api/v1/auth/token/.")
        return user, token
