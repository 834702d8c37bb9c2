"""Forms parse input only; the services hold the rules (their refusals come back via apply_domain_error)."""

from __future__ import annotations

from typing import cast

from django import forms

from access_requests.models import PURPOSE_MAX_LENGTH, REASON_MAX_LENGTH, AccessRequest
from catalog.models import OutputPort
from meshportal.aws.models import ConsumerRole

DATE = forms.DateInput(attrs={"type": "date"})


def role_label(role: ConsumerRole) -> str:
    """How the picker shows a role: who it belongs to, its name and environment, then the ARN."""
    holder = role.team.name if role.team is not None else "Personal"
    return f"{holder} · {role.name} — {role.get_environment_display()} ({role.arn})"


class AccessRequestForm(forms.Form):
    # A picker of the roles the requester may use; the service decides (and says which roles they may use)
    # whatever is posted, so the field is free text behind a select.
    principal_arn = forms.CharField(
        label="Role",
        max_length=2048,
        help_text="The IAM role that will read the data: one of your teams' registered roles, or your approved "
        "personal role.",
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

    def __init__(
        self,
        *args: object,
        port: OutputPort,
        column_names: list[str],
        usable_roles: list[ConsumerRole] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.MultipleChoiceField, self.fields["columns"]).choices = [(name, name) for name in column_names]
        choices = [("", "Choose a role…")] + [(r.arn, role_label(r)) for r in usable_roles or []]
        self.fields["principal_arn"].widget = forms.Select(choices=choices)
        if port.kind == OutputPort.Kind.GLUE_DATABASE:
            del self.fields["columns"]


STALE_PAGE = "This page is out of date: reload the request and decide again."


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,
        label="Reason",
        help_text="Required to reject; optional to approve.",
    )
    # What the approver saw (hidden inputs of the decision form): the service refuses a decision on anything else.
    stage = forms.ChoiceField(
        choices=AccessRequest.Stage.choices,
        widget=forms.HiddenInput,
        error_messages={"required": STALE_PAGE, "invalid_choice": STALE_PAGE},
    )
    version = forms.IntegerField(
        min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput, error_messages={"required": STALE_PAGE}
    )


def parse_seen(value: str) -> tuple[str, int] | None:
    """A bulk row's ``<stage>:<version>`` (what its approver saw), or None when it is not one."""
    stage, _, version = (value or "").partition(":")
    if stage not in AccessRequest.Stage.values or not (version.isascii() and version.isdigit()):
        return None
    number = int(version)
    return (stage, number) if 0 < number < 2**31 else None


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
