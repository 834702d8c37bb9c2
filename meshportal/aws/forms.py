from __future__ import annotations

from typing import Any, cast

from django import forms

from meshportal.aws.arns import ARN_MAX_LENGTH, EXAMPLE
from meshportal.aws.models import AwsAccount, ConsumerRole
from meshportal.identity.models import Team


class GlueFootprintForm(forms.Form):
    """A platform admin records that a team owns Glue databases in a producer account."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug")
    aws_account = forms.ModelChoiceField(
        queryset=AwsAccount.objects.none(), to_field_name="account_id", label="Producer account"
    )
    database_pattern = forms.CharField(
        max_length=255,
        label="Glue database",
        help_text="A database name, or a pattern such as sales_* (the most specific claim wins).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["team"]).queryset = Team.objects.order_by("name")
        cast(forms.ModelChoiceField, self.fields["aws_account"]).queryset = AwsAccount.objects.filter(
            role=AwsAccount.Role.PRODUCER, is_active=True
        ).order_by("name")


class ConsumerRoleForm(forms.Form):
    name = forms.CharField(max_length=ConsumerRole.NAME_MAX_LENGTH, help_text="What people call it.")
    arn = forms.CharField(
        label="Role ARN",
        max_length=ARN_MAX_LENGTH,
        help_text="The portal checks with IAM that the role exists in that account.",
        widget=forms.TextInput(attrs={"placeholder": EXAMPLE, "spellcheck": "false", "autocomplete": "off"}),
    )
    environment = forms.ChoiceField(choices=ConsumerRole.Environment.choices)
    kind = forms.ChoiceField(choices=ConsumerRole.Kind.choices)
    description = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ConsumerRoleEditForm(ConsumerRoleForm):
    """The ARN of a registered role does not change (register another role for another ARN)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        del self.fields["arn"]
