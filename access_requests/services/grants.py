"""The grant lifecycle people and beat tasks drive: revoke, expire, remind before expiry, retry a failure."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from access_requests import notify, permissions
from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Grant
from access_requests.provisioner import grant_provisioner
from access_requests.services.common import (
    EXPIRY,
    LIVE_GRANT,
    REMINDER_DAYS,
    Status,
    _audit,
    _lock_grant,
    _lock_request,
    _require_requestable,
    _user,
)
from catalog.models import DataProduct
from meshportal.audit.events import EventType
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor
from meshportal.identity.models import User

logger = logging.getLogger(__name__)

# --- ending grants -------------------------------------------------------------------------------


def _end_grant(
    *, grant: Grant, request: AccessRequest, actor: Actor, end_reason: str, request_status: str, note: str, reason: str
) -> None:
    if grant.status not in LIVE_GRANT:
        raise Conflict(
            f"Grant #{grant.pk} is already {grant.get_status_display().lower()}.",
            code=AccessRequestErrorCode.GRANT_ENDED,
        )
    grant.status = Grant.Status.REVOKING
    grant.end_reason = end_reason
    grant.ended_by = _user(actor)
    grant.end_note = note
    grant.save(update_fields=["status", "end_reason", "ended_by", "end_note", "updated_at"])
    request.status = request_status
    request.decision_reason = reason
    request.save(update_fields=["status", "decision_reason", "updated_at"])
    grant_provisioner().revoke(grant=grant)
    # Pending extensions of an ended grant have nothing left to extend.
    for extension in AccessRequest.objects.select_for_update().filter(extension_of=request, status=Status.PENDING):
        extension.status = Status.WITHDRAWN
        extension.required_stages = []
        extension.decision_reason = f"closed: the grant it would extend ended ({end_reason})"
        extension.save(update_fields=["status", "required_stages", "decision_reason", "updated_at"])
        _audit(
            actor=actor,
            event=EventType.REQUEST_WITHDRAWN,
            obj=extension,
            request=extension,
            after={"status": extension.status, "reason": extension.decision_reason},
        )


@transaction.atomic
def grant_revoke(*, grant: Grant, actor: User, reason: str) -> Grant:
    """The owning team, the team whose role holds the grant, or a platform admin ends a grant, with a reason."""
    grant = _lock_grant(grant.pk)
    if not permissions.can_end_grant(actor, grant):
        raise NotAllowed(
            "Only the owning team, the team whose role holds the grant and platform admins revoke grants.",
            code=AccessRequestErrorCode.NOT_AN_OWNER,
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say why the grant is revoked.", field="reason", code=AccessRequestErrorCode.REASON_REQUIRED
        )
    request = _lock_request(grant.request_id)
    _end_grant(
        grant=grant,
        request=request,
        actor=actor,
        end_reason=Grant.EndReason.REVOKED,
        request_status=Status.REVOKED,
        note=reason,
        reason=f"revoked by {actor.get_username()}: {reason}",
    )
    _audit(
        actor=actor,
        event=EventType.GRANT_REVOKE_REQUESTED,
        obj=grant,
        request=request,
        after={"end_reason": "revoked", "reason": reason},
    )
    notify.publish(event="grant.revoked", request=request, grant=grant, exclude_user_id=actor.pk)
    return grant


@transaction.atomic
def grant_expire(*, grant: Grant, now: datetime) -> bool:
    """End one grant whose end date passed. False when it was no longer live or not yet due."""
    grant = _lock_grant(grant.pk)
    if grant.status not in LIVE_GRANT or grant.expires_at > now:
        return False
    request = _lock_request(grant.request_id)
    _end_grant(
        grant=grant,
        request=request,
        actor=EXPIRY,
        end_reason=Grant.EndReason.EXPIRED,
        request_status=Status.EXPIRED,
        note="",
        reason=f"expired at the end of {request.requested_until}",
    )
    _audit(
        actor=EXPIRY,
        event=EventType.GRANT_REVOKE_REQUESTED,
        obj=grant,
        request=request,
        after={"end_reason": "expired", "expires_at": grant.expires_at},
    )
    notify.publish(event="grant.expired", request=request, grant=grant)
    return True


def grants_expire_due(*, now: datetime | None = None) -> int:
    """Beat task: end every live grant past its end date, each in its own transaction."""
    now = now or timezone.now()
    ended = 0
    for grant in Grant.objects.filter(status__in=LIVE_GRANT, expires_at__lte=now).order_by("expires_at")[:1000]:
        try:
            ended += grant_expire(grant=grant, now=now)
        except ValidationFailed:
            logger.exception("grant %s could not be expired", grant.pk)
    return ended


def grants_remind_expiring(*, now: datetime | None = None) -> int:
    """Beat task: tell requesters 7 days ahead that their access ends, once per grant, with a link to extend."""
    now = now or timezone.now()
    due = Grant.objects.filter(
        status=Grant.Status.ACTIVE,
        reminder_sent_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=REMINDER_DAYS),
    )
    sent = 0
    for grant in due.select_related("request").order_by("expires_at")[:1000]:
        with transaction.atomic():
            if Grant.objects.filter(pk=grant.pk, reminder_sent_at__isnull=True).update(reminder_sent_at=now) != 1:
                continue
            link = reverse("access_requests:grant-extend", args=[grant.pk])
            notify.publish(
                event="grant.expiring",
                request=grant.request,
                grant=grant,
                note=f"Ask for an extension in one click: {link}",
            )
            sent += 1
    return sent


@transaction.atomic
def grant_retry(*, grant: Grant, actor: User) -> Grant:
    """Try a failed grant again (the owning team, a platform admin, or the requester)."""
    grant = _lock_grant(grant.pk)
    if grant.status not in (Grant.Status.FAILED, Grant.Status.PARTIAL):
        raise Conflict(
            f"Grant #{grant.pk} is {grant.get_status_display().lower()}; only failed grants are retried.",
            code=AccessRequestErrorCode.NOT_FAILED,
        )
    if not permissions.is_retrier(actor, grant):
        raise NotAllowed(
            "Only the requester, the owning team and platform admins retry a grant.",
            code=AccessRequestErrorCode.NOT_ALLOWED_TO_RETRY,
        )
    if not grant.failure_retryable:
        raise Conflict(
            f"Retrying cannot heal this failure: {grant.last_error} Fix its cause, then ask again.",
            code=AccessRequestErrorCode.NOT_RETRYABLE,
        )
    request = _lock_request(grant.request_id)
    _require_requestable(DataProduct.objects.get(pk=grant.product_id), action="granted")
    grant.status = Grant.Status.PENDING
    grant.save(update_fields=["status", "updated_at"])
    request.status = Status.APPROVED
    request.save(update_fields=["status", "updated_at"])
    _audit(
        actor=actor,
        event=EventType.GRANT_RETRIED,
        obj=grant,
        request=request,
        after={"previous_error": grant.last_error[:500]},
    )
    grant_provisioner().apply(grant=grant)
    notify.publish(event="grant.retried", request=request, grant=grant, exclude_user_id=actor.pk)
    return grant
