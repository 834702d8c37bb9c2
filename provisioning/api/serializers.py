from __future__ import annotations

from rest_framework import serializers

from provisioning.models import AwsAccount, GovernanceSettings


class AwsAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwsAccount
        fields = ["id", "account_id", "name", "role", "line_of_business", "region", "role_arn", "organization_id",
                  "is_active", "last_tested_at", "last_test_ok", "last_test_message"]
        read_only_fields = ["id", "last_tested_at", "last_test_ok", "last_test_message"]


class AwsAccountUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AwsAccount
        fields = ["name", "role", "line_of_business", "region", "role_arn", "organization_id", "is_active"]


class GovernanceSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = GovernanceSettings
        fields = ["model", "repair_missing_grants", "updated_at"]
        read_only_fields = ["updated_at"]
