"""Provisioning's durable records: jobs (the outbox that carries decisions into AWS), an attempt row per AWS
call, and the reconciler's runs and findings. The account registry lives in ``meshportal.aws``."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from meshportal.aws.models import GovernanceSettings
from meshportal.core.outbox import OutboxJob, OutboxStatus


class ProvisioningJob(OutboxJob):
    """A durable unit of AWS work (transactional outbox): written in the same transaction as the decision
    that needs it, enqueued after commit, re-driven by the relay if the enqueue was lost, and claimed
    with a conditional update so that two workers never run the same job (``meshportal/core/outbox``)."""

    class Action(models.TextChoices):
        GRANT = "grant", "Grant"
        REVOKE = "revoke", "Revoke"

    Status = OutboxStatus

    grant = models.ForeignKey("access_requests.Grant", on_delete=models.PROTECT, related_name="jobs")
    action = models.CharField(max_length=8, choices=Action.choices)
    backend = models.CharField(
        max_length=32,
        default="lakeformation",
        help_text="The grant backend that carries it out (provisioning/backends).",
    )
    grantor_account_id = models.CharField(max_length=12, help_text="Whose Lake Formation makes the grant.")
    plan = models.JSONField(default=list, help_text="The steps, computed before running and shown to users.")
    steps_done = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="job_status_idx"),
            models.Index(fields=["grantor_account_id", "status"], name="job_grantor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} job #{self.pk} for grant #{self.grant_id}"


class AwsCallAttempt(models.Model):
    """One AWS API call made for a job: the timeline on the request page and the evidence for audits."""

    class Outcome(models.TextChoices):
        OK = "ok", "OK"
        ERROR = "error", "Error"

    job = models.ForeignKey(ProvisioningJob, on_delete=models.CASCADE, null=True, blank=True, related_name="calls")
    grant = models.ForeignKey(
        "access_requests.Grant", on_delete=models.CASCADE, null=True, blank=True, related_name="aws_calls"
    )
    call_id = models.CharField(max_length=32, help_text="Rows with one call_id record one AWS call (batches).")
    service = models.CharField(max_length=32)
    operation = models.CharField(max_length=64)
    account_id = models.CharField(max_length=12)
    request_summary = models.JSONField(default=dict)
    outcome = models.CharField(max_length=5, choices=Outcome.choices)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["grant", "started_at"], name="call_grant_idx"),
            models.Index(fields=["call_id"], name="call_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} in {self.account_id} → {self.outcome}"


class ReconcileRun(models.Model):
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    accounts_checked = models.PositiveIntegerField(default=0)
    permissions_seen = models.PositiveIntegerField(default=0)
    missing = models.PositiveIntegerField(default=0)
    unexpected = models.PositiveIntegerField(default=0)
    different = models.PositiveIntegerField(default=0)
    repaired = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Reconcile run {self.started_at:%Y-%m-%d %H:%M}"


class DriftFinding(models.Model):
    class Kind(models.TextChoices):
        MISSING = "missing", "Missing in AWS"
        UNEXPECTED = "unexpected", "In AWS, not in the portal"
        DIFFERENT = "different", "Different permissions"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REPAIRED = "repaired", "Repaired"
        RESOLVED = "resolved", "Resolved"

    run = models.ForeignKey(ReconcileRun, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    account_id = models.CharField(max_length=12)
    principal = models.CharField(max_length=2048)
    resource = models.JSONField(default=dict)
    expected_permissions = models.JSONField(default=list)
    actual_permissions = models.JSONField(default=list)
    grant = models.ForeignKey(
        "access_requests.Grant", on_delete=models.SET_NULL, null=True, blank=True, related_name="drift_findings"
    )
    found_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"], name="drift_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} drift for {self.principal} in {self.account_id}"


class GovernanceModelChange(models.Model):
    """A switch of the governance model by a platform admin: what the preview said, and the registration jobs
    it started (its progress is theirs)."""

    from_model = models.CharField(max_length=10, choices=GovernanceSettings.Model.choices)
    to_model = models.CharField(max_length=10, choices=GovernanceSettings.Model.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    preview = models.JSONField(default=dict, help_text="The preview shown before it ran.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Governance model {self.from_model} → {self.to_model}"


class CatalogRegistration(OutboxJob):
    """Registering a published table in a central account's catalog (central and line-of-business models), or
    syncing its schema there: a durable job on the outbox engine.

    Register: a database per domain in the central catalog, a table entry pointing at the producer's S3
    location, the location registered with the central Lake Formation, ALTER and DESCRIBE for the producer
    account on the entry and a resource link to it in the producer's catalog. Sync: the producer's table
    read again and the central entry updated, with the schema diff recorded (and audited). Remove (the product
    was retired): the producer's resource link and the central entry deleted (audited)."""

    class Action(models.TextChoices):
        REGISTER = "register", "Register"
        SYNC = "sync", "Sync schema"
        REMOVE = "remove", "Remove entry"

    Status = OutboxStatus

    port = models.ForeignKey("catalog.OutputPort", on_delete=models.CASCADE, related_name="registrations")
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.REGISTER)
    central_account_id = models.CharField(max_length=12, help_text="Whose catalog holds the entry.")
    central_database = models.CharField(max_length=255)
    central_table = models.CharField(max_length=255)
    change = models.ForeignKey(
        GovernanceModelChange, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations"
    )
    columns = models.JSONField(default=list, help_text="The producer table's columns as read by this job.")
    diff = models.JSONField(default=dict, help_text="Columns added, removed and changed since the last reading.")
    steps_done = models.JSONField(default=list)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["port", "central_account_id", "status"], name="registration_port_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.central_database}.{self.central_table} in {self.central_account_id}"
