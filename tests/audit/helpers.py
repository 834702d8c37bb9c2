"""Scripted access history for the audit console tests: requests, approvals and grants made with the ORM."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from access_requests.models import AccessRequest, Approval, Grant
from tests.factories import AwsAccountFactory, OutputPortFactory

_principals = count(1)


def at(text: str) -> datetime:
    """'2026-03-01 09:00' → an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def consumer_account(account_id: str = "333333333333"):
    return AwsAccountFactory(account_id=account_id, name=f"consumer-{account_id}", role="consumer")


def make_grant(
    *,
    product,
    requester,
    requested_at: datetime,
    granted_at: datetime | None,
    ended_at: datetime | None = None,
    expires_at: datetime | None = None,
    principal: str = "",
    account=None,
    approvals: list[tuple] | None = None,
    status: str = "",
    purpose: str = "Quarterly revenue reporting",
) -> Grant:
    """One request and its grant. ``approvals``: (stage, decision, approver or None for policy, reason, at)."""
    account = account or consumer_account()
    port = product.output_ports.first() or OutputPortFactory(product=product)
    principal = principal or f"arn:aws:iam::{account.account_id}:role/analyst-{next(_principals)}"
    ended = ended_at is not None
    request = AccessRequest.objects.create(
        requester=requester,
        product=product,
        port=port,
        principal_arn=principal,
        consumer_account=account,
        permissions=["SELECT"],
        purpose=purpose,
        requested_until=(requested_at + timedelta(days=90)).date(),
        terms_accepted_at=requested_at,
        status=status or (AccessRequest.Status.EXPIRED if ended else AccessRequest.Status.GRANTED),
    )
    AccessRequest.objects.filter(pk=request.pk).update(created_at=requested_at)
    request.refresh_from_db()
    for stage, decision, approver, reason, decided_at in approvals or []:
        approval = Approval.objects.create(
            request=request, stage=stage, decision=decision, approver=approver, reason=reason
        )
        Approval.objects.filter(pk=approval.pk).update(decided_at=decided_at)
    grant_status = Grant.Status.ENDED if ended else Grant.Status.ACTIVE if granted_at else Grant.Status.PENDING
    return Grant.objects.create(
        request=request,
        product=product,
        port=port,
        principal_arn=principal,
        consumer_account=account,
        permissions=["SELECT"],
        status=grant_status,
        approved_at=requested_at + timedelta(hours=1),
        granted_at=granted_at,
        ended_at=ended_at,
        end_reason=Grant.EndReason.EXPIRED if ended else "",
        expires_at=expires_at or requested_at + timedelta(days=90),
    )


def approved_by(approver, at_: datetime, stage: str = "producer") -> list[tuple]:
    return [(stage, Approval.Decision.APPROVED, approver, "Looks fine", at_)]


def bulk_events(
    n: int,
    *,
    start: datetime | None = None,
    step: timedelta = timedelta(seconds=1),
    event_type: str = "access.request_created",
    product_id: int | None = None,
    actor: str = "bulk-user",
    principal: str = "",
    account_id: str = "",
):
    """Append ``n`` well-chained events fast (bulk_create), continuing the current chain head."""
    from meshportal.audit.models import AuditChainHead, AuditEvent
    from meshportal.audit.services import compute_hash

    head, _ = AuditChainHead.objects.get_or_create(id=1)
    seq, prev = head.seq, head.hash
    moment = start or (head.updated_at if head.seq else at("2026-01-01 00:00"))
    batch: list[AuditEvent] = []
    for _ in range(n):
        seq += 1
        moment += step
        event = AuditEvent(
            seq=seq,
            occurred_at=moment,
            actor_kind="user",
            actor_id=None,
            actor=actor,
            request_id="",
            event_type=event_type,
            object_type="access_requests.accessrequest",
            object_id=str(seq),
            object_repr=f"Request #{seq}",
            product_id=product_id,
            principal=principal,
            account_id=account_id,
            before=None,
            after={"status": "pending", "n": seq},
            prev_hash=prev,
        )
        event.hash = prev = compute_hash(event)
        batch.append(event)
        if len(batch) == 5_000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    AuditChainHead.objects.filter(id=1).update(seq=seq, hash=prev, updated_at=moment)
