from __future__ import annotations

from django import forms

from meshportal.aws.arns import ARN_MAX_LENGTH, EXAMPLE
from meshportal.aws.models import ConsumerRole


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
