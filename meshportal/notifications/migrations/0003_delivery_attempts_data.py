# Webhook deliveries on the outbox engine, step 2 of 3: fold the old rows (one per attempt, a successor row per
# retry) into one delivery per (webhook, event) with its attempts as WebhookDeliveryAttempt rows.
#
# Per (webhook, event): the attempt-1 row stays as the delivery. Every old row that was tried (started_at set)
# becomes an attempt row. The delivery takes the state of the last row: "pending" with earlier attempts is a
# retry due at its scheduled_for; "pending" without is waiting for its first send; "sending" is a running claim
# (the engine's lease decides whether its worker is still alive); succeeded/failed stay final.

from django.db import migrations
from django.db.models import Min


def fold(apps, schema_editor):
    Delivery = apps.get_model("notifications", "WebhookDelivery")
    Attempt = apps.get_model("notifications", "WebhookDeliveryAttempt")
    groups = Delivery.objects.values("webhook_id", "event_id").annotate(first=Min("id")).values_list(
        "webhook_id", "event_id", "first"
    )
    for webhook_id, event_id, first_id in groups.iterator():
        rows = list(Delivery.objects.filter(webhook_id=webhook_id, event_id=event_id).order_by("attempt", "id"))
        tried = [r for r in rows if r.started_at is not None]
        Attempt.objects.bulk_create(
            [
                Attempt(
                    delivery_id=first_id,
                    attempt=number,
                    status="sending" if r.status == "sending" else ("succeeded" if r.status == "succeeded" else "failed"),
                    scheduled_for=r.scheduled_for,
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                    duration_ms=r.duration_ms,
                    response_status=r.response_status,
                    response_body=r.response_body,
                    error=r.error,
                    will_retry=r.will_retry,
                )
                for number, r in enumerate(tried, start=1)
            ]
        )
        last = rows[-1]
        fields = {"attempts": len(tried), "status": last.status, "finished_at": last.finished_at}
        if last.status == "pending" and tried:
            fields.update(status="retry", next_attempt_at=last.scheduled_for)
        elif last.status == "sending":
            fields.update(status="running", claimed_at=last.started_at)
        if last.status in ("failed", "sending") or (tried and last.status == "pending"):
            source = last if last.started_at is not None or not tried else tried[-1]
            fields.update(
                last_error_code=f"http_{source.response_status}" if source.response_status else "",
                last_error=source.error[:4000],
            )
        Delivery.objects.filter(pk=first_id).update(**fields)
        Delivery.objects.filter(webhook_id=webhook_id, event_id=event_id).exclude(pk=first_id).delete()


def unfold(apps, schema_editor):
    """Back to one row per attempt: each attempt row becomes a delivery row of its own, and a delivery waiting
    for a retry gets its scheduled successor row again."""
    Delivery = apps.get_model("notifications", "WebhookDelivery")
    Attempt = apps.get_model("notifications", "WebhookDeliveryAttempt")
    back = {"retry": "pending", "queued": "pending", "running": "sending", "cancelled": "failed"}
    for delivery in list(Delivery.objects.all()):
        status = back.get(delivery.status, delivery.status)
        attempts = list(Attempt.objects.filter(delivery_id=delivery.pk).order_by("attempt"))
        if not attempts:
            Delivery.objects.filter(pk=delivery.pk).update(attempt=1, status=status, scheduled_for=delivery.created_at)
            continue
        for number, a in enumerate(attempts, start=1):
            values = {
                "attempt": number,
                "status": a.status,
                "scheduled_for": a.scheduled_for,
                "started_at": a.started_at,
                "finished_at": a.finished_at,
                "duration_ms": a.duration_ms,
                "response_status": a.response_status,
                "response_body": a.response_body,
                "error": a.error,
                "will_retry": a.will_retry,
            }
            if number == 1:
                Delivery.objects.filter(pk=delivery.pk).update(**values)
            else:
                Delivery.objects.create(
                    webhook_id=delivery.webhook_id,
                    event_id=delivery.event_id,
                    event_type=delivery.event_type,
                    payload=delivery.payload,
                    **values,
                )
        if status == "pending":
            Delivery.objects.create(
                webhook_id=delivery.webhook_id,
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                payload=delivery.payload,
                attempt=len(attempts) + 1,
                status="pending",
                scheduled_for=delivery.next_attempt_at or delivery.updated_at,
            )


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_delivery_attempts_schema'),
    ]

    operations = [
        migrations.RunPython(fold, unfold),
    ]
