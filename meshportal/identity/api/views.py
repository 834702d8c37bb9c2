from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from meshportal.core.errors import DomainError
from meshportal.identity import selectors, services
from meshportal.identity.api.serializers import (
    MeSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class InvalidCredentials(DomainError):
    status_code = 400
    code = "invalid_credentials"


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Exchange a username and password for an API token (send it as ``Authorization: Token <key>``)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request: Request) -> Response:
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            services.session_login_failed_record(username=data.validated_data["username"], method="api_token")
            raise InvalidCredentials("Unable to log in with the provided username and password.")
        token = services.token_issue(user=user)  # type: ignore[arg-type]
        return Response({"token": token.key}, status=status.HTTP_200_OK)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class TeamListView(generics.ListAPIView):
    serializer_class = TeamSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.team_list(user=self.request.user)
