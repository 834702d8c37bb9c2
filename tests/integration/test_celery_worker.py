"""A real worker process consumes tasks from the server-less default broker and from Redis, and the
web request id follows the work into the worker's structured logs."""

from __future__ import annotations

import json

import pytest
from celery import Celery

from meshportal.core.request_id import set_request_id
from tests.conftest import REDIS_URL
from tests.workers import celery_worker, wait_for

pytestmark = pytest.mark.worker


def _publisher(broker_url: str, transport_options: dict) -> Celery:
    from meshportal.core import request_id  # noqa: F401  (connects the publish signal)

    app = Celery("publisher", broker=broker_url)
    app.conf.broker_transport_options = transport_options
    return app


def _json_lines(path) -> list[dict]:
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return out


def _run_ping(tmp_path, broker_url: str, transport_options: dict, env: dict[str, str]) -> dict:
    log = tmp_path / "worker.log"
    with celery_worker(env=env, log_file=log):
        app = _publisher(broker_url, transport_options)
        set_request_id("req-follows-work")
        try:
            app.send_task("platform.ping", kwargs={"note": "hello"})
        finally:
            set_request_id("")
        return wait_for(
            lambda: next((r for r in _json_lines(log) if r.get("message") == "pong"), None),
            timeout=60,
            what="the worker to log pong",
        )


def test_filesystem_broker_feeds_a_real_worker_and_request_id_follows(tmp_path):
    folder = tmp_path / "broker" / "out"
    processed = tmp_path / "broker" / "processed"
    folder.mkdir(parents=True)
    processed.mkdir(parents=True)
    control = tmp_path / "broker" / "control"
    control.mkdir(parents=True)
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(processed),
        "control_folder": str(control),
    }
    record = _run_ping(tmp_path, "filesystem://", options, {"MESHPORTAL_VAR_DIR": str(tmp_path)})
    assert record["request_id"] == "req-follows-work"


@pytest.mark.redis
def test_redis_broker_feeds_a_real_worker(tmp_path):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    record = _run_ping(tmp_path, REDIS_URL, {}, {"MESHPORTAL_VAR_DIR": str(tmp_path), "CELERY_BROKER_URL": REDIS_URL})
    assert record["request_id"] == "req-follows-work"
