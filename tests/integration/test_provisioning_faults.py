"""Exactly once, whatever fails: 200 approvals while a worker is SIGKILLed mid-batch, Redis is restarted
(losing its queue), and the emulator throttles 20% of calls and answers ConcurrentModificationException on
10%. Every request must end granted, each grant present once in Lake Formation, one "grant applied"
event each, and the reconciler must find no drift."""

from __future__ import annotations

import time
from collections import Counter
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from access_requests.models import AccessRequest, Grant
from meshportal.audit.models import AuditEvent
from provisioning.engine import jobs_relay
from provisioning.models import ProvisioningJob
from provisioning.services import provisioning_job_create
from tests.factories import UserFactory
from tests.fleet import RedisServer, Workers, restore_broker, use_broker
from tests.provisioning.helpers import CONSUMER, PRODUCER, accounts, approved_grant, lf_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]

TABLES = ("orders", "returns", "invoices", "payments", "shipments")
ROLES = 40  # 40 roles × 5 tables = 200 grants


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait(predicate, timeout: float, relay: bool = True) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if relay:
            jobs_relay()  # what beat does every few seconds
        if predicate():
            return
        time.sleep(1)
    raise AssertionError("timed out")


# Its own waits allow 120 s for the first grants and 300 s for all 200; the suite-wide 300 s limit would cut
# them short on a busy machine (settlement reads every grant back, about 230 s here under load).
@pytest.mark.timeout(600)
def test_200_grants_exactly_once_through_worker_kill_broker_restart_and_aws_faults(
    transactional_db, tmp_path, settings
):
    from aws_emulator.testing import running_emulator

    redis = RedisServer()
    redis.start()
    saved = use_broker(redis.url)
    with running_emulator(mode="subprocess", region="eu-west-1") as aws:
        settings.AWS_ENDPOINT_URL = aws.endpoint_url
        settings.MESHPORTAL_AWS_MODE = "emulator"
        settings.MESHPORTAL_OUTBOX = {
            **settings.MESHPORTAL_OUTBOX,
            "provisioning": {**settings.MESHPORTAL_OUTBOX["provisioning"], "lease_seconds": 8, "requeue_seconds": 6},
        }
        from meshportal.aws.gateway import clear_session_cache

        clear_session_cache()
        aws.seed(
            {
                "region": "eu-west-1",
                "accounts": [
                    {
                        "id": PRODUCER,
                        "data_lake_admins": [f"arn:aws:iam::{PRODUCER}:role/MeshPortal"],
                        "databases": [
                            {
                                "name": "sales",
                                "tables": [{"name": t, "columns": [{"name": "id", "type": "string"}]} for t in TABLES],
                            }
                        ],
                    },
                    {"id": CONSUMER, "data_lake_admins": [f"arn:aws:iam::{CONSUMER}:role/MeshPortal"]},
                ],
            }
        )
        accounts()
        people = SimpleNamespace(consumer=UserFactory(username="fault-consumer"))
        products = {}
        grants: list[Grant] = []
        for table in TABLES:
            first = approved_grant(people, table=table, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst0")
            products[table] = first.product
            grants.append(first)
            grants += [
                approved_grant(
                    people, table=table, product=first.product, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst{i}"
                )
                for i in range(1, ROLES)
            ]
        assert len(grants) == 200
        workers = Workers(
            {
                "DATABASE_URL": _database_url(),
                "CELERY_BROKER_URL": redis.url,
                "AWS_ENDPOINT_URL": aws.endpoint_url,
                "MESHPORTAL_AWS_MODE": "emulator",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "MESHPORTAL_JOB_LEASE_SECONDS": "8",
                "MESHPORTAL_JOB_RETRY_BASE_SECONDS": "0.2",
                "MESHPORTAL_JOB_RETRY_MAX_SECONDS": "3",
                "MESHPORTAL_JOB_MAX_ATTEMPTS": "30",
                "MESHPORTAL_AWS_MAX_ATTEMPTS": "2",
                "MESHPORTAL_VAR_DIR": str(tmp_path),
            },
            tmp_path,
        )
        try:
            aws.inject_fault(service="*", operation="*", error="ThrottlingException", rate=0.2, seed=7)
            # 12.5% of the 80% not throttled = 10% of all calls
            aws.inject_fault(service="*", operation="*", error="ConcurrentModificationException", rate=0.125, seed=11)
            first_worker = workers.start(concurrency=2)
            for grant in grants:  # each approval commits its job row; the enqueue happens on commit
                with transaction.atomic():
                    provisioning_job_create(grant=grant, action="grant")

            def active() -> int:
                return Grant.objects.filter(status=Grant.Status.ACTIVE).count()

            _wait(lambda: active() >= 20, timeout=120, relay=False)
            workers.kill(first_worker)  # mid-batch: claimed jobs stay RUNNING until their lease runs out
            redis.restart()  # the queue is gone with it
            workers.start(concurrency=2)
            workers.start(concurrency=1)
            _wait(lambda: active() == 200, timeout=300)
        finally:
            workers.stop_all()
            restore_broker(saved)
            redis.stop()
        aws.clear_faults()
        assert set(ProvisioningJob.objects.values_list("status", flat=True)) == {"succeeded"}
        assert set(AccessRequest.objects.values_list("status", flat=True)) == {"granted"}
        applied = Counter(AuditEvent.objects.filter(event_type="grant.applied").values_list("object_id", flat=True))
        assert len(applied) == 200 and set(applied.values()) == {1}
        # Lake Formation holds each grant once, exactly as planned
        for i in range(ROLES):
            held = lf_permissions(aws, PRODUCER, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst{i}")
            tables = [dict(key)["Name"] for kind, key, perms in held if kind == "Table"]
            assert sorted(tables) == sorted(TABLES), held
            assert len(held) == len(TABLES) + 1  # + DESCRIBE on the database
        from provisioning.reconciler import reconcile_run

        run = reconcile_run(repair=False)
        assert (run.missing, run.unexpected, run.different) == (0, 0, 0)
