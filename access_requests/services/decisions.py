"""Deciding requests: approval by policy or by people (stage by stage), rejection, the extension an approval
applies, and the port's approval policy that decides who decides."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from access_requests import notify, permissions, policy, selectors
from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Approval, Grant
from access_requests.provisioner import grant_provisioner
from access_requests.services.common import (
    LIVE_GRANT,
    POLICY,
    REQUESTABLE,
    Status,
    _audit,
    _lock_grant,
    _lock_request,
    end_of_day,
)
from catalog.models import Column, DataProduct, OutputPort
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor
from meshportal.identity.models import User


def _approve_by_policy(request: AccessRequest, decision: policy.Decision) -> None:
    Approval.objects.create(
        request=request,
        stage=AccessRequest.Stage.PRODUCER,
        approver=None,
        decision=Approval.Decision.APPROVED,
        reason=decision.reason,
    )
    _audit(
        actor=POLICY,
        event=EventType.REQUEST_AUTO_APPROVED,
        obj=request,
        request=request,
        after={"reason": decision.reason},
    )
    _finalize_approval(request, actor=POLICY, reason=decision.reason)


def _finalize_approval(request: AccessRequest, *, actor: Actor, reason: str) -> None:
    """The last stage passed: create the grant and its provisioning job (or move an extended grant's end)."""
    now = timezone.now()
    request.status = Status.APPROVED
    request.required_stages = []
    request.decided_at = now
    request.decision_reason = reason
    request.save(update_fields=["status", "required_stages", "decided_at", "decision_reason", "updated_at"])
    if request.extension_of_id is not None:
        _apply_extension(request, actor=actor)
        return
    grant = Grant.objects.create(
        request=request,
        product_id=request.product_id,
        port_id=request.port_id,
        principal_arn=request.principal_arn,
        consumer_account_id=request.consumer_account_id,
        permissions=request.permissions,
        columns=request.columns,
        status=Grant.Status.PENDING,
        approved_at=now,
        expires_at=end_of_day(request.requested_until),
    )
    # May raise ValidationFailed("no_grantor_account"): it propagates and nothing is written.
    grant_provisioner().apply(grant=grant)
    notify.publish(event="access_request.approved", request=request, grant=grant)


def _recheck_product(request: AccessRequest) -> None:
    """An approval decides on the product as it is now, not as it was when the request was made."""
    product = DataProduct.objects.get(pk=request.product_id)
    request.product = product
    if product.status not in REQUESTABLE:
        raise Conflict(
            f"Data product {product.name!r} is now {product.get_status_display().lower()}: this request "
            "can no longer be approved. Reject it with a reason.",
            code=AccessRequestErrorCode.PRODUCT_NOT_AVAILABLE,
        )
    if request.columns:
        existing = set(Column.objects.filter(product=product, name__in=request.columns).values_list("name", flat=True))
        gone = [c for c in request.columns if c not in existing]
        if gone:
            raise Conflict(
                f"Column(s) {', '.join(gone)} no longer exist on {product.name}: this request can no longer "
                "be approved. Reject it so that the requester can ask again.",
                code=AccessRequestErrorCode.COLUMNS_CHANGED,
            )
    if policy.STEWARD not in request.required_stages:
        findings = policy.needs_steward_now(
            classification=product.classification,
            columns=selectors.column_facts(product=product, names=request.columns),
        )
        if findings:
            raise Conflict(
                f"The product changed since this request was made ({'; '.join(findings)}): it now needs "
                "two-stage approval with a domain steward. Reject it with this reason and the requester can ask "
                "again under the current policy.",
                code=AccessRequestErrorCode.POLICY_CHANGED,
            )


def current_state(request: AccessRequest) -> dict[str, object]:
    """What a stale decision is answered with: the request as it is now."""
    return {
        "id": request.pk,
        "status": request.status,
        "pending_stage": request.pending_stage,
        "required_stages": list(request.required_stages),
        "version": request.version,
        "decision_reason": request.decision_reason,
    }


def _require_seen(request: AccessRequest, *, stage: str | None, version: int | None) -> None:
    """A decision is made on what its approver saw: the pending stage, and the request's version when given.
    Anything else is a 409 carrying the current state, never a decision on another stage."""
    stale_stage = stage is not None and request.pending_stage != stage
    stale_version = version is not None and request.version != version
    if not (stale_stage or stale_version):
        return
    now = (
        f"waiting for the {request.pending_stage} stage"
        if request.pending_stage
        else request.get_status_display().lower()
    )
    raise Conflict(
        f"Request #{request.pk} changed since you saw it"
        + (f" (you decided on the {stage} stage)" if stale_stage else "")
        + f": it is now {now}, version {request.version}. Review it again before deciding.",
        code=AccessRequestErrorCode.STALE_DECISION,
        extra={"current": current_state(request)},
    )


@transaction.atomic
def access_request_approve(
    *,
    request: AccessRequest,
    actor: User,
    comment: str = "",
    stage: str | None = None,
    version: int | None = None,
) -> AccessRequest:
    """Approve the pending stage, which must be ``stage`` (and the request at ``version``) when the caller says
    what its approver saw. The last stage creates the grant and its provisioning job."""
    request = _lock_request(request.pk)
    _require_seen(request, stage=stage, version=version)
    refusal = permissions.refusal_to_decide(actor, request)
    if refusal is not None:
        code, message = refusal
        raise (Conflict if code == AccessRequestErrorCode.NOT_PENDING else NotAllowed)(message, code=code)
    _recheck_product(request)
    stage = request.required_stages[0]
    comment = comment.strip()
    Approval.objects.create(
        request=request, stage=stage, approver=actor, decision=Approval.Decision.APPROVED, reason=comment or "approved"
    )
    remaining = request.required_stages[1:]
    said = f": {comment}" if comment else ""
    if remaining:
        request.required_stages = remaining
        request.decision_reason = f"{stage} stage approved by {actor.get_username()}{said}; waiting for {remaining[0]}"
        request.save(update_fields=["required_stages", "decision_reason", "updated_at"])
        _audit(
            actor=actor,
            event=EventType.REQUEST_STAGE_APPROVED,
            obj=request,
            request=request,
            after={"stage": stage, "comment": comment, "next_stage": remaining[0]},
        )
        notify.publish(event="access_request.stage_approved", request=request, exclude_user_id=actor.pk)
        return request
    approvers = ", ".join(
        f"{a.stage}: {a.approver.get_username()}"
        for a in request.approvals.select_related("approver").filter(approver__isnull=False)
        if a.approver is not None
    )
    reason = f"approved ({approvers}){said}"
    _audit(
        actor=actor,
        event=EventType.REQUEST_APPROVED,
        obj=request,
        request=request,
        after={"stage": stage, "comment": comment},
    )
    _finalize_approval(request, actor=actor, reason=reason)
    return request


@transaction.atomic
def access_request_reject(
    *, request: AccessRequest, actor: User, reason: str, stage: str | None = None, version: int | None = None
) -> AccessRequest:
    """Reject the pending stage (``stage`` and ``version``: what the approver saw, as for an approval)."""
    request = _lock_request(request.pk)
    _require_seen(request, stage=stage, version=version)
    reason = (reason or "").strip()
    refusal = permissions.refusal_to_decide(actor, request)
    if refusal is not None:
        code, message = refusal
        raise (Conflict if code == AccessRequestErrorCode.NOT_PENDING else NotAllowed)(message, code=code)
    if not reason:
        raise ValidationFailed(
            "Say why the request is rejected.", field="reason", code=AccessRequestErrorCode.REASON_REQUIRED
        )
    stage = request.required_stages[0]
    Approval.objects.create(
        request=request, stage=stage, approver=actor, decision=Approval.Decision.REJECTED, reason=reason
    )
    request.status = Status.REJECTED
    request.required_stages = []
    request.decided_at = timezone.now()
    request.decision_reason = f"rejected by {actor.get_username()} at the {stage} stage: {reason}"
    request.save(update_fields=["status", "required_stages", "decided_at", "decision_reason", "updated_at"])
    _audit(
        actor=actor,
        event=EventType.REQUEST_REJECTED,
        obj=request,
        request=request,
        after={"stage": stage, "reason": reason},
    )
    notify.publish(event="access_request.rejected", request=request)
    return request


def _apply_extension(extension: AccessRequest, *, actor: Actor) -> None:
    assert extension.extension_of_id is not None  # the caller checked: this request extends a grant
    original = _lock_request(extension.extension_of_id)
    grant = _lock_grant(original.grant.pk)
    if grant.status not in LIVE_GRANT:
        raise Conflict(
            f"Grant #{grant.pk} has ended; there is nothing left to extend.", code=AccessRequestErrorCode.GRANT_ENDED
        )
    before = grant.expires_at
    grant.expires_at = end_of_day(extension.requested_until)
    grant.reminder_sent_at = None
    grant.save(update_fields=["expires_at", "reminder_sent_at", "updated_at"])
    original.requested_until = extension.requested_until
    original.save(update_fields=["requested_until", "updated_at"])
    extension.status = Status.GRANTED
    extension.save(update_fields=["status", "updated_at"])
    _audit(
        actor=actor,
        event=EventType.GRANT_EXTENDED,
        obj=grant,
        request=original,
        before={"expires_at": before},
        after={"expires_at": grant.expires_at, "extension": extension.pk},
    )
    notify.publish(event="grant.extended", request=original, grant=grant)


# --- port policy ---------------------------------------------------------------------------------


@transaction.atomic
def access_policy_set(
    *, port: OutputPort, actor: User, approval_policy: str, auto_approve_owning_team: bool
) -> OutputPort:
    """The producer chooses how requests to a port are approved. Sensitive data stays two-stage whatever is
    chosen (see access_requests.policy)."""
    port = OutputPort.objects.select_for_update().get(pk=port.pk)
    product = DataProduct.objects.get(pk=port.product_id)
    if not permissions.can_set_policy(actor, product):
        raise NotAllowed("Only the owning team and platform admins set a port's access policy.")
    if approval_policy not in OutputPort.ApprovalPolicy.values:
        raise ValidationFailed(
            f"Unknown approval policy {approval_policy!r}; choose one of "
            f"{', '.join(OutputPort.ApprovalPolicy.values)}.",
            field="approval_policy",
            code=AccessRequestErrorCode.INVALID_POLICY,
        )
    before = {"approval_policy": port.approval_policy, "auto_approve_owning_team": port.auto_approve_owning_team}
    port.approval_policy = approval_policy
    port.auto_approve_owning_team = bool(auto_approve_owning_team)
    port.save(update_fields=["approval_policy", "auto_approve_owning_team", "updated_at"])
    after = {"approval_policy": port.approval_policy, "auto_approve_owning_team": port.auto_approve_owning_team}
    if before != after:
        audit_record(
            actor=actor,
            event_type=EventType.POLICY_CHANGED,
            obj=port,
            before=before,
            after=after,
            product_id=product.pk,
        )
    return port
