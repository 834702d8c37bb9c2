from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from meshportal.aws import services as aws_services
from meshportal.aws.models import GovernanceSettings
from meshportal.core.api import PlatformAdminWrites, acting_user
from provisioning import selectors, services
from provisioning.api.serializers import (
    AwsAccountSerializer,
    AwsAccountUpdateSerializer,
    AwsCallAttemptSerializer,
    CatalogRegistrationSerializer,
    DriftFindingSerializer,
    GovernanceModelChangeSerializer,
    GovernanceSettingsSerializer,
    ModelChangePreviewSerializer,
    ModelChangeRequestSerializer,
    ProvisioningJobSerializer,
)
from provisioning.models import (
    AwsCallAttempt,
    CatalogRegistration,
    DriftFinding,
    GovernanceModelChange,
    ProvisioningJob,
)


class AccountListView(generics.ListAPIView):
    """Registered AWS accounts. Platform admins register new ones with POST."""

    serializer_class = AwsAccountSerializer
    filterset_fields = ["role", "is_active"]
    permission_classes = [PlatformAdminWrites]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.account_list(user=self.request.user)

    @extend_schema(request=AwsAccountSerializer, responses={201: AwsAccountSerializer})
    def post(self, request: Request) -> Response:
        data = AwsAccountSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = aws_services.account_register(actor=acting_user(request), **data.validated_data)
        return Response(AwsAccountSerializer(account).data, status=status.HTTP_201_CREATED)


class AccountDetailView(APIView):
    permission_classes = [PlatformAdminWrites]

    @extend_schema(responses=AwsAccountSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(AwsAccountSerializer(selectors.account_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=AwsAccountUpdateSerializer, responses=AwsAccountSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        account = selectors.account_get_for_user(user=request.user, pk=pk)
        data = AwsAccountUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        account = aws_services.account_update(actor=acting_user(request), account=account, **data.validated_data)
        return Response(AwsAccountSerializer(account).data)


class AccountTestConnectionView(APIView):
    permission_classes = [PlatformAdminWrites]

    @extend_schema(request=None, responses=AwsAccountSerializer)
    def post(self, request: Request, pk: int) -> Response:
        account = selectors.account_get_for_user(user=request.user, pk=pk)
        account = aws_services.account_test_connection(actor=acting_user(request), account=account)
        return Response(AwsAccountSerializer(account).data)


class GovernanceView(APIView):
    permission_classes = [PlatformAdminWrites]

    @extend_schema(responses=GovernanceSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(GovernanceSettingsSerializer(aws_services.governance_settings_get()).data)

    @extend_schema(request=GovernanceSettingsSerializer, responses=GovernanceSettingsSerializer)
    def patch(self, request: Request) -> Response:
        data = GovernanceSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        settings = aws_services.governance_settings_update(actor=acting_user(request), **data.validated_data)
        return Response(GovernanceSettingsSerializer(settings).data)


class GovernanceModelPreviewView(APIView):
    """What switching the governance model to ``?model=`` would do, before it runs. Platform admins only."""

    @extend_schema(
        parameters=[OpenApiParameter("model", str, required=True, enum=GovernanceSettings.Model.values)],
        responses=ModelChangePreviewSerializer,
    )
    def get(self, request: Request) -> Response:
        model = request.query_params.get("model", "")
        preview = services.governance_model_preview(actor=acting_user(request), model=model)
        return Response(ModelChangePreviewSerializer(preview.as_dict()).data)


class GovernanceModelChangeListView(generics.ListAPIView):
    """Governance model switches with their progress (admins and auditors). Platform admins switch with POST:
    ``{"model": "central", "confirmation": "central"}``; refused before anything runs when the preview names a
    problem (a line of business without a central account)."""

    serializer_class = GovernanceModelChangeSerializer
    permission_classes = [PlatformAdminWrites]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return GovernanceModelChange.objects.none()
        return selectors.model_change_list(user=self.request.user)

    @extend_schema(request=ModelChangeRequestSerializer, responses={201: GovernanceModelChangeSerializer})
    def post(self, request: Request) -> Response:
        data = ModelChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        change = services.governance_model_change(actor=acting_user(request), **data.validated_data)
        change = selectors.model_change_get_for_user(user=request.user, pk=change.pk)
        return Response(GovernanceModelChangeSerializer(change).data, status=status.HTTP_201_CREATED)


class GovernanceModelChangeDetailView(generics.RetrieveAPIView):
    serializer_class = GovernanceModelChangeSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return GovernanceModelChange.objects.none()
        return selectors.model_change_list(user=self.request.user)


class CatalogRegistrationListView(generics.ListAPIView):
    """Central catalog registrations and schema syncs with their schema diffs, newest first (admins, auditors)."""

    serializer_class = CatalogRegistrationSerializer
    filterset_fields = ["port", "action", "status", "central_account_id"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return CatalogRegistration.objects.none()
        return selectors.registration_list(user=self.request.user)


class ProvisioningJobListView(generics.ListAPIView):
    """Provisioning jobs (grant and revoke) for the grants you may see, with their plans."""

    serializer_class = ProvisioningJobSerializer
    filterset_fields = ["grant", "action", "status"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return ProvisioningJob.objects.none()
        return selectors.job_list(user=self.request.user)


class GrantCallListView(generics.ListAPIView):
    """Every AWS call made for one grant, oldest first: the provisioning timeline."""

    serializer_class = AwsCallAttemptSerializer
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return AwsCallAttempt.objects.none()
        return selectors.grant_timeline(user=self.request.user, grant_id=self.kwargs["pk"])["calls"]


class DriftFindingListView(generics.ListAPIView):
    """Drift between the portal's grants and Lake Formation, newest first. Admins and auditors only."""

    serializer_class = DriftFindingSerializer
    filterset_fields = ["kind", "status", "account_id"]

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return DriftFinding.objects.none()
        return selectors.drift_list(user=self.request.user)


class ReconcileView(APIView):
    @extend_schema(request=None, responses={202: None})
    def post(self, request: Request) -> Response:
        """Run the reconciler now (platform admins)."""
        services.reconcile_request(actor=acting_user(request))
        return Response(status=status.HTTP_202_ACCEPTED)
