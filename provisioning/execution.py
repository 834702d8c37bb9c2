"""Carrying out grant and revoke jobs in AWS — exactly once in effect, whatever fails.

- A job is claimed with a conditional UPDATE (only one worker wins; a claim older than the lease is
  considered abandoned by a dead worker and can be taken over).
- The live Lake Formation state is read before acting: permissions already held are not granted again,
  and "No permissions revoked" counts as success, so re-running a job is harmless.
- Grant entries for one grantor account go out in ``batch_grant_permissions`` calls of up to 20 entries;
  per-entry failures are handled one by one.
- Errors that heal (throttling, concurrent modification, 5xx) are retried by boto3's retry mode and then
  by rescheduling the job with exponential backoff and jitter; errors that cannot heal (access denied,
  invalid input) fail the job at once with the AWS reason, and a person can retry it.
- Every AWS call is an AwsCallAttempt row (provisioning/aws/recorder.py).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from meshportal.aws.gateway import RETRYABLE_CODES, AwsError, account_client
from meshportal.aws.gateway import lakeformation as lf
from meshportal.aws.models import AwsAccount
from provisioning import attempts as recorder
from provisioning import plan as planning
from provisioning.attempts import attempt_recorder
from provisioning.models import ProvisioningJob

logger = logging.getLogger(__name__)
BATCH_ENTRY_LIMIT = 20  # BatchGrantPermissions accepts at most 20 entries
NO_PERMISSIONS_REVOKED = "No permissions revoked"
LIVE_GRANT_STATUSES = ("pending", "active", "failed")


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease() -> timedelta:
    return timedelta(seconds=settings.MESHPORTAL_JOB_LEASE_SECONDS)


def _claimable(now: Any) -> Q:
    return (
        Q(status__in=[ProvisioningJob.Status.PENDING, ProvisioningJob.Status.QUEUED])
        | Q(status=ProvisioningJob.Status.RETRY, next_attempt_at__lte=now)
        | Q(status=ProvisioningJob.Status.RETRY, next_attempt_at__isnull=True)
        | Q(status=ProvisioningJob.Status.RUNNING, claimed_at__lt=now - _lease())
    )


def job_claim(*, job_id: int, worker: str) -> bool:
    """Take the job if nobody else holds it (conditional update: exactly one claimant wins)."""
    now = timezone.now()
    return (
        ProvisioningJob.objects.filter(_claimable(now), pk=job_id).update(
            status=ProvisioningJob.Status.RUNNING,
            claimed_at=now,
            claimed_by=worker,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
        )
        == 1
    )


def _mine(job: ProvisioningJob) -> Any:
    """The job's row while this claim still holds it: every terminal update is fenced on the claim, so a
    worker whose lease ran out (and whose job another worker took over) changes nothing."""
    return ProvisioningJob.objects.filter(pk=job.pk, status=ProvisioningJob.Status.RUNNING, claimed_by=job.claimed_by)


def _backoff_seconds(attempts: int) -> float:
    base = settings.MESHPORTAL_JOB_RETRY_BASE_SECONDS
    cap = settings.MESHPORTAL_JOB_RETRY_MAX_SECONDS
    # "Full jitter": https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/
    return random.uniform(0, min(cap, base * (2 ** max(attempts - 1, 0))))  # noqa: S311 - jitter, not crypto


def _reschedule(job: ProvisioningJob, error: AwsError) -> bool:
    from provisioning.tasks import run_job

    delay = _backoff_seconds(job.attempts)
    updated = _mine(job).update(
        status=ProvisioningJob.Status.RETRY,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error_code=error.code,
        last_error=f"{error.operation}: {error.message}"[:4000],
    )
    if updated:
        transaction.on_commit(lambda: run_job.apply_async((job.pk,), countdown=delay))
    return bool(updated)


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
    job = ProvisioningJob.objects.filter(pk=job_id).only("id", "action", "status", "grantor_account_id").first()
    if job is None or job.status in ProvisioningJob.FINISHED:
        return
    # One token per claim: host, process and a nonce, so a re-delivered message in the same process
    # cannot pass for the claim that is still running.
    worker = f"{_worker_id()}:{uuid.uuid4().hex[:8]}"
    if not job_claim(job_id=job_id, worker=worker):
        return  # another worker holds it, it is not due yet, or it finished meanwhile
    claimed = [job_id]
    try:
        if job.action == ProvisioningJob.Action.GRANT:
            # Take other waiting grant jobs of the same grantor account into the same batch.
            companions = (
                ProvisioningJob.objects.filter(
                    action=ProvisioningJob.Action.GRANT,
                    grantor_account_id=job.grantor_account_id,
                    status__in=[ProvisioningJob.Status.QUEUED, ProvisioningJob.Status.PENDING],
                )
                .exclude(pk=job_id)
                .order_by("id")
                .values_list("id", flat=True)[: settings.MESHPORTAL_GRANT_BATCH_JOBS - 1]
            )
            claimed += [cid for cid in companions if job_claim(job_id=cid, worker=worker)]
            _run_grants(_load(claimed))
        else:
            _run_revoke(_load([job_id])[0])
    except Exception as exc:
        # Not an AWS answer (a database error, a bug): put the jobs back for a later try, with the reason,
        # instead of leaving them RUNNING until their lease runs out.
        logger.exception("provisioning job(s) %s failed unexpectedly", claimed)
        error = AwsError(
            code=type(exc).__name__, message=str(exc)[:1000], operation="meshportal:execute", retryable=True
        )
        for stuck in ProvisioningJob.objects.filter(
            pk__in=claimed, status=ProvisioningJob.Status.RUNNING, claimed_by=worker
        ):
            with transaction.atomic():
                _reschedule(stuck, error)
        raise


# --- grants ------------------------------------------------------------------------------------------


def _start(job: ProvisioningJob) -> None:
    from access_requests.services import grant_mark_provisioning

    with transaction.atomic():
        if job.action == ProvisioningJob.Action.GRANT:
            # Grants follow the port as it is now; revocations keep the plan of what was applied.
            job.plan = planning.build(job.grant, grantor_account_id=job.grantor_account_id, action=job.action)
            _mine(job).update(plan=job.plan)
            grant_mark_provisioning(grant=job.grant)


def _fail(job: ProvisioningJob, error: AwsError) -> None:
    from access_requests.services import grant_mark_end_failed, grant_mark_failed

    if error.retryable and job.attempts < settings.MESHPORTAL_JOB_MAX_ATTEMPTS:
        with transaction.atomic():
            _reschedule(job, error)
        return
    reason = f"{error.code}: {error.message}"
    if job.action == ProvisioningJob.Action.REVOKE:
        # A revocation is never given up: it is retried (slowly) and shown to admins until it succeeds.
        with transaction.atomic():
            if _reschedule(job, error):
                grant_mark_end_failed(grant=job.grant, error=reason)
        return
    with transaction.atomic():
        if _mine(job).update(
            status=ProvisioningJob.Status.FAILED,
            finished_at=timezone.now(),
            last_error_code=error.code,
            last_error=reason[:4000],
        ):
            grant_mark_failed(grant=job.grant, error=reason)


def _succeed(job: ProvisioningJob) -> None:
    from access_requests.services import grant_mark_applied, grant_mark_ended

    with transaction.atomic():
        updated = _mine(job).update(
            status=ProvisioningJob.Status.SUCCEEDED,
            finished_at=timezone.now(),
            last_error_code="",
            last_error="",
            steps_done=[s["summary"] for s in job.plan],
        )
        if updated != 1:
            return  # the lease expired and another worker took the job over; it will finish it
        if job.action == ProvisioningJob.Action.GRANT:
            grant_mark_applied(grant=job.grant)
        else:
            grant_mark_ended(grant=job.grant)


def _lf_entry_steps(job: ProvisioningJob) -> list[dict[str, Any]]:
    return [s for s in job.plan if s["step"] == "lf_permissions"]


def _run_grants(jobs: list[ProvisioningJob]) -> None:
    if not jobs:
        return
    live = []
    for job in jobs:
        if job.grant.status in ("pending", "failed", "active"):
            live.append(job)
        else:  # its ending was asked for before it ran: applying it now would outlive the revocation
            _mine(job).update(
                status=ProvisioningJob.Status.CANCELLED,
                finished_at=timezone.now(),
                last_error=f"the grant is {job.grant.status}",
            )
    jobs = live
    if not jobs:
        return
    grantor = jobs[0].grantor_account_id
    for job in jobs:
        _start(job)
    failed: dict[int, AwsError] = {}
    try:
        client = _client("lakeformation", grantor)
        _grant_batch(client, grantor, jobs, failed)
    except AwsError as error:
        for job in jobs:
            failed.setdefault(job.pk, error)
    _consumer_batch([j for j in jobs if j.pk not in failed], failed)
    for job in jobs:
        if job.pk in failed:
            _fail(job, failed[job.pk])
        else:
            _succeed(job)


def _grant_batch(client: Any, grantor: str, jobs: list[ProvisioningJob], failed: dict[int, AwsError]) -> None:
    # Read the live state once per distinct resource, then grant only what is missing.
    resources: dict[str, dict[str, Any]] = {}
    for job in jobs:
        for step in _lf_entry_steps(job):
            resources.setdefault(repr(lf._normalise(step["entry"]["Resource"])), step["entry"]["Resource"])
    held: dict[tuple[str, str], set[str]] = {}
    grants = [j.grant for j in jobs]
    for key, resource in resources.items():
        for entry in lf.iter_permissions(
            client, account_id=grantor, observer=attempt_recorder(grants=grants), Resource=resource
        ):
            if lf.same_resource(entry["Resource"], resource):
                principal = entry["Principal"]["DataLakePrincipalIdentifier"]
                held.setdefault((principal, key), set()).update(entry.get("Permissions", []))
    pending: list[tuple[ProvisioningJob, dict[str, Any]]] = []
    for job in jobs:
        for step in _lf_entry_steps(job):
            entry = step["entry"]
            key = repr(lf._normalise(entry["Resource"]))
            missing = sorted(set(entry["Permissions"]) - held.get((entry["Principal"], key), set()))
            if missing:  # "already granted" needs no call
                pending.append((job, {**entry, "Permissions": missing}))
    for start in range(0, len(pending), BATCH_ENTRY_LIMIT):
        chunk = pending[start : start + BATCH_ENTRY_LIMIT]
        chunk = [(job, entry) for job, entry in chunk if job.pk not in failed]
        if not chunk:
            continue
        batch_entries = [
            {
                "Id": f"{job.pk}-{i}",
                "Principal": {"DataLakePrincipalIdentifier": entry["Principal"]},
                "Resource": entry["Resource"],
                "Permissions": entry["Permissions"],
            }
            for i, (job, entry) in enumerate(chunk)
        ]
        try:
            response = recorder.call(
                client,
                "batch_grant_permissions",
                account_id=grantor,
                grants=list({id(j.grant): j.grant for j, _ in chunk}.values()),
                Entries=batch_entries,
            )
        except AwsError as error:
            for job, _ in chunk:
                failed.setdefault(job.pk, error)
            continue
        _entry_failures(response, failed, "lakeformation:BatchGrantPermissions")


def _entry_failures(response: dict[str, Any], failed: dict[int, AwsError], operation: str) -> None:
    """Per-entry failures of a batch call fail (or retry) only the job whose entry failed."""
    for failure in response.get("Failures", []):
        job_pk = int(failure["RequestEntry"]["Id"].split("-")[0])
        detail = failure.get("Error", {})
        code = detail.get("ErrorCode", "Unknown")
        if code == "AlreadyExistsException":
            continue
        failed.setdefault(
            job_pk,
            AwsError(
                code=code,
                message=detail.get("ErrorMessage", ""),
                operation=operation,
                retryable=code in RETRYABLE_CODES,
            ),
        )


def _client(service: str, account_id: str) -> Any:
    account = AwsAccount.objects.filter(account_id=account_id).only("role_arn", "region").first()
    return account_client(
        service, account_id, role_arn=account.role_arn if account else "", region=account.region if account else ""
    )


def _steps(jobs: list[ProvisioningJob], kind: str) -> list[tuple[ProvisioningJob, dict[str, Any]]]:
    return [(job, step) for job in jobs for step in job.plan if step["step"] == kind]


def _consumer_batch(jobs: list[ProvisioningJob], failed: dict[int, AwsError]) -> None:
    """The consumer side of a batch, shared where grants share it: one invitation read per consumer
    account, one create per link database and resource link, one permission read per link, and the
    links' DESCRIBE grants in batches of 20."""
    by_consumer: dict[str, list[ProvisioningJob]] = {}
    for job in jobs:
        by_consumer.setdefault(str(job.grant.consumer_account.account_id), []).append(job)
    for consumer, group in by_consumer.items():
        for stage in (_accept_invitations, _ensure_links, _grant_link_describe):
            live = [job for job in group if job.pk not in failed]
            if not live:
                break
            try:
                stage(consumer, live, failed)
            except AwsError as error:
                for job in live:
                    failed.setdefault(job.pk, error)


def _accept_invitations(consumer: str, jobs: list[ProvisioningJob], failed: dict[int, AwsError]) -> None:
    owners = {step["owner"] for _, step in _steps(jobs, "ram_accept")}
    if not owners:
        return
    ram = _client("ram", consumer)
    grants = [job.grant for job in jobs]
    token: str | None = None
    seen: set[str] = set()
    while True:
        params: dict[str, Any] = {"maxResults": 100}
        if token:
            params["nextToken"] = token
        page = recorder.call(ram, "get_resource_share_invitations", account_id=consumer, grants=grants, **params)
        for invitation in page.get("resourceShareInvitations", []):
            owner = invitation.get("senderAccountId")
            if owner not in owners:
                continue
            if invitation.get("status") == "PENDING":
                try:
                    recorder.call(
                        ram,
                        "accept_resource_share_invitation",
                        account_id=consumer,
                        grants=grants,
                        resourceShareInvitationArn=invitation["resourceShareInvitationArn"],
                    )
                except AwsError as error:
                    if error.code != "ResourceShareInvitationAlreadyAcceptedException":
                        raise
                seen.add(owner)
            elif invitation.get("status") == "ACCEPTED":
                seen.add(owner)
        token = page.get("nextToken")
        if not token:
            break
    for job, step in _steps(jobs, "ram_accept"):
        if step["owner"] not in seen:
            # The invitation appears shortly after the grant; wait for it rather than fail.
            failed.setdefault(
                job.pk,
                AwsError(
                    code="InvitationNotYetVisible",
                    message=f"no RAM invitation from {step['owner']} yet",
                    operation="ram:GetResourceShareInvitations",
                    retryable=True,
                ),
            )


def _ensure_links(consumer: str, jobs: list[ProvisioningJob], failed: dict[int, AwsError]) -> None:
    links = _steps(jobs, "glue_link")
    if not links:
        return
    glue = _client("glue", consumer)
    databases: dict[str, list[ProvisioningJob]] = {}
    tables: dict[tuple[str, str], tuple[dict[str, Any], list[ProvisioningJob]]] = {}
    for job, step in links:
        databases.setdefault(step["database"], []).append(job)
        tables.setdefault((step["database"], step["link"]), (step["target"], []))[1].append(job)
    for database, users in databases.items():
        try:
            recorder.call(
                glue,
                "create_database",
                account_id=consumer,
                grants=[j.grant for j in users],
                DatabaseInput={
                    "Name": database,
                    "Description": "Resource links to data products shared through MeshPortal",
                },
            )
        except AwsError as error:
            if error.code != "AlreadyExistsException":
                for job in users:
                    failed.setdefault(job.pk, error)
    for (database, link), (target, waiting) in tables.items():
        users = [j for j in waiting if j.pk not in failed]
        if not users:
            continue
        try:
            recorder.call(
                glue,
                "create_table",
                account_id=consumer,
                grants=[j.grant for j in users],
                DatabaseName=database,
                TableInput={"Name": link, "TargetTable": target},
            )
        except AwsError as error:
            if error.code != "AlreadyExistsException":
                for job in users:
                    failed.setdefault(job.pk, error)


def _grant_link_describe(consumer: str, jobs: list[ProvisioningJob], failed: dict[int, AwsError]) -> None:
    steps = _steps(jobs, "lf_link_describe")
    if not steps:
        return
    client = _client("lakeformation", consumer)
    grants = [job.grant for job in jobs]
    held: dict[tuple[str, str], set[str]] = {}
    resources = {(step["database"], step["link"]): _link_resource(step) for _, step in steps}
    for (database, link), resource in resources.items():
        for entry in lf.iter_permissions(
            client, account_id=consumer, observer=attempt_recorder(grants=grants), Resource=resource
        ):
            if lf.same_resource(entry["Resource"], resource):
                held.setdefault(
                    (entry["Principal"]["DataLakePrincipalIdentifier"], f"{database}.{link}"), set()
                ).update(entry.get("Permissions", []))
    pending = [
        (job, step)
        for job, step in steps
        if "DESCRIBE" not in held.get((job.grant.principal_arn, f"{step['database']}.{step['link']}"), set())
    ]
    for start in range(0, len(pending), BATCH_ENTRY_LIMIT):
        chunk = pending[start : start + BATCH_ENTRY_LIMIT]
        entries = [
            {
                "Id": f"{job.pk}-{i}",
                "Principal": {"DataLakePrincipalIdentifier": job.grant.principal_arn},
                "Resource": _link_resource(step),
                "Permissions": ["DESCRIBE"],
            }
            for i, (job, step) in enumerate(chunk)
        ]
        try:
            response = recorder.call(
                client,
                "batch_grant_permissions",
                account_id=consumer,
                grants=[job.grant for job, _ in chunk],
                Entries=entries,
            )
        except AwsError as error:
            for job, _ in chunk:
                failed.setdefault(job.pk, error)
            continue
        _entry_failures(response, failed, "lakeformation:BatchGrantPermissions")


def _link_resource(step: dict[str, Any]) -> dict[str, Any]:
    return lf.table_resource(step["account_id"], step["database"], step["link"])


def _link_describe(job: ProvisioningJob, step: dict[str, Any], *, grant: bool) -> None:
    consumer = step["account_id"]
    client = _client("lakeformation", consumer)
    resource = _link_resource(step)
    principal = {"DataLakePrincipalIdentifier": job.grant.principal_arn}
    if grant:
        if "DESCRIBE" in lf.held_permissions(
            client,
            account_id=consumer,
            principal=job.grant.principal_arn,
            resource=resource,
            observer=attempt_recorder(grants=[job.grant]),
        ):
            return
        recorder.call(
            client,
            "grant_permissions",
            account_id=consumer,
            grants=[job.grant],
            job=job,
            Principal=principal,
            Resource=resource,
            Permissions=["DESCRIBE"],
        )
        return
    _revoke_ignoring_absent(client, consumer, job, Principal=principal, Resource=resource, Permissions=["DESCRIBE"])


# --- revocations -------------------------------------------------------------------------------------


def _revoke_ignoring_absent(client: Any, account_id: str, job: ProvisioningJob, **params: Any) -> None:
    try:
        recorder.call(client, "revoke_permissions", account_id=account_id, grants=[job.grant], job=job, **params)
    except AwsError as error:
        if error.code == "EntityNotFoundException" or (
            error.code == "InvalidInputException" and NO_PERMISSIONS_REVOKED in error.message
        ):
            return  # already gone: the goal state holds
        raise


def _other_live_grants(job: ProvisioningJob) -> Any:
    from access_requests.models import Grant

    return Grant.objects.filter(status__in=LIVE_GRANT_STATUSES).exclude(pk=job.grant_id)


def _still_needed(job: ProvisioningJob, entry: dict[str, Any]) -> set[str]:
    """Permissions on this resource that other live grants of the same principal still rely on."""
    needed: set[str] = set()
    others = _other_live_grants(job).filter(principal_arn=entry["Principal"]).select_related("port")
    for other in others:
        for other_entry in planning.grant_entries(other):
            if lf.same_resource(other_entry["Resource"], entry["Resource"]):
                needed.update(other_entry["Permissions"])
    return needed


def _columns_to_revoke(job: ProvisioningJob, entry: dict[str, Any]) -> list[str]:
    """Lake Formation merges column grants per principal and table: revoking grant A's columns must keep
    the columns another live grant of the same principal on that table still gives. A table-wide SELECT
    of another grant keeps them all."""
    body = entry["Resource"]["TableWithColumns"]
    table = (body["CatalogId"], body["DatabaseName"], body["Name"])
    mine = set(body.get("ColumnNames") or [])
    others = _other_live_grants(job).filter(principal_arn=entry["Principal"]).select_related("port")
    for other in others:
        for other_entry in planning.grant_entries(other):
            kind, other_body = next(iter(other_entry["Resource"].items()))
            if (other_body.get("CatalogId"), other_body.get("DatabaseName"), other_body.get("Name")) != table:
                continue
            if "SELECT" not in other_entry["Permissions"]:
                continue
            if kind == "Table":
                return []
            if kind == "TableWithColumns":
                mine -= set(other_body.get("ColumnNames") or [])
    return sorted(mine)


def _grant_job_in_flight(job: ProvisioningJob) -> bool:
    now = timezone.now()
    return ProvisioningJob.objects.filter(
        grant_id=job.grant_id,
        action=ProvisioningJob.Action.GRANT,
        status=ProvisioningJob.Status.RUNNING,
        claimed_at__gte=now - _lease(),
    ).exists()


def _run_revoke(job: ProvisioningJob) -> None:
    if _grant_job_in_flight(job):
        # Revoking while the grant is still being applied could leave permissions behind: wait for it.
        _fail(
            job,
            AwsError(
                code="GrantInFlight",
                message="the grant is still being applied; revoking after it",
                operation="meshportal:revoke",
                retryable=True,
            ),
        )
        return
    try:
        _start(job)
        for step in job.plan:
            if step["step"] == "lf_link_describe":
                shares_link = (
                    _other_live_grants(job).filter(principal_arn=job.grant.principal_arn, port=job.grant.port).exists()
                )
                if not shares_link:
                    _link_describe(job, step, grant=False)
            elif step["step"] == "glue_unlink":
                in_use = (
                    _other_live_grants(job)
                    .filter(consumer_account=job.grant.consumer_account, port=job.grant.port)
                    .exists()
                )
                if not in_use:
                    glue = _client("glue", step["account_id"])
                    try:
                        recorder.call(
                            glue,
                            "delete_table",
                            account_id=step["account_id"],
                            grants=[job.grant],
                            job=job,
                            DatabaseName=step["database"],
                            Name=step["link"],
                        )
                    except AwsError as error:
                        if error.code != "EntityNotFoundException":
                            raise
            elif step["step"] == "lf_permissions":
                entry = step["entry"]
                resource = entry["Resource"]
                if "TableWithColumns" in resource:
                    columns = _columns_to_revoke(job, entry)
                    if not columns:
                        continue
                    body = dict(resource["TableWithColumns"], ColumnNames=columns)
                    resource = {"TableWithColumns": body}
                    to_revoke = list(entry["Permissions"])
                else:
                    to_revoke = sorted(set(entry["Permissions"]) - _still_needed(job, entry))
                if to_revoke:
                    client = _client("lakeformation", step["account_id"])
                    _revoke_ignoring_absent(
                        client,
                        step["account_id"],
                        job,
                        Principal={"DataLakePrincipalIdentifier": entry["Principal"]},
                        Resource=resource,
                        Permissions=to_revoke,
                    )
    except AwsError as error:
        _fail(job, error)
        return
    _succeed(job)


# --- the relay ---------------------------------------------------------------------------------------


def jobs_relay(*, now: Any = None) -> int:
    """Re-drive work whose message may be lost: committed but never enqueued, enqueued but never run
    (a broker restart), due retries, and claims whose worker died. Returns how many were re-enqueued."""
    from provisioning.tasks import run_job

    now = now or timezone.now()
    stale_queue = now - timedelta(seconds=settings.MESHPORTAL_JOB_REQUEUE_SECONDS)
    due = ProvisioningJob.objects.filter(
        Q(status=ProvisioningJob.Status.PENDING, created_at__lt=now - timedelta(seconds=5))
        | Q(status=ProvisioningJob.Status.QUEUED, enqueued_at__lt=stale_queue)
        | Q(status=ProvisioningJob.Status.RETRY, next_attempt_at__lt=now)
        | Q(status=ProvisioningJob.Status.RUNNING, claimed_at__lt=now - _lease())
    ).values_list("id", "status")
    count = 0
    for job_id, status in due:
        updated = ProvisioningJob.objects.filter(pk=job_id, status=status).update(
            status=ProvisioningJob.Status.QUEUED if status != ProvisioningJob.Status.RUNNING else status,
            enqueued_at=now,
        )
        if updated:
            run_job.delay(job_id)
            count += 1
    return count
