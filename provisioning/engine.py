"""The provisioning job engine: grant and revoke jobs carried into AWS exactly once in effect, whatever fails.

Claims, leases, fencing, backoff and the relay come from the one outbox engine (``meshportal/core/outbox``);
the AWS work from the job's grant backend (``provisioning/backends``). This module decides what to do with
their outcomes: a grant job is settled (its grant ``active``) only once the backend's read-back shows the access
effective end to end, and a revocation (its grant ``ended``) only once it shows the access gone; the evidence
goes to the grant and its audit event. An error that can heal (throttling, a read-back that does not agree
yet) is retried with backoff; a grant job whose error cannot heal undoes what it applied and fails its grant
(or marks it ``partial`` with what is left when the undo fails too); a revocation is never given up on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction

from access_requests import services as access_requests
from access_requests.models import Grant
from meshportal.aws.gateway import AwsError
from meshportal.core.outbox import Outbox, OutboxStatus
from meshportal.core.outbox.engine import worker_token
from provisioning.backends import GrantBackend, backend_for
from provisioning.errors import ProvisioningErrorCode
from provisioning.explain import explain
from provisioning.models import ProvisioningJob

logger = logging.getLogger(__name__)

JOBS: Outbox[ProvisioningJob] = Outbox(kind="provisioning", model=ProvisioningJob, task_name="provisioning.run_job")
# A grant job runs while its grant is one of these; otherwise its ending was asked for before it ran, and
# applying it now would outlive the revocation.
GRANT_RUNNABLE = (Grant.Status.PENDING, Grant.Status.FAILED, Grant.Status.ACTIVE)


def job_claim(*, job_id: int, worker: str) -> bool:
    """Take the job if nobody else holds it (conditional update: exactly one claimant wins)."""
    return JOBS.claim(job_id=job_id, worker=worker)


def _load(job_ids: list[int]) -> list[ProvisioningJob]:
    return list(
        ProvisioningJob.objects.filter(pk__in=job_ids)
        .select_related(
            "grant__port__aws_account", "grant__product__domain", "grant__consumer_account", "grant__request"
        )
        .order_by("id")
    )


def job_run(*, job_id: int) -> None:
    """Entry point of the ``provisioning.run_job`` task."""
    job = (
        ProvisioningJob.objects.filter(pk=job_id)
        .only("id", "action", "status", "grantor_account_id", "backend")
        .first()
    )
    if job is None or job.status in ProvisioningJob.FINISHED:
        return
    worker = worker_token()
    if not job_claim(job_id=job_id, worker=worker):
        return  # another worker holds it, it is not due yet, or it finished meanwhile
    claimed = [job_id]
    try:
        backend = backend_for(job.backend)
        if job.action == ProvisioningJob.Action.GRANT:
            # Take other waiting grant jobs of the same backend and grantor account into the same batch.
            companions = (
                ProvisioningJob.objects.filter(
                    action=ProvisioningJob.Action.GRANT,
                    backend=job.backend,
                    grantor_account_id=job.grantor_account_id,
                    status__in=[OutboxStatus.QUEUED, OutboxStatus.PENDING],
                )
                .exclude(pk=job_id)
                .order_by("id")
                .values_list("id", flat=True)[: settings.MESHPORTAL_GRANT_BATCH_JOBS - 1]
            )
            claimed += [cid for cid in companions if job_claim(job_id=cid, worker=worker)]
            _run_grants(backend, _load(claimed))
        else:
            _run_revoke(backend, _load([job_id])[0])
    except Exception as exc:
        # Not an AWS answer (a database error, a bug): back for a later try, with the reason.
        logger.exception("provisioning job(s) %s failed unexpectedly", claimed)
        JOBS.release_after_crash(job_ids=claimed, worker=worker, error=exc)
        raise


def _start(backend: GrantBackend, job: ProvisioningJob) -> None:
    if job.action != ProvisioningJob.Action.GRANT:
        return  # a revocation keeps the plan of what was applied
    with transaction.atomic():
        # Grants follow the port as it is now.
        steps = backend.plan(job.grant, grantor_account_id=job.grantor_account_id, action=job.action)
        job.plan = [step.to_json() for step in steps]
        JOBS.mine(job).update(plan=job.plan)
        access_requests.grant_mark_provisioning(grant=job.grant)


def _fail(job: ProvisioningJob, error: AwsError) -> None:
    message = f"{error.operation}: {error.message}"
    if error.retryable and JOBS.may_retry(job):
        with transaction.atomic():
            JOBS.reschedule(job, code=error.code, message=message)
        return
    reason = f"{error.code}: {error.message}"  # the job keeps AWS's words; the grant gets plain ones
    if job.action == ProvisioningJob.Action.REVOKE:
        # A revocation is never given up: it is retried (slowly) and shown to admins until it succeeds.
        with transaction.atomic():
            if JOBS.reschedule(job, code=error.code, message=message):
                access_requests.grant_mark_end_failed(grant=job.grant, error=reason)
        return
    # A grant that cannot complete must not leave access behind: undo what its plan may have applied first.
    explained = explain(error, job=job)
    plain = explained.text
    left: list[str] = []
    try:
        backend_for(job.backend).undo(job)
    except AwsError as undo_error:
        # What could not be removed stays recorded on the grant (``partial``): a revocation removes the
        # whole plan, a retry completes it.
        left = [step["summary"] for step in job.plan]
        reason = f"{reason} (undoing it failed too: {undo_error.code}: {undo_error.message})"
        plain = f"{plain} Undoing what was set up failed too ({undo_error.code}): revoke the grant to remove it."
    with transaction.atomic():
        if JOBS.finish(job, status=OutboxStatus.FAILED, code=error.code, message=reason):
            if left:
                access_requests.grant_mark_partially_applied(
                    grant=job.grant,
                    error=plain,
                    code=explained.code,
                    retryable=explained.retryable,
                    left_in_aws=left,
                )
            else:
                access_requests.grant_mark_failed(
                    grant=job.grant, error=plain, code=explained.code, retryable=explained.retryable
                )


def _succeed(job: ProvisioningJob, evidence: dict[str, Any]) -> None:
    with transaction.atomic():
        if not JOBS.finish(job, status=OutboxStatus.SUCCEEDED, steps_done=[step["summary"] for step in job.plan]):
            return  # the lease expired and another worker took the job over; it will finish it
        if job.action == ProvisioningJob.Action.GRANT:
            access_requests.grant_mark_applied(grant=job.grant, evidence=evidence)
        else:
            access_requests.grant_mark_ended(grant=job.grant, evidence=evidence)


def _run_grants(backend: GrantBackend, jobs: Sequence[ProvisioningJob]) -> None:
    live = []
    for job in jobs:
        if job.grant.status in GRANT_RUNNABLE:
            live.append(job)
        else:
            JOBS.finish(job, status=OutboxStatus.CANCELLED, message=f"the grant is {job.grant.status}")
    if not live:
        return
    for job in live:
        _start(backend, job)
    failed = backend.apply(live)
    # Settlement: a grant is active only once AWS shows it effective end to end.
    evidence, unsettled = backend.verify([job for job in live if job.pk not in failed])
    failed.update(unsettled)
    for job in live:
        if job.pk in failed:
            _fail(job, failed[job.pk])
        else:
            _succeed(job, evidence[job.pk])


def _run_revoke(backend: GrantBackend, job: ProvisioningJob) -> None:
    if JOBS.in_flight(
        ProvisioningJob.objects.filter(grant_id=job.grant_id, action=ProvisioningJob.Action.GRANT)
    ).exists():
        # Revoking while the grant is still being applied could leave permissions behind: wait for it.
        _fail(
            job,
            AwsError(
                code=ProvisioningErrorCode.GRANT_IN_FLIGHT,
                message="the grant is still being applied; revoking after it",
                operation="meshportal:revoke",
                retryable=True,
            ),
        )
        return
    try:
        evidence = backend.revoke(job)
    except AwsError as error:
        _fail(job, error)
        return
    _succeed(job, evidence)


def jobs_relay() -> int:
    """Re-drive provisioning jobs whose message may be lost (the beat's ``provisioning.relay_jobs``)."""
    return JOBS.relay()
