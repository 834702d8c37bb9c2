from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meshportal.aws import footprints
from meshportal.aws.api.serializers import GlueFootprintSerializer
from meshportal.aws.models import GlueFootprint
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
