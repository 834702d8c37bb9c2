"""A real Celery worker consumes from Amazon SQS (kombu's SQS transport) served by the AWS emulator: the
portal's own settings with ``CELERY_BROKER_URL=sqs://`` and no keys in the URL, boto3's default credential
chain, and boto3's standard ``AWS_ENDPOINT_URL_SQS`` pointing at the emulator."""

from __future__ import annotations

import importlib.util
import json
import time
import uuid
from datetime import date, timedelta

import pytest
from celery import Celery
from django.db import connection

from catalog.models import Column
from meshportal.core.request_id import set_request_id
from tests.access_requests.helpers import PRODUCER_ACCOUNT, mesh
from tests.factories import hold_role
from tests.fleet import restore_broker, use_broker
from tests.provisioning.helpers import lf_permissions
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


# The settings' default visibility timeout: queues are created with it, and SQS refuses to create an existing
# queue with other attributes (QueueAlreadyExists), so both sides must declare it alike.
VISIBILITY_TIMEOUT = 7200


@pytest.fixture
def prefix() -> str:
    """A queue prefix of this test's own: the emulator is shared by the session's tests."""
    return f"meshportal-{uuid.uuid4().hex[:8]}-"


def _transport_options(prefix: str) -> dict[str, object]:
    """What the settings build for sqs:// (region, prefix, visibility timeout), for this process's publishers."""
    return {"region": REGION, "queue_name_prefix": prefix, "visibility_timeout": VISIBILITY_TIMEOUT}


def _worker_env(aws, tmp_path, prefix: str) -> dict[str, str]:
    # Fail, not skip: a worker on sqs:// dies at its first poll without pycurl (kombu's asynchronous
    # SQS client is its curl client), which is a missing runtime dependency, not a missing service.
    assert importlib.util.find_spec("pycurl"), "kombu's SQS transport needs pycurl: pin it in requirements/base.txt"
    return {
        **CREDENTIALS,
        "CELERY_BROKER_URL": "sqs://",
        "AWS_ENDPOINT_URL_SQS": aws.endpoint_url,
        "AWS_DEFAULT_REGION": REGION,
        "MESHPORTAL_SQS_WAIT_TIME_SECONDS": "1",  # short long-polls: the worker stops quickly at the end
        "MESHPORTAL_SQS_QUEUE_PREFIX": prefix,
        "MESHPORTAL_SQS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
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


def test_a_real_worker_consumes_a_task_from_sqs(sqs, tmp_path, prefix):
    log = tmp_path / "worker.log"
    started = time.monotonic()
    with celery_worker(env=_worker_env(sqs, tmp_path, prefix), log_file=log):
        # The publisher uses the transport options the settings build for sqs:// (region, prefix, visibility).
        publisher = Celery("publisher", broker="sqs://")
        publisher.conf.broker_transport_options = _transport_options(prefix)
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
    assert f"{prefix}celery" in " ".join(sqs.client("sqs", "123456789012").list_queues()["QueueUrls"])
    assert time.monotonic() - started < 30


@pytest.mark.postgres
def test_an_approved_request_is_granted_by_a_worker_fed_through_sqs(sqs, transactional_db, personas, tmp_path, prefix):
    from access_requests import services
    from access_requests.models import AccessRequest
    from meshportal.celery import app

    sqs.seed(
        {
            "region": REGION,
            "accounts": [
                {
                    "id": PRODUCER_ACCOUNT,
                    "data_lake_admins": [f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/MeshPortal"],
                    "databases": [
                        {
                            "name": "sales",
                            "tables": [{"name": "sales_orders", "columns": [{"name": "order_id", "type": "string"}]}],
                        }
                    ],
                }
            ],
        }
    )
    m = mesh(personas, policy="auto")
    Column.objects.filter(name="email").update(is_pii=False)  # policy "auto" then applies to the whole table
    s = connection.settings_dict
    database_url = f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {**_worker_env(sqs, tmp_path, prefix), "DATABASE_URL": database_url, "AWS_ENDPOINT_URL": sqs.endpoint_url}
    saved = use_broker("sqs://")  # the web side enqueues on commit through the portal's own Celery app
    app.conf.broker_transport_options = _transport_options(prefix)
    principal = f"arn:aws:iam::{PRODUCER_ACCOUNT}:role/Reporting"
    hold_role(personas.consumer, principal)
    try:
        with celery_worker(env=env, log_file=tmp_path / "worker.log"):
            request = services.access_request_create(
                actor=personas.consumer,
                port=m.port,
                principal_arn=principal,
                permissions=["SELECT", "DESCRIBE"],
                columns=[],
                purpose="Quarterly planning",
                requested_until=date.today() + timedelta(days=30),
                accept_terms=True,
            )
            assert request.status == "approved"  # policy "auto", internal data
            wait_for(
                lambda: AccessRequest.objects.get(pk=request.pk).status == "granted",
                timeout=30,
                what="the request to be granted",
            )
    finally:
        restore_broker(saved)
    assert lf_permissions(sqs, PRODUCER_ACCOUNT, principal=principal)
    assert sqs.stats()["services"]["sqs"].get("DeleteMessage", 0) >= 1
