"""Who hears about which transition of a request or grant, and what they are told.

Called by the services inside their transaction. The notifications app writes the in-app notifications and
the webhook delivery rows in the same transaction and sends e-mails and webhooks after commit. When the app is
not installed, nothing is sent (the access-request flow itself never depends on it).

Webhooks: events go to the webhooks of the product's owning team and of the requester's teams.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.urls import reverse

from access_requests.models import AccessRequest, Grant
from meshportal.identity.models import User
from meshportal.notifications.services import event_publish

REQUESTER, OWNERS, STEWARDS, APPROVERS = "requester", "owners", "stewards", "approvers"

# event → (people told, title template). Webhook event types are com.meshportal.<event>.
EVENTS: dict[str, tuple[tuple[str, ...], str]] = {
    "access_request.created": ((REQUESTER, APPROVERS), "Access request #{id} to {product} waits for {stage} approval"),
    "access_request.stage_approved": (
        (REQUESTER, APPROVERS),
        "Access request #{id} to {product} passed the producer stage",
    ),
    "access_request.approved": ((REQUESTER, OWNERS), "Access request #{id} to {product} was approved"),
    "access_request.rejected": ((REQUESTER,), "Access request #{id} to {product} was rejected"),
    "access_request.withdrawn": ((OWNERS,), "Access request #{id} to {product} was withdrawn"),
    "access_request.extension_requested": (
        (REQUESTER, APPROVERS),
        "Extension of access to {product} requested (#{id})",
    ),
    # Short-lived or follow-up states go to webhooks only: people already heard of the decision.
    "grant.provisioning": ((), "Access to {product} is being set up (#{id})"),
    "grant.granted": ((REQUESTER,), "Access to {product} is ready (#{id})"),
    "grant.failed": ((REQUESTER, OWNERS), "Access to {product} could not be set up (#{id})"),
    "grant.partially_applied": (
        (REQUESTER, OWNERS),
        "Access to {product} could not be set up and part of it is still in AWS until revoked (#{id})",
    ),
    "grant.retried": ((REQUESTER,), "Setting up access to {product} is being retried (#{id})"),
    "grant.revoked": ((REQUESTER, OWNERS), "Access to {product} was revoked (#{id})"),
    "grant.expired": ((REQUESTER, OWNERS), "Access to {product} expired (#{id})"),
    "grant.ended": ((), "Access to {product} was removed (#{id})"),
    "grant.expiring": ((REQUESTER,), "Access to {product} ends on {until} (#{id})"),
    "grant.extended": ((REQUESTER, OWNERS), "Access to {product} was extended to {until} (#{id})"),
}


def _people(kind: str, request: AccessRequest) -> set[int]:
    product = request.product
    if kind == REQUESTER:
        return {request.requester_id}
    if kind == OWNERS:
        if product.owner_team_id is None:
            return set()
        return set(
            User.objects.filter(team_memberships__team_id=product.owner_team_id, is_active=True).values_list(
                "id", flat=True
            )
        )
    if kind == STEWARDS:
        return set(product.domain.stewards.filter(is_active=True).values_list("id", flat=True))
    if kind == APPROVERS:
        stage = request.pending_stage
        return _people(OWNERS if stage == "producer" else STEWARDS, request) if stage else set()
    return set()


def publish(
    *,
    event: str,
    request: AccessRequest,
    grant: Grant | None = None,
    note: str = "",
    exclude_user_id: int | None = None,
) -> None:
    """Record the notifications and webhook deliveries of one transition (in the caller's transaction)."""
    if not apps.is_installed("meshportal.notifications"):
        return
    audiences, title = EVENTS[event]
    recipients: set[int] = set()
    for kind in audiences:
        recipients |= _people(kind, request)
    if exclude_user_id is not None and exclude_user_id != request.requester_id:
        recipients.discard(exclude_user_id)  # the person who acted knows; the requester is always told
    until = (grant.expires_at.date() if grant else request.requested_until).isoformat()
    context = {"id": request.pk, "product": request.product.name, "stage": request.pending_stage or "", "until": until}
    body_lines = [
        f"Product: {request.product.name} ({request.port.name})",
        f"Principal: {request.principal_arn}",
        f"Status: {request.get_status_display()}",
    ]
    if request.decision_reason:
        body_lines.append(f"Reason: {request.decision_reason}")
    if note:
        body_lines.append(note)
    team_ids = set(request.requester.team_memberships.values_list("team_id", flat=True))
    if request.product.owner_team_id:
        team_ids.add(request.product.owner_team_id)
    event_publish(
        event_type=event,
        title=title.format(**context),
        body="\n".join(body_lines),
        url=reverse("access_requests:detail", args=[request.pk]),
        recipient_ids=recipients,
        webhook_team_ids=team_ids,
        source="/meshportal/access-requests",
        subject=str(request.pk),
        data=event_data(request=request, grant=grant),
    )


def event_data(*, request: AccessRequest, grant: Grant | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "access_request": {
            "id": request.pk,
            "status": request.status,
            "requester": request.requester.username,
            "product": request.product.slug,
            "port": request.port.name,
            "principal_arn": request.principal_arn,
            "consumer_account": request.consumer_account.account_id,
            "permissions": request.permissions,
            "columns": request.columns,
            "requested_until": request.requested_until,
            "decision_reason": request.decision_reason,
            "extension_of": request.extension_of_id,
        },
    }
    if grant is not None:
        data["grant"] = {
            "id": grant.pk,
            "status": grant.status,
            "expires_at": grant.expires_at,
            "granted_at": grant.granted_at,
            "ended_at": grant.ended_at,
            "end_reason": grant.end_reason,
        }
    return data
