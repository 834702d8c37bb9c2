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
        # The model changes only through the previewed, confirmed switch (ModelChangeForm).
        fields = ["repair_missing_grants"]


class ModelChangeForm(forms.Form):
    model = forms.ChoiceField(choices=GovernanceSettings.Model.choices, label="New governance model")
    confirmation = forms.CharField(
        max_length=32,
        required=False,
        label="Type the new model's value to confirm",
        help_text="For example central, lob or federated.",
    )
