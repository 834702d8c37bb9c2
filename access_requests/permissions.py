"""Who may decide, withdraw, revoke, retry or extend what. Services enforce these; templates ask them to hide
buttons; selectors use the same sets of teams and domains. No queries beyond the cached role look-ups and the
request's (prefetched) approvals.

Separation of duties:
- nobody decides their own request, not even a platform admin;
- the producer stage: members of the product's owning team, and platform admins;
- the steward stage: stewards of the product's domain, and platform admins;
- whoever approved one stage of a request cannot approve another stage of it;
- decisions are people's: a system actor never decides a request by hand (a port's policy approves through
  its own path); otherwise a system actor may what its declared permissions say (``identity.actors``).
"""

from __future__ import annotations

from typing import Any

from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Approval, Grant
from access_requests.policy import PRODUCER, STEWARD
from meshportal.identity import roles
from meshportal.identity.actors import SystemActor


def _authenticated(user: Any) -> bool:
    if isinstance(user, SystemActor):
        return True  # it answers from its declared permissions (roles), never from a membership
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_owning_team_member(user: Any, product: Any) -> bool:
    return product.owner_team_id is not None and product.owner_team_id in roles.team_ids(user)


def may_decide_stage(user: Any, product: Any, stage: str | None) -> bool:
    """The role half of the rule (ignores who requested and who already approved)."""
    if not _authenticated(user) or stage is None:
        return False
    if roles.is_platform_admin(user):
        return True
    if stage == PRODUCER:
        return is_owning_team_member(user, product)
    if stage == STEWARD:
        return product.domain_id in roles.stewarded_domain_ids(user)
    return False


def already_approved(user: Any, request: AccessRequest) -> bool:
    return any(
        a.approver_id == getattr(user, "pk", None) and a.decision == Approval.Decision.APPROVED
        for a in request.approvals.all()
    )


def refusal_to_decide(user: Any, request: AccessRequest) -> tuple[AccessRequestErrorCode, str] | None:
    """Why ``user`` may not decide the pending stage of ``request`` now, as (code, message); None when they may.
    The code ``not_pending`` is a conflict with the request's state; the others are refusals of the person."""
    stage = request.pending_stage
    if stage is None:
        return (
            AccessRequestErrorCode.NOT_PENDING,
            f"Request #{request.pk} is {request.get_status_display().lower()}, not waiting for a decision.",
        )
    if isinstance(user, SystemActor):
        return (
            AccessRequestErrorCode.NOT_AN_APPROVER,
            "Access requests are decided by people, not by the platform's own jobs.",
        )
    if request.requester_id == user.pk:
        return AccessRequestErrorCode.OWN_REQUEST, "You cannot decide your own access request; another person must."
    if not may_decide_stage(user, request.product, stage):
        who = "the owning team" if stage == PRODUCER else "a steward of the product's domain"
        return AccessRequestErrorCode.NOT_AN_APPROVER, f"The {stage} stage of this request is decided by {who}."
    if already_approved(user, request):
        return (
            AccessRequestErrorCode.SAME_APPROVER,
            "You approved an earlier stage of this request; another person must approve this stage.",
        )
    return None


def can_decide(user: Any, request: AccessRequest) -> bool:
    return _authenticated(user) and refusal_to_decide(user, request) is None


def can_withdraw(user: Any, request: AccessRequest) -> bool:
    return request.requester_id == getattr(user, "pk", None) and request.status in AccessRequest.OPEN_STATUSES


def can_manage_grant(user: Any, grant: Grant) -> bool:
    """Revoke: the owning team and platform admins."""
    return _authenticated(user) and (roles.is_platform_admin(user) or is_owning_team_member(user, grant.product))


def is_retrier(user: Any, grant: Grant) -> bool:
    """Who may retry a grant: the requester, the owning team and platform admins."""
    return _authenticated(user) and (
        can_manage_grant(user, grant) or grant.request.requester_id == getattr(user, "pk", None)
    )


def holds_principal_role(user: Any, request: AccessRequest) -> bool:
    """A member of the team whose registered role the request names (the requester may have left it)."""
    role = request.principal_role
    return role is not None and role.team_id is not None and role.team_id in roles.team_ids(user)


def can_end_grant(user: Any, grant: Grant) -> bool:
    """Revoke: the owning team, platform admins, and the team whose role holds the grant."""
    return _authenticated(user) and (can_manage_grant(user, grant) or holds_principal_role(user, grant.request))


def can_retry(user: Any, grant: Grant) -> bool:
    """Retry is offered only for a failure that trying again can heal (throttling, timeouts, not yet visible)."""
    return (
        grant.status in (Grant.Status.FAILED, Grant.Status.PARTIAL)
        and grant.failure_retryable
        and is_retrier(user, grant)
    )


def can_revoke(user: Any, grant: Grant) -> bool:
    return grant.status in Grant.LIVE_STATUSES and can_end_grant(user, grant)


def can_extend(user: Any, grant: Grant) -> bool:
    return grant.status == Grant.Status.ACTIVE and grant.request.requester_id == getattr(user, "pk", None)


def can_set_policy(user: Any, product: Any) -> bool:
    return _authenticated(user) and (roles.is_platform_admin(user) or is_owning_team_member(user, product))
