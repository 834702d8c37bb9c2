"""Access requests, their approvals, and the grants they produce.

A request moves pending → approved → provisioning → granted | failed, or ends rejected, withdrawn,
expired or revoked. A Grant is the entitlement record behind an approved request: what a principal may
read, since when and until when, and how it ended — the entitlements view is built from it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

# Free text people send with a request or a decision. One limit per kind, used by the HTML forms and the API
# serializers alike, so every door accepts the same input.
PURPOSE_MAX_LENGTH = 4000  # why access is asked for (a request, an extension)
REASON_MAX_LENGTH = 4000  # a decision's comment or reason (approve, reject, revoke)


class AccessRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        PROVISIONING = "provisioning", "Provisioning"
        GRANTED = "granted", "Granted"
        FAILED = "failed", "Provisioning failed"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    # A requester may hold one open request per port and principal at a time.
    OPEN_STATUSES = (Status.PENDING, Status.APPROVED, Status.PROVISIONING, Status.GRANTED, Status.FAILED)

    class Stage(models.TextChoices):
        PRODUCER = "producer", "Producer"
        STEWARD = "steward", "Domain steward"

    class Permission(models.TextChoices):
        SELECT = "SELECT", "SELECT"
        DESCRIBE = "DESCRIBE", "DESCRIBE"

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.PROTECT, related_name="access_requests")
    port = models.ForeignKey("catalog.OutputPort", on_delete=models.PROTECT, related_name="access_requests")
    principal_arn = models.CharField(max_length=2048, help_text="IAM role ARN in a registered consumer account.")
    # The registered role the request names (the requester's team's, or their approved personal role); its
    # team's members see and end the grant. Kept empty for requests made before the registry, and when a role
    # leaves the registry the ARN stays on the request as the record of who was granted.
    principal_role = models.ForeignKey(
        "aws.ConsumerRole",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_requests",
    )
    consumer_account = models.ForeignKey("aws.AwsAccount", on_delete=models.PROTECT, related_name="access_requests")
    permissions = models.JSONField(default=list, help_text='["SELECT", "DESCRIBE"]')
    columns = models.JSONField(default=list, blank=True, help_text="Column names; empty means every column.")
    purpose = models.TextField()
    requested_until = models.DateField(help_text="Access ends at the end of this day (UTC).")
    terms_accepted_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    required_stages = models.JSONField(default=list, help_text='Stages still to approve, in order: ["producer", ...]')
    decision_reason = models.TextField(blank=True, help_text="Why the request was approved, rejected or ended.")
    extension_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="extensions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text="Moves on every change; a decision names the version its approver saw."
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="request_status_idx"),
            models.Index(fields=["requester", "-created_at"], name="request_requester_idx"),
            models.Index(fields=["product", "status"], name="request_product_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "port", "principal_arn"],
                condition=Q(
                    status__in=["pending", "approved", "provisioning", "granted", "failed"], extension_of__isnull=True
                ),
                name="uniq_open_request",
            ),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} for {self.product} by {self.requester}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The request's version is a concurrency token, not a rule: every stored change moves it, so an approver's
        # decision can say which state it was made on (services.decisions refuses a stale one).
        if not self._state.adding:
            self.version += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = [*update_fields, "version"]
        super().save(*args, **kwargs)

    @property
    def pending_stage(self) -> str | None:
        return self.required_stages[0] if self.status == self.Status.PENDING and self.required_stages else None


class Approval(models.Model):
    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    request = models.ForeignKey(AccessRequest, on_delete=models.CASCADE, related_name="approvals")
    stage = models.CharField(max_length=10, choices=AccessRequest.Stage.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approvals_given",
        help_text="Empty when a policy decided.",
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "stage"], name="uniq_stage_decision")]

    def __str__(self) -> str:
        return f"{self.stage} {self.decision} on #{self.request_id}"


class Grant(models.Model):
    """The entitlement behind an approved request, from approval until it ends."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be applied"
        ACTIVE = "active", "Active"
        FAILED = "failed", "Failed to apply"
        # The job failed and could not undo all it had applied: ``left_in_aws`` says what remains until the
        # grant is revoked or retried (the revocation removes the whole plan of its last grant job).
        PARTIAL = "partial", "Partially applied"
        REVOKING = "revoking", "Being removed"
        ENDED = "ended", "Ended"

    class EndReason(models.TextChoices):
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Replaced by an extension"

    # Grants that can still be ended (revoked, withdrawn, expired): one constant for every module.
    LIVE_STATUSES = (Status.PENDING, Status.ACTIVE, Status.FAILED, Status.PARTIAL)
    # Grants whose permissions are (or may be) in AWS: a revocation keeps what these still need. A failed
    # grant is not one of them: its job undid what it applied (or the grant is ``partial``).
    HOLDING_STATUSES = (Status.PENDING, Status.ACTIVE, Status.PARTIAL)

    request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="grant")
    product = models.ForeignKey("catalog.DataProduct", on_delete=models.PROTECT, related_name="grants")
    port = models.ForeignKey("catalog.OutputPort", on_delete=models.PROTECT, related_name="grants")
    principal_arn = models.CharField(max_length=2048)
    consumer_account = models.ForeignKey("aws.AwsAccount", on_delete=models.PROTECT, related_name="grants")
    grantor_account_id = models.CharField(
        max_length=12,
        blank=True,
        help_text="Whose Lake Formation applies the grant (by the governance model when it was provisioned); "
        "its revocation goes there whatever the model is now.",
    )
    permissions = models.JSONField(default=list)
    columns = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    approved_at = models.DateTimeField()
    granted_at = models.DateTimeField(null=True, blank=True, help_text="When the permissions were in place in AWS.")
    expires_at = models.DateTimeField()
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, choices=EndReason.choices, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_note = models.TextField(blank=True)
    last_error = models.TextField(blank=True, help_text="Why it failed, in plain words.")
    last_error_code = models.CharField(max_length=128, blank=True, help_text="The AWS (or portal) code, for experts.")
    failure_retryable = models.BooleanField(
        default=False, help_text="Whether trying again can heal the failure (throttling, timeouts, not yet visible)."
    )
    left_in_aws = models.JSONField(
        default=list, blank=True, help_text="What a partially applied grant left in AWS (plan step summaries)."
    )
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text="The last read-back from AWS that settled the grant (active) or its revocation (ended): "
        '{"read_at", "checks": [{"name", "account_id", "ok", "detail"}]}.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="grant_status_expiry_idx"),
            models.Index(fields=["principal_arn", "status"], name="grant_principal_idx"),
            models.Index(fields=["product", "status"], name="grant_product_idx"),
            models.Index(fields=["granted_at", "ended_at"], name="grant_period_idx"),
        ]

    def __str__(self) -> str:
        return f"Grant #{self.pk}: {self.principal_arn} on {self.port}"
