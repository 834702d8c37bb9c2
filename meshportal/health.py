"""Liveness of the parts the portal needs: database, Celery broker, AWS endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from meshportal.aws.gateway import aws_endpoint_health
from meshportal.celery import app


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health endpoint
        return False, f"{type(exc).__name__}: {exc}"
    return True, connection.vendor


def check_broker(timeout: int = 2) -> tuple[bool, str]:
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
            if conn.transport.driver_type == "sqs":
                return True, _sqs_queue_detail(conn.default_channel, app.conf.task_default_queue)
            transport = conn.transport_cls
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, f"{type(exc).__name__}: {exc}"
    return True, str(transport)


def _sqs_queue_detail(channel: Any, queue: str) -> str:
    """Read the default queue's depth through kombu's own SQS client (the broker's, not the portal's
    AWS gateway). Opening the channel listed the queues already, unless they are predefined; reading
    the queue's attributes proves the endpoint, the credentials and the queue policy in both cases."""
    name = channel.canonical_queue_name(queue)
    predefined = channel.predefined_queues.get(queue)
    sqs = channel.sqs(queue=queue if predefined else None)
    if predefined:
        url = predefined["url"]
    else:
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist:
            # The first worker (or the first task sent) creates it; not an outage.
            return f"sqs: queue {name} not created yet"
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return f"sqs: queue {name}, {attributes['Attributes']['ApproximateNumberOfMessages']} message(s) waiting"


def check_aws() -> tuple[bool, str]:
    return aws_endpoint_health()


CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "database": check_database,
    "broker": check_broker,
    "aws": check_aws,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        ok, detail = check()
        results[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}
    healthy = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if healthy else "degraded", "checks": results}, status=200 if healthy else 503)
