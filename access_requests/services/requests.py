"""Asking for access and taking it back: create a request (checked input, policy decision), withdraw it, ask
to extend an active grant."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from access_requests import notify, selectors
from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Grant
from access_requests.services.common import (
    REQUESTER_ACCOUNT_ROLES,
    Status,
    _audit,
    _lock_grant,
    _lock_request,
    _require_requestable,
    _today,
)
from access_requests.services.decisions import _approve_by_policy
from access_requests.services.grants import _end_grant
from catalog.models import Column, DataProduct, OutputPort
from meshportal.audit.events import EventType
from meshportal.aws.arns import InvalidRoleArn, parse_role_arn
from meshportal.aws.models import AwsAccount, ConsumerRole
from meshportal.aws.selectors import usable_roles
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.models import User

# --- input checks --------------------------------------------------------------------------------


def principal_account(principal_arn: str) -> AwsAccount:
    """The registered, active account of an IAM role ARN; ValidationFailed (field principal_arn) otherwise."""
    try:
        arn = parse_role_arn(principal_arn)
    except InvalidRoleArn as exc:
        raise ValidationFailed(str(exc), field="principal_arn", code=AccessRequestErrorCode.MALFORMED_ARN) from exc
    account = AwsAccount.objects.filter(
        account_id=arn.account_id, is_active=True, role__in=REQUESTER_ACCOUNT_ROLES
    ).first()
    if account is None:
        raise ValidationFailed(
            f"Account {arn.account_id} is not a registered, active consumer or producer account; ask a platform "
            "admin to register it.",
            field="principal_arn",
            code=AccessRequestErrorCode.UNKNOWN_ACCOUNT,
        )
    return account


def _role_line(role: ConsumerRole) -> str:
    holder = role.team.name if role.team_id is not None and role.team else "personal"
    return f"{role.name} ({role.arn}; {holder}, {role.get_environment_display().lower()})"


def held_role(*, requester: User, principal_arn: str) -> ConsumerRole:
    """The registered role ``principal_arn`` names that ``requester`` may use (a role of one of their teams, or
    their approved personal role); a refusal listing the roles they may use otherwise."""
    usable = list(usable_roles(user=requester))
    role = next((r for r in usable if r.arn == principal_arn), None)
    if role is not None:
        return role
    if usable:
        choices = "Roles you may use: " + "; ".join(_role_line(r) for r in usable) + "."
    else:
        choices = (
            "You may use no registered role yet: ask your team's lead to register the team's roles, or register a "
            "personal role for a platform admin to approve."
        )
    error = ValidationFailed(
        f"{principal_arn} is not a registered role of your teams nor your own approved personal role. {choices}",
        field="principal_arn",
        code=AccessRequestErrorCode.PRINCIPAL_NOT_HELD,
    )
    error.extra = {
        "usable_roles": [
            {
                "id": r.pk,
                "name": r.name,
                "arn": r.arn,
                "team": r.team.slug if r.team else None,
                "environment": r.environment,
            }
            for r in usable
        ]
    }
    raise error


def role_in_use(role: ConsumerRole) -> str:
    """What still uses a registered role (open requests and the grants behind them), or "" when nothing does."""
    open_ids = list(
        AccessRequest.objects.filter(principal_role=role, status__in=AccessRequest.OPEN_STATUSES)
        .order_by("id")
        .values_list("id", flat=True)[:20]
    )
    if not open_ids:
        return ""
    return (
        f"open access requests or grants name it (#{', #'.join(str(i) for i in open_ids)}); withdraw or revoke "
        "them first."
    )


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
    requester: User,
) -> tuple[ConsumerRole, list[str], list[str], str, date]:
    errors: list[tuple[str, StrEnum | str, str]] = []  # (field, code, message)
    role: ConsumerRole | None = None
    usable_roles_extra: dict[str, object] = {}
    try:
        principal_account(principal_arn)
        role = held_role(requester=requester, principal_arn=principal_arn)
    except ValidationFailed as exc:
        errors.append(("principal_arn", exc.code, exc.detail))
        usable_roles_extra = exc.extra
    perms = sorted(set(permissions_ or []))
    unknown_perms = [p for p in perms if p not in AccessRequest.Permission.values]
    if not perms or unknown_perms:
        errors.append(
            (
                "permissions",
                AccessRequestErrorCode.INVALID_PERMISSIONS,
                "Choose SELECT and/or DESCRIBE." + (f" Unknown: {', '.join(unknown_perms)}." if unknown_perms else ""),
            )
        )
    cols = list(dict.fromkeys(c.strip() for c in columns or [] if c.strip()))
    if cols:
        if port.kind == OutputPort.Kind.GLUE_DATABASE:
            errors.append(
                (
                    "columns",
                    AccessRequestErrorCode.COLUMNS_NOT_SUPPORTED,
                    "This port shares a whole database: columns cannot be chosen.",
                )
            )
        else:
            known = set(Column.objects.filter(product=product, name__in=cols).values_list("name", flat=True))
            missing = [c for c in cols if c not in known]
            if missing:
                errors.append(
                    (
                        "columns",
                        AccessRequestErrorCode.UNKNOWN_COLUMNS,
                        (f"{product.name} has no column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."),
                    )
                )
    purpose = (purpose or "").strip()
    if not purpose:
        errors.append(("purpose", AccessRequestErrorCode.PURPOSE_REQUIRED, "Say what you need the data for."))
    today = _today()
    until = requested_until or today + timedelta(days=product.default_access_days)
    latest = today + timedelta(days=product.max_access_days)
    if until < today:
        errors.append(("requested_until", AccessRequestErrorCode.END_DATE_PAST, "The end date is in the past."))
    elif until > latest:
        errors.append(
            (
                "requested_until",
                AccessRequestErrorCode.END_DATE_TOO_LATE,
                f"The end date can be at most {product.max_access_days} days ahead ({latest.isoformat()}).",
            )
        )
    if not accept_terms:
        errors.append(
            (
                "accept_terms",
                AccessRequestErrorCode.TERMS_NOT_ACCEPTED,
                "Accept the product's terms of use to request access.",
            )
        )
    if errors:
        if len(errors) == 1:
            field, code, message = errors[0]
            failure = ValidationFailed(message, field=field, code=code)
        else:
            failure = ValidationFailed(
                "; ".join(m for _, _, m in errors),
                code=errors[0][1],
                errors={f: [m for f2, _, m in errors if f2 == f] for f, _, _ in errors},
            )
        failure.extra = usable_roles_extra
        raise failure
    assert role is not None
    return role, perms, cols, purpose, until


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
        code=AccessRequestErrorCode.DUPLICATE_REQUEST,
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
    role, perms, cols, purpose, until = _check_request_input(
        product=product,
        port=port,
        principal_arn=principal_arn,
        permissions_=permissions,
        columns=columns,
        purpose=purpose,
        requested_until=requested_until,
        accept_terms=accept_terms,
        requester=actor,
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
        principal_role=role,
        consumer_account=role.account,
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
    DataProduct.objects.filter(pk=product.pk).update(
        request_count=F("request_count") + 1, popularity=F("popularity") + 1
    )
    _audit(
        actor=actor,
        event=EventType.REQUEST_CREATED,
        obj=request,
        request=request,
        after={
            "port": port.pk,
            "principal_role": role.pk,
            "principal_holder": role.team.slug if role.team else f"personal:{actor.get_username()}",
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


@transaction.atomic
def access_request_withdraw(*, request: AccessRequest, actor: User) -> AccessRequest:
    """The requester takes a request back: before a decision nothing else happens; after approval the grant is
    removed (a revoke job runs even when nothing was applied yet: the worker treats that as success)."""
    request = _lock_request(request.pk)
    if request.requester_id != getattr(actor, "pk", None):
        raise NotAllowed(
            "Only the requester can withdraw a request; owners and admins revoke grants instead.",
            code=AccessRequestErrorCode.NOT_REQUESTER,
        )
    if request.extension_of_id is not None and request.status != Status.PENDING:
        raise Conflict(
            "This extension was already decided; withdraw the original request to end the access.",
            code=AccessRequestErrorCode.NOT_OPEN,
        )
    if request.status not in AccessRequest.OPEN_STATUSES:
        raise Conflict(
            f"Request #{request.pk} is already {request.get_status_display().lower()}.",
            code=AccessRequestErrorCode.NOT_OPEN,
        )
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


# --- extensions ----------------------------------------------------------------------------------


@transaction.atomic
def access_request_extend(*, grant: Grant, actor: User, requested_until: date, purpose: str = "") -> AccessRequest:
    """Ask to keep an active grant longer. The extension goes through the port's policy like a new request;
    once approved, the existing grant's end date moves (no second grant in AWS)."""
    grant = _lock_grant(grant.pk)
    original = _lock_request(grant.request_id)
    if original.requester_id != getattr(actor, "pk", None):
        raise NotAllowed("Only the requester can ask for an extension.", code=AccessRequestErrorCode.NOT_REQUESTER)
    if grant.status != Grant.Status.ACTIVE:
        raise Conflict(
            f"Grant #{grant.pk} is {grant.get_status_display().lower()}; only active grants are extended.",
            code=AccessRequestErrorCode.GRANT_NOT_ACTIVE,
        )
    product = DataProduct.objects.get(pk=grant.product_id)
    _require_requestable(product, action="extended")
    pending = AccessRequest.objects.filter(extension_of=original, status=Status.PENDING).first()
    if pending is not None:
        raise Conflict(
            f"An extension of this grant is already waiting for approval: #{pending.pk}.",
            code=AccessRequestErrorCode.DUPLICATE_EXTENSION,
            extra={"existing_request_id": pending.pk},
        )
    current_end = grant.expires_at.astimezone(UTC).date()
    latest = _today() + timedelta(days=product.max_access_days)
    if requested_until is None or requested_until <= current_end:
        raise ValidationFailed(
            f"Choose an end date after the current one ({current_end.isoformat()}).",
            field="requested_until",
            code=AccessRequestErrorCode.END_DATE_NOT_LATER,
        )
    if requested_until > latest:
        raise ValidationFailed(
            f"The end date can be at most {product.max_access_days} days ahead ({latest.isoformat()}).",
            field="requested_until",
            code=AccessRequestErrorCode.END_DATE_TOO_LATE,
        )
    port = OutputPort.objects.get(pk=grant.port_id)
    decision = selectors.policy_decision(port=port, product=product, requester=actor, columns=list(grant.columns))
    extension = AccessRequest.objects.create(
        requester=actor,
        product=product,
        port=port,
        principal_arn=grant.principal_arn,
        principal_role_id=original.principal_role_id,
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
