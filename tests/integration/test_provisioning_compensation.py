"""Compensation with a real worker: a failure injected at each step of the plan (grantor grant, invitation read,
invitation accept, link creation, DESCRIBE on the link) leaves either an active grant after retries (the
failure heals) or no permission at all in any account (it cannot); a grant whose undo failed too is
``partial`` and its revocation removes everything."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.db import connection, transaction

from access_requests import services
from access_requests.models import Grant
from provisioning.models import ProvisioningJob
from provisioning.services import provisioning_job_create
from tests.factories import UserFactory
from tests.fleet import RedisServer, Workers, restore_broker, use_broker
from tests.provisioning.helpers import CONSUMER, PRODUCER, accounts, approved_grant, lf_permissions, seed_emulator

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]

# step of the plan → (service, operation, matching calls to let through first)
STEPS = {
    "grantor grant": ("lakeformation", "BatchGrantPermissions", 0),
    "invitation read": ("ram", "GetResourceShareInvitations", 0),
    "invitation accept": ("ram", "AcceptResourceShareInvitation", 0),
    "link creation": ("glue", "CreateTable", 0),
    "link DESCRIBE": ("lakeformation", "BatchGrantPermissions", 1),  # the first call is the grantor's
}


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _status(grant: Grant, wanted: set[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = Grant.objects.values_list("status", flat=True).get(pk=grant.pk)
        if status in wanted:
            return status
        time.sleep(0.2)
    raise AssertionError(f"grant #{grant.pk} never reached {wanted}")


def _fault(aws, step: str, error: str, count: int = 1) -> None:
    service, operation, skip = STEPS[step]
    if skip:
        aws.inject_fault(service=service, operation=operation, latency_ms=1, count=skip)
    aws.inject_fault(service=service, operation=operation, error=error, count=count)


def _link_exists(aws) -> bool:
    glue = aws.client("glue", CONSUMER)
    try:
        tables = glue.get_tables(DatabaseName="mesh_sales")["TableList"]
    except glue.exceptions.EntityNotFoundException:
        return False  # not even the link database
    return any(t["Name"] == "sales_orders" for t in tables)


def _apply(grant: Grant) -> None:
    with transaction.atomic():
        provisioning_job_create(grant=grant, action="grant")


def test_a_failure_at_each_step_heals_or_leaves_nothing_and_a_partial_grant_is_revoked_completely(
    transactional_db, tmp_path, settings
):
    from aws_emulator.testing import running_emulator
    from meshportal.aws.gateway import clear_session_cache

    redis = RedisServer()
    redis.start()
    saved = use_broker(redis.url)
    try:
        with running_emulator(mode="subprocess", region="eu-west-1") as aws:
            settings.AWS_ENDPOINT_URL = aws.endpoint_url
            settings.MESHPORTAL_AWS_MODE = "emulator"
            clear_session_cache()
            seed_emulator(aws)
            accounts()
            people = SimpleNamespace(consumer=UserFactory(username="compensation-consumer"))
            admin = UserFactory(username="compensation-admin", is_platform_admin=True)
            first = approved_grant(people, principal=f"arn:aws:iam::{CONSUMER}:role/Failing0")
            workers = Workers(
                {
                    "DATABASE_URL": _database_url(),
                    "CELERY_BROKER_URL": redis.url,
                    "AWS_ENDPOINT_URL": aws.endpoint_url,
                    "MESHPORTAL_AWS_MODE": "emulator",
                    "AWS_DEFAULT_REGION": "eu-west-1",
                    "MESHPORTAL_JOB_RETRY_BASE_SECONDS": "0.1",
                    "MESHPORTAL_JOB_RETRY_MAX_SECONDS": "0.5",
                    "MESHPORTAL_AWS_MAX_ATTEMPTS": "1",  # the job's own retries heal, not boto3's
                    "MESHPORTAL_VAR_DIR": str(tmp_path),
                },
                tmp_path,
            )
            workers.start(concurrency=1)
            try:
                # 1. Failures that cannot heal: undone, nothing left anywhere.
                for i, step in enumerate(STEPS):
                    role = f"arn:aws:iam::{CONSUMER}:role/Failing{i}"
                    grant = first if i == 0 else approved_grant(people, product=first.product, principal=role)
                    _fault(aws, step, "AccessDeniedException")
                    _apply(grant)
                    assert _status(grant, {"failed", "partial", "active"}) == "failed", step
                    assert aws.faults()["injected_total"] == 1, step  # the fault hit the step
                    assert lf_permissions(aws, PRODUCER, principal=role) == [], step
                    assert lf_permissions(aws, CONSUMER, principal=role) == [], step
                    assert not _link_exists(aws), step
                    aws.clear_faults()
                # 2. Failures that heal (throttling twice at the step): retried to an active grant.
                for i, step in enumerate(STEPS):
                    role = f"arn:aws:iam::{CONSUMER}:role/Healing{i}"
                    grant = approved_grant(people, product=first.product, principal=role)
                    _fault(aws, step, "ThrottlingException", count=2)
                    _apply(grant)
                    assert _status(grant, {"failed", "partial", "active"}) == "active", step
                    job = ProvisioningJob.objects.get(grant=grant)
                    # each throttled attempt is retried (an invitation accepted by an earlier grant is not asked again)
                    assert job.attempts == 1 + aws.faults()["injected_total"], step
                    assert ("DESCRIBE", "SELECT") in [p for _, _, p in lf_permissions(aws, PRODUCER, principal=role)]
                    aws.clear_faults()
                # 3. The undo fails too: partial, and its revocation removes everything.
                role = f"arn:aws:iam::{CONSUMER}:role/Partial"
                partial = approved_grant(people, product=first.product, principal=role)
                _fault(aws, "link DESCRIBE", "AccessDeniedException")
                aws.inject_fault(
                    service="lakeformation", operation="RevokePermissions", error="AccessDeniedException", count=1
                )
                _apply(partial)
                assert _status(partial, {"failed", "partial", "active"}) == "partial"
                partial.refresh_from_db()
                assert partial.left_in_aws and lf_permissions(aws, PRODUCER, principal=role) != []
                aws.clear_faults()
                services.grant_revoke(grant=partial, actor=admin, reason="clean up the partial grant")
                assert _status(partial, {"ended"}) == "ended"
                assert lf_permissions(aws, PRODUCER, principal=role) == []
                assert lf_permissions(aws, CONSUMER, principal=role) == []
            finally:
                workers.stop_all()
    finally:
        restore_broker(saved)
        redis.stop()
