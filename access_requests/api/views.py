"""REST front door of access requests and grants: parse, call the same services as the UI, render."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access_requests import selectors, services
from access_requests.api.serializers import (
    AccessRequestCreateSerializer,
    AccessRequestSerializer,
    ApproveSerializer,
    ExtendSerializer,
    GrantSerializer,
    PortPolicySerializer,
    ReasonSerializer,
    RejectSerializer,
)
from access_requests.filtersets import AccessRequestFilter, GrantFilter
from access_requests.models import AccessRequest, Grant
from meshportal.core.api import acting_user


class AccessRequestListView(generics.ListAPIView):
    """Access requests you may see (your own; your team's products'; your domains'; all for admins and
    auditors). POST asks for access; the answer says how the port's policy decided it."""

    serializer_class = AccessRequestSerializer
    filterset_class = AccessRequestFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return AccessRequest.objects.none()
        return selectors.access_request_list(user=self.request.user)

    @extend_schema(request=AccessRequestCreateSerializer, responses={201: AccessRequestSerializer})
    def post(self, request: Request) -> Response:
        data = AccessRequestCreateSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = services.access_request_create(actor=acting_user(request), **data.validated_data)
        return Response(
            AccessRequestSerializer(selectors.access_request_get_for_user(user=request.user, pk=created.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class AccessRequestDetailView(APIView):
    @extend_schema(responses=AccessRequestSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AccessRequestSerializer(selectors.access_request_get_for_user(user=request.user, pk=pk)).data)


def _request_answer(request: Request, pk: int) -> Response:
    return Response(AccessRequestSerializer(selectors.access_request_get_for_user(user=request.user, pk=pk)).data)


class AccessRequestApproveView(APIView):
    @extend_schema(
        request=ApproveSerializer,
        responses=AccessRequestSerializer,
        description="Approve the pending stage you name (and the request's version you saw): a stale decision is "
        "answered 409 stale_decision with the current state. Never your own request; never two stages of one "
        "request.",
    )
    def post(self, request: Request, pk: int) -> Response:
        access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_approve(request=access_request, actor=acting_user(request), **data.validated_data)
        return _request_answer(request, pk)


class AccessRequestRejectView(APIView):
    @extend_schema(
        request=RejectSerializer,
        responses=AccessRequestSerializer,
        description="Reject the pending stage you name (and the request's version you saw), with a reason "
        "(required); a stale decision is answered 409 stale_decision with the current state.",
    )
    def post(self, request: Request, pk: int) -> Response:
        access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.access_request_reject(request=access_request, actor=acting_user(request), **data.validated_data)
        return _request_answer(request, pk)


class AccessRequestWithdrawView(APIView):
    @extend_schema(
        request=None,
        responses=AccessRequestSerializer,
        description="The requester withdraws a request; after approval this also ends the grant.",
    )
    def post(self, request: Request, pk: int) -> Response:
        access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
        services.access_request_withdraw(request=access_request, actor=acting_user(request))
        return _request_answer(request, pk)


class GrantListView(generics.ListAPIView):
    """Grants you may see, newest first."""

    serializer_class = GrantSerializer
    filterset_class = GrantFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Grant.objects.none()
        return selectors.grant_list(user=self.request.user)


def _grant_answer(request: Request, pk: int) -> Response:
    return Response(GrantSerializer(selectors.grant_get_for_user(user=request.user, pk=pk)).data)


class GrantDetailView(APIView):
    @extend_schema(responses=GrantSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _grant_answer(request, pk)


class GrantRevokeView(APIView):
    @extend_schema(
        request=ReasonSerializer,
        responses=GrantSerializer,
        description="The owning team or a platform admin ends a grant, with a reason (required).",
    )
    def post(self, request: Request, pk: int) -> Response:
        grant = selectors.grant_get_for_user(user=request.user, pk=pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.grant_revoke(grant=grant, actor=acting_user(request), **data.validated_data)
        return _grant_answer(request, pk)


class GrantRetryView(APIView):
    @extend_schema(request=None, responses=GrantSerializer, description="Try a failed grant again.")
    def post(self, request: Request, pk: int) -> Response:
        grant = selectors.grant_get_for_user(user=request.user, pk=pk)
        services.grant_retry(grant=grant, actor=acting_user(request))
        return _grant_answer(request, pk)


class GrantExtendView(APIView):
    @extend_schema(
        request=ExtendSerializer,
        responses={201: AccessRequestSerializer},
        description="Ask to keep an active grant longer; decided by the port's policy like a new request.",
    )
    def post(self, request: Request, pk: int) -> Response:
        grant = selectors.grant_get_for_user(user=request.user, pk=pk)
        data = ExtendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.access_request_extend(grant=grant, actor=acting_user(request), **data.validated_data)
        return Response(
            AccessRequestSerializer(selectors.access_request_get_for_user(user=request.user, pk=extension.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PortPolicyView(APIView):
    """How requests to an output port are approved. Everyone who may see the product reads it; the owning
    team and platform admins change it (sensitive data stays two-stage whatever is chosen)."""

    @extend_schema(responses=PortPolicySerializer)
    def get(self, request: Request, pk: int) -> Response:
        port = selectors.port_for_request(user=request.user, pk=pk)
        return Response(PortPolicySerializer(port).data)

    @extend_schema(request=PortPolicySerializer, responses=PortPolicySerializer)
    def put(self, request: Request, pk: int) -> Response:
        port = selectors.port_for_request(user=request.user, pk=pk)
        data = PortPolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        port = services.access_policy_set(port=port, actor=acting_user(request), **data.validated_data)
        return Response(PortPolicySerializer(port).data)
