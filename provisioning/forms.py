from __future__ import annotations

from django import forms

from meshportal.aws.models import AwsAccount, GovernanceSettings


class AwsAccountForm(forms.ModelForm):
    class Meta:
        model = AwsAccount
        fields = [
            "account_id",
            "name",
            "role",
            "line_of_business",
            "region",
            "role_arn",
            "external_id",
            "organization_id",
            "is_active",
        ]


class GovernanceSettingsForm(forms.ModelForm):
    class Meta:
        model = GovernanceSettings
        fields = ["model", "repair_missing_grants"]
