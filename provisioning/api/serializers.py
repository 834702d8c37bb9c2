from __future__ import annotations

from rest_framework import serializers

from meshportal.aws.models import AwsAccount, GovernanceSettings
from provisioning.models import AwsCallAttempt, DriftFinding, ProvisioningJob


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
        read_only_fields = ["updated_at"]


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
