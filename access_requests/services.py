"""Access requests and grants: every state change, keyword-only, atomic, audited in the same transaction.

Request lifecycle: pending → approved → provisioning → granted | failed; rejected; withdrawn (by the
requester, before or after the grant); expired; revoked. The provisioning worker reports back through the
``grant_mark_*`` services; the UI and the API call the ones that take an ``actor``.

Deprecated products: requests are allowed (consumers still on them may need access while they migrate) and
the request form warns; draft and retired products are refused.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from access_requests import notify, permissions, policy, selectors
from access_requests.models import AccessRequest, Approval, Grant
from access_requests.provisioner import grant_provisioner
from catalog.models import Column, DataProduct, OutputPort
from meshportal.audit.events import EventType
from meshportal.audit.services import Actor, SystemActor, audit_record
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.models import User

logger = logging.getLogger(__name__)

ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")
REQUESTABLE = (DataProduct.Status.PUBLISHED, DataProduct.Status.DEPRECATED)
REQUESTER_ACCOUNT_ROLES = (AwsAccount.Role.CONSUMER, AwsAccount.Role.PRODUCER)
REMINDER_DAYS = 7
POLICY = SystemActor("access-policy")
WORKER = SystemActor("provisioning")
EXPIRY = SystemActor("grant-expiry")
LIVE_GRANT = (Grant.Status.PENDING, Grant.Status.ACTIVE, Grant.Status.FAILED)
Status = AccessRequest.Status
REQUEST_FIELDS = ["status", "required_stages", "decision_reason", "requested_until"]


# --- helpers -------------------------------------------------------------------------------------


def end_of_day(day: date) -> datetime:
    """Access ends at the end of ``requested_until`` (UTC)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def _today() -> date:
    return timezone.now().astimezone(UTC).date()


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _actor_name(actor: Actor) -> str:
    return actor.get_username() if isinstance(actor, User) else getattr(actor, "label", "system")


def _audit(
    *,
    actor: Actor,
    event: EventType,
    obj: Any,
    request: AccessRequest,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=actor,
        event_type=event,
        obj=obj,
        before=before,
        after=after,
        product_id=request.product_id,
        principal=request.principal_arn,
        account_id=request.consumer_account.account_id,
    )


def _lock_request(pk: int) -> AccessRequest:
    return AccessRequest.objects.select_for_update().get(pk=pk)


def _lock_grant(pk: int) -> Grant:
    """Lock a grant, after its request: every service takes the two locks in that order (request, then
    grant), so a withdrawal and the worker's report on the same grant cannot deadlock."""
    request_id = Grant.objects.filter(pk=pk).values_list("request_id", flat=True).first()
    if request_id is not None:
        AccessRequest.objects.select_for_update().filter(pk=request_id).exists()
    return Grant.objects.select_for_update().get(pk=pk)


def _refresh_consumer_count(product_id: int) -> None:
    consumers = (
        Grant.objects.filter(product_id=product_id, status=Grant.Status.ACTIVE)
        .values("principal_arn")
        .distinct()
        .count()
    )
    DataProduct.objects.filter(pk=product_id).update(consumer_count=consumers)


def default_until(*, product: DataProduct, after: datetime | None = None) -> date:
    """The end date a form proposes: the product's default length from today (or from the current end of an
    extended grant), never beyond its maximum."""
    today = _today()
    start = max(today, after.astimezone(UTC).date()) if after else today
    return min(start + timedelta(days=product.default_access_days), today + timedelta(days=product.max_access_days))


def _require_requestable(product: DataProduct, *, action: str = "requested") -> None:
    if product.status not in REQUESTABLE:
        raise ValidationFailed(
            f"Data product {product.name!r} is {product.get_status_display().lower()}: access to it cannot be "
            f"{action}.",
            code="product_not_available",
        )


# --- input checks --------------------------------------------------------------------------------


def principal_account(principal_arn: str) -> AwsAccount:
    """The registered, active account of an IAM role ARN; ValidationFailed (field principal_arn) otherwise."""
    match = ARN_RE.fullmatch(principal_arn or "")
    if not match:
        raise ValidationFailed(
            "Enter an IAM role ARN: arn:aws:iam::<12-digit account id>:role/<role name>.",
            field="principal_arn",
            code="malformed_arn",
        )
    account = AwsAccount.objects.filter(
        account_id=match.group(1), is_active=True, role__in=REQUESTER_ACCOUNT_ROLES
    ).first()
    if account is None:
        raise ValidationFailed(
            f"Account {match.group(1)} is not a registered, active consumer or producer account; ask a platform "
            "admin to register it.",
            field="principal_arn",
            code="unknown_account",
        )
    return account


def _check_request_input(
    *,
    product: DataProduct,
    port: OutputPort,
    principal_arn: str,
    permissions_: list[str],
    columns: list[str],
    purpose: str,
    requested_until: date | None,
    accept_terms: bool,
) -> tuple[AwsAccount | None, list[str], list[str], str, date]:
    errors: list[tuple[str, str, str]] = []  # (field, code, message)
    account = None
    try:
        account = principal_account(principal_arn)
    except ValidationFailed as exc:
        errors.append(("principal_arn", exc.code, exc.detail))
    perms = sorted(set(permissions_ or []))
    unknown_perms = [p for p in perms if p not in AccessRequest.Permission.values]
    if not perms or unknown_perms:
        errors.append(
            (
                "permissions",
                "invalid_permissions",
                "Choose SELECT and/or DESCRIBE." + (f" Unknown: {', '.join(unknown_perms)}." if unknown_perms else ""),
            )
        )
    cols = list(dict.fromkeys(c.strip() for c in columns or [] if c.strip()))
    if cols:
        if port.kind == OutputPort.Kind.GLUE_DATABASE:
            errors.append(
                ("columns", "columns_not_supported", "This port shares a whole database: columns cannot be chosen.")
            )
        else:
            known = set(Column.objects.filter(product=product, name__in=cols).values_list("name", flat=True))
            missing = [c for c in cols if c not in known]
            if missing:
                errors.append(
                    (
                        "columns",
                        "unknown_columns",
                        (f"{product.name} has no column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."),
                    )
                )
    purpose = (purpose or "").strip()
    if not purpose:
        errors.append(("purpose", "purpose_required", "Say what you need the data for."))
    today = _today()
    until = requested_until or today + timedelta(days=product.default_access_days)
    latest = today + timedelta(days=product.max_access_days)
    if until < today:
        errors.append(("requested_until", "end_date_past", "The end date is in the past."))
    elif until > latest:
        errors.append(
            (
                "requested_until",
                "end_date_too_late",
                f"The end date can be at most {product.max_access_days} days ahead ({latest.isoformat()}).",
            )
        )
    if not accept_terms:
        errors.append(("accept_terms", "terms_not_accepted", "Accept the product's terms of use to request access."))
    if len(errors) == 1:
        field, code, message = errors[0]
        raise ValidationFailed(message, field=field, code=code)
    if errors:
        raise ValidationFailed(
            "; ".join(m for _, _, m in errors),
            code=errors[0][1],
            errors={f: [m for f2, _, m in errors if f2 == f] for f, _, _ in errors},
        )
    assert account is not None
    return account, perms, cols, purpose, until


def open_request_for(*, requester: User, port: OutputPort, principal_arn: str) -> AccessRequest | None:
    return (
        AccessRequest.objects.filter(
            requester=requester,
            port=port,
            principal_arn=principal_arn,
            status__in=AccessRequest.OPEN_STATUSES,
            extension_of__isnull=True,
        )
        .order_by("id")
        .first()
    )


def _duplicate(existing: AccessRequest) -> Conflict:
    url = reverse("access_requests:detail", args=[existing.pk])
    return Conflict(
        f"You already have an open request for this port and principal: #{existing.pk} "
        f"({existing.get_status_display().lower()}), see {url}.",
        code="duplicate_request",
        extra={"existing_request_id": existing.pk, "existing_request_url": url},
    )


# --- requests ------------------------------------------------------------------------------------


@transaction.atomic
def access_request_create(
    *,
    actor: User,
    port: OutputPort,
    principal_arn: str,
    permissions: list[str],
    columns: list[str],
    purpose: str,
    requested_until: date | None,
    accept_terms: bool,
) -> AccessRequest:
    """Ask for access to an output port; decided by policy at once, or waiting for its first stage."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise NotAllowed("Sign in to request access.")
    port = OutputPort.objects.select_related("product").get(pk=port.pk)
    product = port.product
    _require_requestable(product)
    account, perms, cols, purpose, until = _check_request_input(
        product=product,
        port=port,
        principal_arn=principal_arn,
        permissions_=permissions,
        columns=columns,
        purpose=purpose,
        requested_until=requested_until,
        accept_terms=accept_terms,
    )
    existing = open_request_for(requester=actor, port=port, principal_arn=principal_arn)
    if existing is not None:
        raise _duplicate(existing)
    decision = selectors.policy_decision(port=port, product=product, requester=actor, columns=cols)
    request = AccessRequest(
        requester=actor,
        product=product,
        port=port,
        principal_arn=principal_arn,
        consumer_account=account,
        permissions=perms,
        columns=cols,
        purpose=purpose,
        requested_until=until,
        terms_accepted_at=timezone.now(),
        status=Status.PENDING,
        required_stages=decision.stages,
        decision_reason=decision.reason,
    )
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError as exc:  # a concurrent identical request won the race
        existing = open_request_for(requester=actor, port=port, principal_arn=principal_arn)
        if existing is None:
            raise
        raise _duplicate(existing) from exc
    DataProduct.objects.filter(pk=product.pk).update(request_count=F("request_count") + 1)
    _audit(
        actor=actor,
        event=EventType.REQUEST_CREATED,
        obj=request,
        request=request,
        after={
            "port": port.pk,
            "permissions": perms,
            "columns": cols,
            "requested_until": until,
            "required_stages": decision.stages,
            "policy": decision.reason,
        },
    )
    if decision.auto_approved:
        _approve_by_policy(request, decision)
    else:
        notify.publish(event="access_request.created", request=request)
    return request


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
            code="product_not_available",
        )
    if request.columns:
        existing = set(Column.objects.filter(product=product, name__in=request.columns).values_list("name", flat=True))
        gone = [c for c in request.columns if c not in existing]
        if gone:
            raise Conflict(
                f"Column(s) {', '.join(gone)} no longer exist on {product.name}: this request can no longer "
                "be approved. Reject it so that the requester can ask again.",
                code="columns_changed",
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
                code="policy_changed",
            )


@transaction.atomic
def access_request_approve(*, request: AccessRequest, actor: User, comment: str = "") -> AccessRequest:
    """Approve the pending stage. The last stage creates the grant and its provisioning job."""
    request = _lock_request(request.pk)
    refusal = permissions.refusal_to_decide(actor, request)
    if refusal is not None:
        code, message = refusal
        raise (Conflict if code == "not_pending" else NotAllowed)(message, code=code)
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
def access_request_reject(*, request: AccessRequest, actor: User, reason: str) -> AccessRequest:
    request = _lock_request(request.pk)
    reason = (reason or "").strip()
    refusal = permissions.refusal_to_decide(actor, request)
    if refusal is not None:
        code, message = refusal
        raise (Conflict if code == "not_pending" else NotAllowed)(message, code=code)
    if not reason:
        raise ValidationFailed("Say why the request is rejected.", field="reason", code="reason_required")
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


@transaction.atomic
def access_request_withdraw(*, request: AccessRequest, actor: User) -> AccessRequest:
    """The requester takes a request back: before a decision nothing else happens; after approval the grant is
    removed (a revoke job runs even when nothing was applied yet: the worker treats that as success)."""
    request = _lock_request(request.pk)
    if request.requester_id != getattr(actor, "pk", None):
        raise NotAllowed(
            "Only the requester can withdraw a request; owners and admins revoke grants instead.", code="not_requester"
        )
    if request.extension_of_id is not None and request.status != Status.PENDING:
        raise Conflict(
            "This extension was already decided; withdraw the original request to end the access.", code="not_open"
        )
    if request.status not in AccessRequest.OPEN_STATUSES:
        raise Conflict(f"Request #{request.pk} is already {request.get_status_display().lower()}.", code="not_open")
    before = request.status
    if before == Status.PENDING:
        request.status = Status.WITHDRAWN
        request.required_stages = []
        request.decided_at = timezone.now()
        request.decision_reason = f"withdrawn by {actor.get_username()} before a decision"
        request.save(update_fields=["status", "required_stages", "decided_at", "decision_reason", "updated_at"])
        _audit(
            actor=actor,
            event=EventType.REQUEST_WITHDRAWN,
            obj=request,
            request=request,
            before={"status": before},
            after={"status": request.status},
        )
        notify.publish(event="access_request.withdrawn", request=request, exclude_user_id=actor.pk)
        return request
    grant = _lock_grant(request.grant.pk)
    _end_grant(
        grant=grant,
        request=request,
        actor=actor,
        end_reason=Grant.EndReason.WITHDRAWN,
        request_status=Status.WITHDRAWN,
        note="",
        reason=f"withdrawn by {actor.get_username()}",
    )
    _audit(
        actor=actor,
        event=EventType.REQUEST_WITHDRAWN,
        obj=request,
        request=request,
        before={"status": before},
        after={"status": request.status, "grant": grant.pk},
    )
    notify.publish(event="access_request.withdrawn", request=request, grant=grant, exclude_user_id=actor.pk)
    return request


# --- ending grants -------------------------------------------------------------------------------


def _end_grant(
    *, grant: Grant, request: AccessRequest, actor: Actor, end_reason: str, request_status: str, note: str, reason: str
) -> None:
    if grant.status not in LIVE_GRANT:
        raise Conflict(f"Grant #{grant.pk} is already {grant.get_status_display().lower()}.", code="grant_ended")
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
    """The owning team or a platform admin ends a grant, with a reason."""
    grant = _lock_grant(grant.pk)
    if not permissions.can_manage_grant(actor, grant):
        raise NotAllowed("Only the owning team and platform admins revoke grants.", code="not_an_owner")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why the grant is revoked.", field="reason", code="reason_required")
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


# --- the provisioning worker reports back ------------------------------------------------------


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


@transaction.atomic
def grant_mark_applied(*, grant: Grant) -> None:
    """The permissions are in place in AWS. Idempotent: a second report changes nothing."""
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
            grant.save(update_fields=["granted_at", "updated_at"])
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
    grant.save(update_fields=["status", "granted_at", "last_error", "updated_at"])
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
    _refresh_consumer_count(grant.product_id)
    notify.publish(event="grant.granted", request=request, grant=grant)


@transaction.atomic
def grant_mark_failed(*, grant: Grant, error: str) -> None:
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.PENDING:
        return  # ended meanwhile, or reported twice
    request = _lock_request(grant.request_id)
    grant.status = Grant.Status.FAILED
    grant.last_error = error[:4000]
    grant.save(update_fields=["status", "last_error", "updated_at"])
    if request.status in (Status.APPROVED, Status.PROVISIONING):
        request.status = Status.FAILED
        request.save(update_fields=["status", "updated_at"])
    _audit(actor=WORKER, event=EventType.GRANT_FAILED, obj=grant, request=request, after={"error": error[:500]})
    notify.publish(event="grant.failed", request=request, grant=grant, note=f"Error: {error[:500]}")


@transaction.atomic
def grant_retry(*, grant: Grant, actor: User) -> Grant:
    """Try a failed grant again (the owning team, a platform admin, or the requester)."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.FAILED:
        raise Conflict(
            f"Grant #{grant.pk} is {grant.get_status_display().lower()}; only failed grants are retried.",
            code="not_failed",
        )
    if not permissions.can_retry(actor, grant):
        raise NotAllowed(
            "Only the requester, the owning team and platform admins retry a grant.", code="not_allowed_to_retry"
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


@transaction.atomic
def grant_mark_ended(*, grant: Grant) -> None:
    """The permissions are gone from AWS: the grant has ended."""
    grant = _lock_grant(grant.pk)
    if grant.status != Grant.Status.REVOKING:
        return
    request = _lock_request(grant.request_id)
    grant.status = Grant.Status.ENDED
    grant.ended_at = timezone.now()
    grant.last_error = ""
    grant.save(update_fields=["status", "ended_at", "last_error", "updated_at"])
    event = EventType.GRANT_EXPIRED if grant.end_reason == Grant.EndReason.EXPIRED else EventType.GRANT_REVOKED
    _audit(
        actor=WORKER,
        event=event,
        obj=grant,
        request=request,
        after={"end_reason": grant.end_reason, "ended_at": grant.ended_at},
    )
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


# --- extensions ----------------------------------------------------------------------------------


@transaction.atomic
def access_request_extend(*, grant: Grant, actor: User, requested_until: date, purpose: str = "") -> AccessRequest:
    """Ask to keep an active grant longer. The extension goes through the port's policy like a new request;
    once approved, the existing grant's end date moves (no second grant in AWS)."""
    grant = _lock_grant(grant.pk)
    original = _lock_request(grant.request_id)
    if original.requester_id != getattr(actor, "pk", None):
        raise NotAllowed("Only the requester can ask for an extension.", code="not_requester")
    if grant.status != Grant.Status.ACTIVE:
        raise Conflict(
            f"Grant #{grant.pk} is {grant.get_status_display().lower()}; only active grants are extended.",
            code="grant_not_active",
        )
    product = DataProduct.objects.get(pk=grant.product_id)
    _require_requestable(product, action="extended")
    pending = AccessRequest.objects.filter(extension_of=original, status=Status.PENDING).first()
    if pending is not None:
        raise Conflict(
            f"An extension of this grant is already waiting for approval: #{pending.pk}.",
            code="duplicate_extension",
            extra={"existing_request_id": pending.pk},
        )
    current_end = grant.expires_at.astimezone(UTC).date()
    latest = _today() + timedelta(days=product.max_access_days)
    if requested_until is None or requested_until <= current_end:
        raise ValidationFailed(
            f"Choose an end date after the current one ({current_end.isoformat()}).",
            field="requested_until",
            code="end_date_not_later",
        )
    if requested_until > latest:
        raise ValidationFailed(
            f"The end date can be at most {product.max_access_days} days ahead ({latest.isoformat()}).",
            field="requested_until",
            code="end_date_too_late",
        )
    port = OutputPort.objects.get(pk=grant.port_id)
    decision = selectors.policy_decision(port=port, product=product, requester=actor, columns=list(grant.columns))
    extension = AccessRequest.objects.create(
        requester=actor,
        product=product,
        port=port,
        principal_arn=grant.principal_arn,
        consumer_account_id=grant.consumer_account_id,
        permissions=grant.permissions,
        columns=grant.columns,
        purpose=(purpose or "").strip() or original.purpose,
        requested_until=requested_until,
        terms_accepted_at=original.terms_accepted_at,
        status=Status.PENDING,
        required_stages=decision.stages,
        decision_reason=decision.reason,
        extension_of=original,
    )
    _audit(
        actor=actor,
        event=EventType.REQUEST_EXTENSION,
        obj=extension,
        request=extension,
        after={"grant": grant.pk, "from": current_end, "to": requested_until, "policy": decision.reason},
    )
    if decision.auto_approved:
        _approve_by_policy(extension, decision)
    else:
        notify.publish(event="access_request.extension_requested", request=extension, grant=grant)
    return extension


def _apply_extension(extension: AccessRequest, *, actor: Actor) -> None:
    assert extension.extension_of_id is not None  # the caller checked: this request extends a grant
    original = _lock_request(extension.extension_of_id)
    grant = _lock_grant(original.grant.pk)
    if grant.status not in LIVE_GRANT:
        raise Conflict(f"Grant #{grant.pk} has ended; there is nothing left to extend.", code="grant_ended")
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
            code="invalid_policy",
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
