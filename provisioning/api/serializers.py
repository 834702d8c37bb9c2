from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meshportal.aws.models import AwsAccount, GovernanceSettings
from provisioning.models import (
    AwsCallAttempt,
    CatalogRegistration,
    DriftFinding,
    GovernanceModelChange,
    ProvisioningJob,
)
from provisioning.selectors import model_change_progress


class AwsAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwsAccount
        fields = [
            "id",
            "account_id",
            "name",
            "role",
            "line_of_business",
            "region",
            "role_arn",
            "external_id",
            "organization_id",
            "is_active",
            "last_tested_at",
            "last_test_ok",
            "last_test_message",
        ]
        read_only_fields = ["id", "last_tested_at", "last_test_ok", "last_test_message"]


class AwsAccountUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwsAccount
        fields = [
            "name",
            "role",
            "line_of_business",
            "region",
            "role_arn",
            "external_id",
            "organization_id",
            "is_active",
        ]


class GovernanceSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = GovernanceSettings
        fields = ["model", "repair_missing_grants", "updated_at"]
        # The model changes only through a previewed, confirmed switch (``api-governance-model-change-list``).
        read_only_fields = ["model", "updated_at"]


class ProvisioningJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisioningJob
        fields = [
            "id",
            "grant",
            "action",
            "status",
            "grantor_account_id",
            "plan",
            "steps_done",
            "attempts",
            "enqueued_at",
            "claimed_at",
            "next_attempt_at",
            "finished_at",
            "last_error_code",
            "last_error",
            "created_at",
        ]
        read_only_fields = fields


class AwsCallAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwsCallAttempt
        fields = [
            "id",
            "call_id",
            "job",
            "grant",
            "service",
            "operation",
            "account_id",
            "request_summary",
            "outcome",
            "error_code",
            "error_message",
            "duration_ms",
            "started_at",
        ]
        read_only_fields = fields


class DriftFindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DriftFinding
        fields = [
            "id",
            "run",
            "kind",
            "status",
            "account_id",
            "principal",
            "resource",
            "expected_permissions",
            "actual_permissions",
            "grant",
            "found_at",
            "resolved_at",
        ]
        read_only_fields = fields


class ModelChangeRequestSerializer(serializers.Serializer):
    model = serializers.ChoiceField(choices=GovernanceSettings.Model.choices)
    confirmation = serializers.CharField(max_length=32, help_text="Type the new model's value to confirm.")


class RegistrationPreviewSerializer(serializers.Serializer):
    port_id = serializers.IntegerField()
    product = serializers.CharField()
    producer_table = serializers.CharField()
    central_entry = serializers.CharField()


class GrantPreviewSerializer(serializers.Serializer):
    grant_id = serializers.IntegerField()
    product = serializers.CharField()
    principal = serializers.CharField()
    applied_by = serializers.CharField(help_text="Where the grant was applied: its revocation goes there.")
    new_grantor = serializers.CharField(help_text="Who grants new requests on this port after the switch.")


class ModelChangePreviewSerializer(serializers.Serializer):
    from_model = serializers.CharField()
    to_model = serializers.CharField()
    registrations = RegistrationPreviewSerializer(many=True)
    already_registered = serializers.IntegerField()
    grants = GrantPreviewSerializer(many=True)
    problems = serializers.ListField(child=serializers.CharField())
    allowed = serializers.BooleanField()


class CatalogRegistrationSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogRegistration
        fields = [
            "id",
            "port",
            "action",
            "status",
            "central_account_id",
            "central_database",
            "central_table",
            "columns",
            "diff",
            "steps_done",
            "attempts",
            "last_error_code",
            "last_error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ModelChangeProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    failed = serializers.IntegerField()
    waiting = serializers.IntegerField()


class GovernanceModelChangeSerializer(serializers.ModelSerializer):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    progress = serializers.SerializerMethodField()
    registrations = CatalogRegistrationSerializer(many=True, read_only=True)

    class Meta:
        model = GovernanceModelChange
        fields = ["id", "from_model", "to_model", "requested_by", "created_at", "preview", "progress", "registrations"]
        read_only_fields = fields

    @extend_schema_field(ModelChangeProgressSerializer)
    def get_progress(self, change: GovernanceModelChange) -> dict[str, int]:
        return model_change_progress(change)
