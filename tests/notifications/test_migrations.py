"""The move of webhook deliveries onto the outbox engine keeps the delivery log (notifications 0002-0004)."""

# ruff: noqa: N806 - historical models, named as the models they stand for

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0004_delivery_on_outbox_engine")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_attempt_rows_fold_into_one_delivery_per_event_with_its_attempt_log():
    old = _migrate(BEFORE)
    Team = old.get_model("identity", "Team")
    Webhook = old.get_model("notifications", "TeamWebhook")
    Delivery = old.get_model("notifications", "WebhookDelivery")
    team = Team.objects.create(slug="migration-team", name="Migration team")
    hook = Webhook.objects.create(team=team, url="https://example.org/hook", secret="s")
    now = timezone.now()
    common = {"webhook": hook, "event_type": "com.meshportal.x", "payload": {"id": "e"}}
    # Event 1: failed twice, delivered on the third attempt. Event 2: failed once, its retry is scheduled.
    # Event 3: not sent yet. Event 4: refused with a 404.
    for attempt, status, code in [(1, "failed", 500), (2, "failed", 503), (3, "succeeded", 200)]:
        Delivery.objects.create(
            event_id="e1",
            attempt=attempt,
            status=status,
            response_status=code,
            scheduled_for=now,
            started_at=now,
            finished_at=now,
            will_retry=status == "failed",
            error="" if code == 200 else f"HTTP {code}",
            **common,
        )
    Delivery.objects.create(
        event_id="e2",
        attempt=1,
        status="failed",
        response_status=502,
        scheduled_for=now,
        started_at=now,
        finished_at=now,
        will_retry=True,
        error="HTTP 502",
        **common,
    )
    Delivery.objects.create(
        event_id="e2", attempt=2, status="pending", scheduled_for=now + timedelta(minutes=1), **common
    )
    Delivery.objects.create(event_id="e3", attempt=1, status="pending", scheduled_for=now, **common)
    Delivery.objects.create(
        event_id="e4",
        attempt=1,
        status="failed",
        response_status=404,
        scheduled_for=now,
        started_at=now,
        finished_at=now,
        error="HTTP 404",
        **common,
    )
    try:
        new = _migrate(AFTER)
        Delivery = new.get_model("notifications", "WebhookDelivery")
        Attempt = new.get_model("notifications", "WebhookDeliveryAttempt")
        deliveries = {d.event_id: d for d in Delivery.objects.all()}
        assert set(deliveries) == {"e1", "e2", "e3", "e4"}
        states = {e: (d.status, d.attempts, d.last_error_code) for e, d in deliveries.items()}
        assert states == {
            "e1": ("succeeded", 3, ""),
            "e2": ("retry", 1, "http_502"),
            "e3": ("pending", 0, ""),
            "e4": ("failed", 1, "http_404"),
        }
        assert deliveries["e2"].next_attempt_at == now + timedelta(minutes=1)
        log = [
            (a.delivery.event_id, a.attempt, a.status, a.response_status, a.will_retry)
            for a in Attempt.objects.select_related("delivery").order_by("delivery__event_id", "attempt")
        ]
        assert log == [
            ("e1", 1, "failed", 500, True),
            ("e1", 2, "failed", 503, True),
            ("e1", 3, "succeeded", 200, False),
            ("e2", 1, "failed", 502, True),
            ("e4", 1, "failed", 404, False),
        ]
        # And back: one row per attempt again, the scheduled retry a row of its own.
        old = _migrate(BEFORE)
        Delivery = old.get_model("notifications", "WebhookDelivery")
        rows = sorted(Delivery.objects.values_list("event_id", "attempt", "status", "response_status"))
        assert rows == [
            ("e1", 1, "failed", 500),
            ("e1", 2, "failed", 503),
            ("e1", 3, "succeeded", 200),
            ("e2", 1, "failed", 502),
            ("e2", 2, "pending", None),
            ("e3", 1, "pending", None),
            ("e4", 1, "failed", 404),
        ]
        Delivery.objects.all().delete()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
