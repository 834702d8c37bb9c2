"""The REST front door of the consumer-role registry: a team's roles, a person's own roles, and the platform
admins' approval of personal roles. Every write calls ``meshportal.aws.consumer_roles``."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meshportal.aws import consumer_roles, footprints, selectors
from meshportal.aws.api.serializers import (
    ConsumerRoleCreateSerializer,
    ConsumerRoleSerializer,
    ConsumerRoleUpdateSerializer,
    GlueFootprintSerializer,
)
from meshportal.aws.models import ConsumerRole, GlueFootprint
from meshportal.core.api import PlatformAdminWrites, acting_user


class FootprintListView(generics.ListAPIView):
    """Who owns which Glue databases: every claim for platform admins and auditors, your teams' for others.
    Platform admins add one with POST."""

    serializer_class = GlueFootprintSerializer
    permission_classes = [PlatformAdminWrites]
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return GlueFootprint.objects.none()
        return footprints.footprint_list(user=self.request.user)

    @extend_schema(request=GlueFootprintSerializer, responses={201: GlueFootprintSerializer})
    def post(self, request: Request) -> Response:
        data = GlueFootprintSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        footprint = footprints.footprint_claim(actor=acting_user(request), **data.validated_data)
        return Response(GlueFootprintSerializer(footprint).data, status=status.HTTP_201_CREATED)


class FootprintDetailView(APIView):
    permission_classes = [PlatformAdminWrites]

    @extend_schema(responses=GlueFootprintSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(GlueFootprintSerializer(footprints.footprint_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        footprint = footprints.footprint_get_for_user(user=request.user, pk=pk)
        footprints.footprint_release(actor=acting_user(request), footprint=footprint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamRoleListView(generics.ListAPIView):
    """A team's registered IAM roles (its members, platform admins and auditors). Team leads and platform
    admins register one with POST: the portal checks the ARN, the account and, through IAM GetRole, that the
    role exists."""

    serializer_class = ConsumerRoleSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return ConsumerRole.objects.none()
        team = selectors.team_get_for_roles(user=self.request.user, slug=self.kwargs["slug"])
        return selectors.consumer_role_list(team=team)

    @extend_schema(request=ConsumerRoleCreateSerializer, responses={201: ConsumerRoleSerializer})
    def post(self, request: Request, slug: str) -> Response:
        team = selectors.team_get_for_roles(user=request.user, slug=slug)
        data = ConsumerRoleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = consumer_roles.consumer_role_register(actor=acting_user(request), team=team, **data.validated_data)
        return Response(ConsumerRoleSerializer(role).data, status=status.HTTP_201_CREATED)


class TeamRoleDetailView(APIView):
    def _role(self, request: Request, slug: str, pk: int) -> ConsumerRole:
        team = selectors.team_get_for_roles(user=request.user, slug=slug)
        return selectors.consumer_role_get(team=team, pk=pk)

    @extend_schema(responses=ConsumerRoleSerializer)
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(ConsumerRoleSerializer(self._role(request, slug, pk)).data)

    @extend_schema(request=ConsumerRoleUpdateSerializer, responses=ConsumerRoleSerializer)
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        role = self._role(request, slug, pk)
        data = ConsumerRoleUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        role = consumer_roles.consumer_role_update(actor=acting_user(request), role=role, **data.validated_data)
        return Response(ConsumerRoleSerializer(role).data)

    @extend_schema(request=ConsumerRoleUpdateSerializer, responses=ConsumerRoleSerializer)
    def put(self, request: Request, slug: str, pk: int) -> Response:
        return self.patch(request, slug, pk)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        consumer_roles.consumer_role_remove(actor=acting_user(request), role=self._role(request, slug, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyRoleListView(generics.ListAPIView):
    """Your personal IAM roles. Register one with POST; a platform admin approves it before you can name it in
    an access request."""

    serializer_class = ConsumerRoleSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.personal_role_list(user=self.request.user)

    @extend_schema(request=ConsumerRoleCreateSerializer, responses={201: ConsumerRoleSerializer})
    def post(self, request: Request) -> Response:
        data = ConsumerRoleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        role = consumer_roles.consumer_role_register(actor=acting_user(request), team=None, **data.validated_data)
        return Response(ConsumerRoleSerializer(role).data, status=status.HTTP_201_CREATED)


class MyRoleDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Remove one of your personal roles."""
        user = acting_user(request)
        role = selectors.personal_role_get_for_user(user=user, pk=pk)
        consumer_roles.consumer_role_remove(actor=user, role=role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonalRoleApproveView(APIView):
    @extend_schema(request=None, responses=ConsumerRoleSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """A platform admin approves a personal role waiting for approval."""
        user = acting_user(request)
        role = selectors.personal_role_get_for_user(user=user, pk=pk)
        return Response(ConsumerRoleSerializer(consumer_roles.consumer_role_approve(actor=user, role=role)).data)


class UsableRoleListView(generics.ListAPIView):
    """The roles you may name in an access request: your teams' active roles and your approved personal
    roles."""

    serializer_class = ConsumerRoleSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.usable_roles(user=self.request.user)
