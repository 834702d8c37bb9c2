from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meshportal.core.api import acting_user
from meshportal.core.errors import DomainError
from meshportal.identity import selectors, tokens
from meshportal.identity.api.serializers import (
    ApiTokenSerializer,
    MeSerializer,
    NewTokenSerializer,
    TeamSerializer,
    TokenRequestSerializer,
)
from meshportal.identity.models import ApiToken, User
from meshportal.identity.throttling import (
    LOCKED_OUT_MESSAGE,
    LockedOut,
    TokenAddressThrottle,
    TokenUsernameThrottle,
    is_locked_out,
)


class InvalidCredentials(DomainError):
    status_code = 400
    code = "invalid_credentials"


class TokenView(APIView):
    """Exchange a username and password for a new personal API token (send it as ``Authorization: Token <key>``).

    Each call issues a new token, shown in this response only. Throttled per client address and per user
    name; repeated failures lock the account and the address for a while (429 ``locked_out``).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenAddressThrottle, TokenUsernameThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={201: NewTokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # authenticate() goes through axes (refuses a locked-out account or address) and sends
        # user_login_failed on a failure, which identity.login_audit records.
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if is_locked_out(request._request):
            raise LockedOut(LOCKED_OUT_MESSAGE)
        if not isinstance(user, User) or not user.is_active:
            raise InvalidCredentials("Unable to log in with the provided username and password.")
        # A token exchange is a login without a session: tell the login audit (and axes) as login() would.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, key = tokens.api_token_create(
            user=user,
            name=data.validated_data.get("name", ""),
            expires_in_days=data.validated_data.get("expires_in_days"),
        )
        token.token = key  # type: ignore[attr-defined]
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenListView(generics.ListAPIView):
    """Your own API tokens that still work (never their keys)."""

    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; get_queryset narrows to the acting user's tokens

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return tokens.api_token_list(user=acting_user(self.request))


class TokenDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Revoke one of your API tokens: it stops working at once."""
        user = acting_user(request)
        token: ApiToken = tokens.api_token_get_for_user(user=user, pk=pk)
        tokens.api_token_revoke(actor=user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class TeamListView(generics.ListAPIView):
    serializer_class = TeamSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.team_list(user=self.request.user)
