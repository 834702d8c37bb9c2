"""The append-only, hash-chained audit log.

Each event stores the SHA-256 of its own canonical content plus the previous event's hash, so editing,
deleting, inserting or reordering any event breaks the chain from that point on (``audit_verify``).
On PostgreSQL a trigger rejects UPDATE and DELETE (migration 0002). Events reference actors and objects
by value (id, label, repr), never by foreign key, so deleting a user or product never rewrites history.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    class ActorKind(models.TextChoices):
        USER = "user", "User"
        SYSTEM = "system", "System"

    id = models.BigAutoField(primary_key=True)
    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the hash chain, 1-based, gapless.")
    occurred_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    actor_id = models.BigIntegerField(null=True, blank=True, help_text="identity.User id when a user acted.")
    actor = models.CharField(max_length=150, help_text="Username, or system:<task> for work done by the platform.")
    request_id = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=255, blank=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    principal = models.CharField(max_length=255, blank=True, help_text="IAM principal ARN concerned, if any.")
    account_id = models.CharField(max_length=12, blank=True, help_text="AWS account concerned, if any.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["occurred_at", "id"], name="audit_time_idx"),
            models.Index(fields=["event_type", "id"], name="audit_type_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
            models.Index(fields=["product_id", "id"], name="audit_product_idx"),
            models.Index(fields=["principal", "id"], name="audit_principal_idx"),
            models.Index(fields=["account_id", "id"], name="audit_account_idx"),
            models.Index(fields=["object_type", "object_id", "id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event_type} by {self.actor}"


class AuditChainHead(models.Model):
    """One row: the last sequence number and hash. Locking it serialises appends to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Audit chain head at event {self.seq}"
