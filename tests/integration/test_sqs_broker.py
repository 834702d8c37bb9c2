"""A real Celery worker consumes from Amazon SQS (kombu's SQS transport) served by the AWS emulator: the
portal's own settings with ``CELERY_BROKER_URL=sqs://`` and no keys in the URL, boto3's default credential
chain, and boto3's standard ``AWS_ENDPOINT_URL_SQS`` pointing at the emulator."""

from __future__ import annotations

import json
import time

import pytest
from celery import Celery

from meshportal.core.request_id import set_request_id
from tests.workers import celery_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]

REGION = "eu-west-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "AKIAEMULATOR00000000", "AWS_SECRET_ACCESS_KEY": "emulator"}


@pytest.fixture
def sqs(aws, monkeypatch):
    """The emulator's SQS, with this process's boto3 pointed at it the way the worker's is."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", aws.endpoint_url)
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    return aws


def _worker_env(aws, tmp_path) -> dict[str, str]:
    return {
        **CREDENTIALS,
        "CELERY_BROKER_URL": "sqs://",
        "AWS_ENDPOINT_URL_SQS": aws.endpoint_url,
        "AWS_DEFAULT_REGION": REGION,
        "MESHPORTAL_SQS_WAIT_TIME_SECONDS": "1",  # short long-polls: the worker stops quickly at the end
        "MESHPORTAL_VAR_DIR": str(tmp_path),
    }


def _json_lines(path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def test_a_real_worker_consumes_a_task_from_sqs(sqs, tmp_path):
    from django.conf import settings

    log = tmp_path / "worker.log"
    started = time.monotonic()
    with celery_worker(env=_worker_env(sqs, tmp_path), log_file=log):
        # The publisher uses the transport options the settings build for sqs:// (region, meshportal- prefix).
        publisher = Celery("publisher", broker="sqs://")
        publisher.conf.broker_transport_options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "region": REGION,
            "queue_name_prefix": "meshportal-",
        }
        set_request_id("req-over-sqs")
        try:
            publisher.send_task("platform.ping", kwargs={"note": "over sqs"})
        finally:
            set_request_id("")
        record = wait_for(
            lambda: next((r for r in _json_lines(log) if r.get("message") == "pong"), None),
            timeout=30,
            what="the worker to log pong",
        )
    assert record["request_id"] == "req-over-sqs"
    assert record["note"] == "over sqs"
    # The message went through SQS: the queue exists under the portal's prefix and was read and deleted.
    stats = sqs.stats()["services"]["sqs"]
    assert stats.get("SendMessage", 0) >= 1 and stats.get("DeleteMessage", 0) >= 1, stats
    assert "meshportal-celery" in " ".join(sqs.client("sqs", "123456789012").list_queues()["QueueUrls"])
    assert time.monotonic() - started < 30
