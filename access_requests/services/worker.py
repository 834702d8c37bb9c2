"""The provisioning worker reports back: each ``grant_mark_*`` records what AWS did, idempotently."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from access_requests import notify
from access_requests.models import AccessRequest, Grant
from access_requests.services.common import (
    WORKER,
    Status,
    _audit,
    _lock_grant,
    _lock_request,
    _refresh_consumer_count,
)
from meshportal.audit.events import EventType


@transaction.atomic
def grant_mark_provisioning(*, grant: Grant) -> None:
    grant = _lock_grant(grant.pk)
    request = _lock_request(grant.request_id)
    if request.status != Status.APPROVED:
        return
    request.status = Status.PROVISIONING
    request.save(update_fields=["status", "updated_at"])
    _audit(
        actor=WORKER, event=EventType.GRANT_PROVISIONING, obj=grant, request=request, after={"status": request.status}
    )
    notify.publish(event="grant.provisioning", request=request, grant=grant)


def _audit_evidence(*, grant: Grant, request: AccessRequest, event: EventType, evidence: dict[str, Any]) -> None:
    if not evidence:
        return  # a backend that reads nothing back gives no evidence
    _audit(actor=WORKER, event=event, obj=grant, request=request, after={"evidence": evidence})


@transaction.atomic
def grant_mark_applied(*, grant: Grant, evidence: dict[str, Any] | None = None) -> None:
    """The permissions are in place in AWS, and ``evidence`` is the read-back that shows it. Idempotent: a second
    report changes nothing."""
    grant = _lock_grant(grant.pk)
    if grant.status in (Grant.Status.ACTIVE, Grant.Status.ENDED):
        return
    request = _lock_request(grant.request_id)
    now = timezone.now()
    if grant.status == Grant.Status.REVOKING:
        # Applied while its ending was already asked for: record when access really began (entitlement
        # history), and leave the ending in charge.
        if grant.granted_at is None:
            grant.granted_at = now
            grant.evidence = evidence or {}
            grant.save(update_fields=["granted_at", "evidence", "updated_at"])
            _audit(
                actor=WORKER,
                event=EventType.GRANT_APPLIED,
                obj=grant,
                request=request,
                after={"status": grant.status, "granted_at": now},
            )
        return
    grant.status = Grant.Status.ACTIVE
    grant.granted_at = grant.granted_at or now
    grant.last_error = ""
    grant.last_error_code = ""
    grant.left_in_aws = []
    grant.evidence = evidence or {}
    grant.save(
        update_fields=["status", "granted_at", "last_error", "last_error_code", "left_in_aws", "evidence", "updated_at"]
    )
    if request.status in (Status.APPROVED, Status.PROVISIONING, Status.FAILED):
        request.status = Status.GRANTED
        request.save(update_fields=["status", "updated_at"])
    _audit(
        actor=WORKER,
        event=EventType.GRANT_APPLIED,
        obj=grant,
        request=request,
        after={"status": grant.status, "granted_at": grant.granted_at},
    )
    _audit_evidence(grant=grant, request=request, event=EventType.GRANT_VERIFIED, evidence=grant.evidence)
    _refresh_consumer_count(grant.product_id)
    notify.publish(event="grant.granted", request=request, grant=grant)


@transaction.atomic
def grant_mark_failed(*, grant: Grant, error: str, code: str = "", retryable: bool = False) -> None:
    """The grant could not be applied and nothing of it is left in AWS. ``error`` is for people, ``code`` for
    experts; ``retryable`` says whether a person's Retry can heal it."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.PENDING:
        return  # ended meanwhile, or reported twice
    request = _lock_request(grant.request_id)
    grant.status = Grant.Status.FAILED
    grant.last_error = error[:4000]
    grant.last_error_code = code[:128]
    grant.failure_retryable = retryable
    grant.save(update_fields=["status", "last_error", "last_error_code", "failure_retryable", "updated_at"])
    if request.status in (Status.APPROVED, Status.PROVISIONING):
        request.status = Status.FAILED
        request.save(update_fields=["status", "updated_at"])
    _audit(
        actor=WORKER,
        event=EventType.GRANT_FAILED,
        obj=grant,
        request=request,
        after={"error": error[:500], "code": code, "retryable": retryable},
    )
    notify.publish(event="grant.failed", request=request, grant=grant, note=f"Error: {error[:500]}")


@transaction.atomic
def grant_mark_partially_applied(
    *, grant: Grant, error: str, left_in_aws: list[str], code: str = "", retryable: bool = False
) -> None:
    """The job failed and could not undo all it applied: record what may be left, until a revocation removes
    it (the revocation's plan is the whole plan of the grant job) or a retry completes it."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.PENDING:
        return  # ended meanwhile (its revocation removes the plan), or reported twice
    request = _lock_request(grant.request_id)
    grant.status = Grant.Status.PARTIAL
    grant.last_error = error[:4000]
    grant.left_in_aws = left_in_aws
    grant.last_error_code = code[:128]
    grant.failure_retryable = retryable
    grant.save(
        update_fields=["status", "last_error", "left_in_aws", "last_error_code", "failure_retryable", "updated_at"]
    )
    if request.status in (Status.APPROVED, Status.PROVISIONING):
        request.status = Status.FAILED
        request.save(update_fields=["status", "updated_at"])
    _audit(
        actor=WORKER,
        event=EventType.GRANT_PARTIALLY_APPLIED,
        obj=grant,
        request=request,
        after={"error": error[:500], "code": code, "retryable": retryable, "left_in_aws": left_in_aws},
    )
    notify.publish(event="grant.partially_applied", request=request, grant=grant, note=f"Error: {error[:500]}")


@transaction.atomic
def grant_mark_ended(*, grant: Grant, evidence: dict[str, Any] | None = None) -> None:
    """The permissions are gone from AWS (``evidence`` is the read-back that shows it): the grant has ended."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.REVOKING:
        return
    request = _lock_request(grant.request_id)
    grant.status = Grant.Status.ENDED
    grant.ended_at = timezone.now()
    grant.last_error = ""
    grant.left_in_aws = []
    grant.evidence = evidence or {}
    grant.save(update_fields=["status", "ended_at", "last_error", "left_in_aws", "evidence", "updated_at"])
    event = EventType.GRANT_EXPIRED if grant.end_reason == Grant.EndReason.EXPIRED else EventType.GRANT_REVOKED
    _audit(
        actor=WORKER,
        event=event,
        obj=grant,
        request=request,
        after={"end_reason": grant.end_reason, "ended_at": grant.ended_at},
    )
    _audit_evidence(grant=grant, request=request, event=EventType.GRANT_REVOCATION_VERIFIED, evidence=grant.evidence)
    _refresh_consumer_count(grant.product_id)
    notify.publish(event="grant.ended", request=request, grant=grant)


@transaction.atomic
def grant_mark_end_failed(*, grant: Grant, error: str) -> None:
    """Removing the permissions failed; the worker keeps retrying and admins see it in the console."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.REVOKING:
        return
    request = AccessRequest.objects.get(pk=grant.request_id)
    grant.last_error = error[:4000]
    grant.save(update_fields=["last_error", "updated_at"])
    _audit(actor=WORKER, event=EventType.GRANT_REVOKE_FAILED, obj=grant, request=request, after={"error": error[:500]})
