"""The API token endpoints: get a token with a username and password, revoke your own."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.users.models import User
from apps.users.services import api_token_issue, api_tokens_revoke


class TokenInputSerializer(serializers.Serializer):
    # No longer than a username can be (the lockout records the name tried, too).
    username = serializers.CharField(max_length=User._meta.get_field("username").max_length)
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="Shown this once: keep it. Waymark keeps only a digest of it."
    )
    expires_at = serializers.DateTimeField()


class ObtainTokenView(APIView):
    """A new API token (one per script or integration; the ones you have keep working until
    they expire or are revoked). Failed attempts count towards the login lockout, as on every
    login path."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenInputSerializer, responses=TokenOutputSerializer)
    def post(self, request):
        data = TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Django's own request, so that django-axes counts the attempt and can lock it out.
        user = authenticate(request._request, **data.validated_data)
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": ["Unable to log in with the username and password given."]}
            )
        issued, token = api_token_issue(user=user)
        output = {"token": token, "expires_at": issued.expiry}
        return Response(TokenOutputSerializer(output).data)


class RevokeTokenView(APIView):
    """Revoke every API token of yours at once; get a new one from the token endpoint."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_tokens_revoke(users=[request.user])
        return Response(status=status.HTTP_204_NO_CONTENT)
