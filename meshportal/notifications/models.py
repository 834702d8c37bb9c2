"""In-app notifications (also sent by e-mail) and outgoing team webhooks: a delivery per (webhook, event) on the
outbox engine, and one row per delivery attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from meshportal.core.outbox import OutboxJob, OutboxStatus


class Notification(models.Model):
    """One message to one person: shown in the portal, and e-mailed once (``emailed_at``)."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_type = models.CharField(max_length=100, help_text="e.g. access_request.approved")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="Where to look, inside the portal.")
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-id"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return f"{self.title} → {self.recipient_id}"


class TeamWebhook(models.Model):
    """An HTTPS endpoint of a team that receives request and grant events as signed CloudEvents."""

    team = models.ForeignKey("identity.Team", on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=128, help_text="HMAC-SHA256 key of the X-MeshPortal-Signature header.")
    event_types = models.JSONField(
        default=list,
        blank=True,
        help_text='CloudEvent types to send, e.g. ["com.meshportal.grant.granted"]; empty means all.',
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "id"]

    def __str__(self) -> str:
        return f"{self.team} → {self.url}"

    def wants(self, event_type: str) -> bool:
        return self.is_active and (not self.event_types or event_type in self.event_types)


class WebhookDelivery(OutboxJob):
    """One event to deliver to one webhook, carried by the outbox engine (``meshportal/core/outbox``): claimed
    with a conditional update, retried with backoff while the receiver's answer can heal, fenced on the claim.
    Each try is a ``WebhookDeliveryAttempt`` row; together they are the delivery log."""

    Status = OutboxStatus

    webhook = models.ForeignKey(TeamWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64, help_text="The CloudEvent id; the same on every attempt.")
    event_type = models.CharField(max_length=100)
    payload = models.JSONField(help_text="The CloudEvent, structured mode.")

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_retry_idx")]
        constraints = [models.UniqueConstraint(fields=["webhook", "event_id"], name="uniq_webhook_event_delivery")]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} → {self.webhook_id} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    """One POST of a delivery to its webhook (or the reason none was made), with the receiver's answer."""

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Delivered"
        FAILED = "failed", "Failed"

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempt = models.PositiveIntegerField(help_text="1 for the first try; the X-MeshPortal-Attempt header.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    scheduled_for = models.DateTimeField(help_text="When this attempt was due.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    will_retry = models.BooleanField(default=False, help_text="The delivery was put back for another attempt.")

    class Meta:
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["delivery", "attempt"], name="uniq_delivery_attempt_no")]

    def __str__(self) -> str:
        return f"delivery #{self.delivery_id} attempt {self.attempt} → {self.status}"
