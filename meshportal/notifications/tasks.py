"""Celery tasks of the notifications app: thin, take ids, call services (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task

from meshportal.notifications.services import notification_emails_send, webhook_deliver, webhook_deliveries_relay


@shared_task(name="notifications.send_emails", ignore_result=True)
def send_emails(notification_ids: list[int]) -> int:
    return notification_emails_send(notification_ids=notification_ids)


@shared_task(name="notifications.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    """One delivery attempt. Idempotent: ``webhook_deliver`` claims the delivery, so a redelivery does nothing."""
    webhook_deliver(delivery_id=delivery_id)


@shared_task(name="notifications.relay", ignore_result=True)
def relay() -> int:
    return webhook_deliveries_relay()
