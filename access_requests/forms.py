"""Forms parse input only; the services hold the rules (their refusals come back via apply_domain_error)."""

from __future__ import annotations

from typing import cast

from django import forms

from access_requests.models import PURPOSE_MAX_LENGTH, REASON_MAX_LENGTH, AccessRequest
from catalog.models import OutputPort

DATE = forms.DateInput(attrs={"type": "date"})


class AccessRequestForm(forms.Form):
    principal_arn = forms.CharField(
        label="IAM role ARN",
        max_length=2048,
        widget=forms.TextInput(
            attrs={
                "placeholder": "arn:aws:iam::123456789012:role/Analyst",
                "spellcheck": "false",
                "autocomplete": "off",
            }
        ),
        help_text="The role that will read the data, in a registered consumer or producer account.",
    )
    permissions = forms.MultipleChoiceField(
        choices=AccessRequest.Permission.choices, initial=["SELECT", "DESCRIBE"], widget=forms.CheckboxSelectMultiple
    )
    columns = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked for every column; tick some for a column-level grant.",
    )
    purpose = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=PURPOSE_MAX_LENGTH,
        help_text="What you will use the data for. The approvers read this.",
    )
    requested_until = forms.DateField(
        label="Access until", required=False, widget=DATE, help_text="Access ends at the end of this day (UTC)."
    )
    accept_terms = forms.BooleanField(label="I accept the product's terms of use", required=False)

    def __init__(self, *args: object, port: OutputPort, column_names: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.MultipleChoiceField, self.fields["columns"]).choices = [(name, name) for name in column_names]
        if port.kind == OutputPort.Kind.GLUE_DATABASE:
            del self.fields["columns"]


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        label="Reason",
        help_text="Required to reject; optional to approve.",
    )


class BulkDecisionForm(forms.Form):
    ACTIONS = [("approve", "Approve"), ("reject", "Reject")]
    action = forms.ChoiceField(choices=ACTIONS)
    requests = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": "Tick at least one request."}
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH, label="Reason")

    def __init__(self, *args: object, request_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.TypedMultipleChoiceField, self.fields["requests"]).choices = [(pk, str(pk)) for pk in request_ids]


class RevokeForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        help_text="Sent to the requester and kept in the audit log.",
    )


class ExtendForm(forms.Form):
    requested_until = forms.DateField(label="New end date", widget=DATE)
    purpose = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=PURPOSE_MAX_LENGTH,
        help_text="Leave empty to keep the original purpose.",
    )


class PolicyForm(forms.Form):
    approval_policy = forms.ChoiceField(choices=OutputPort.ApprovalPolicy.choices)
    auto_approve_owning_team = forms.BooleanField(
        required=False, label="Approve requests from the owning team by policy"
    )
