import binascii
from hmac import compare_digest

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed


class ExpiringTokenAuthentication(TokenAuthentication):
    """django-rest-knox's tokens (`Authorization: Token <token>`), found by their first
    characters and checked against the digest the database keeps; an expired one is refused
    with a message that says so, and the token endpoint gives a new one. (Knox's own check
    also reads every token of the user on each call to delete the expired ones; here they go
    when the user gets a new one.)"""

    def authenticate_credentials(self, token: bytes):
        text = token.decode(errors="replace")
        try:
            digest = hash_token(text)
        except (TypeError, ValueError, binascii.Error) as error:
            raise AuthenticationFailed("Invalid token.") from error
        candidates = AuthToken.objects.filter(
            token_key=text[: CONSTANTS.TOKEN_KEY_LENGTH]
        ).select_related("user")
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry <= timezone.now():
                raise AuthenticationFailed(
                    "Token has expired; get a new one at /api/v1/auth/token/."
                )
            return self.validate_user(auth_token)
        raise AuthenticationFailed("Invalid token.")


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    """The token in the API schema (`Authorization: Token <token>`), named as DRF's was."""

    target_class = ExpiringTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
