"""Celery tasks of the notifications app: thin, take ids, call services (STYLE.md §7)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="notifications.send_emails", ignore_result=True)
def send_emails(notification_ids: list[int]) -> int:
    from meshportal.notifications.services import notification_emails_send

    return notification_emails_send(notification_ids=notification_ids)


@shared_task(name="notifications.deliver_webhook", acks_late=True, ignore_result=True)
def deliver_webhook(delivery_id: int) -> None:
    from meshportal.notifications.services import webhook_deliver

    webhook_deliver(delivery_id=delivery_id)


@shared_task(name="notifications.relay", ignore_result=True)
def relay() -> int:
    from meshportal.notifications.services import webhook_deliveries_relay

    return webhook_deliveries_relay()
