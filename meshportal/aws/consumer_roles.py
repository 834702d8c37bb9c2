"""Services of the consumer-role registry: a team (or one person) registers the IAM roles it reads data with.

A role is registered only when its ARN is well formed (``arns``), its account is a registered, active consumer
or producer account, and IAM confirms the role exists there (``GetRole`` with the portal's role in that
account). Team leads and platform admins manage a team's roles; a personal role waits for a platform admin.
Every change is audited in its transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, changed_fields, snapshot
from meshportal.aws.arns import InvalidRoleArn, RoleArn, parse_role_arn
from meshportal.aws.errors import AwsRegistryErrorCode
from meshportal.aws.gateway import AwsError, client_for_account, iam
from meshportal.aws.models import AwsAccount, ConsumerRole
from meshportal.aws.selectors import can_manage_team_roles
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor, Permission, holds
from meshportal.identity.models import Team, User

# The accounts whose roles may read data: consumers, and producers reading other domains' products.
READER_ACCOUNT_ROLES = (AwsAccount.Role.CONSUMER, AwsAccount.Role.PRODUCER)
EDITABLE_FIELDS = ("name", "environment", "kind", "description")
AUDITED_FIELDS = ["name", "arn", "environment", "kind", "description", "status"]

# A hook for the layers above (access requests): refuse to remove a role while something still uses it.
# Each checker returns a sentence saying what uses the role, or "" when nothing does.
type RemovalCheck = Callable[[ConsumerRole], str]
_removal_checks: list[RemovalCheck] = []


def register_removal_check(check: RemovalCheck) -> None:
    if check not in _removal_checks:
        _removal_checks.append(check)


def _require_manager(actor: Actor, team: Team) -> None:
    if not can_manage_team_roles(actor, team):
        raise NotAllowed(
            f"Only the leads of {team.name} and platform admins manage its roles.",
            code=AwsRegistryErrorCode.NOT_A_TEAM_LEAD,
        )


def _check_fields(*, name: str, environment: str, kind: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the role a name people recognise, e.g. 'Nightly ETL'."]
    elif len(name.strip()) > ConsumerRole.NAME_MAX_LENGTH:
        errors["name"] = [f"At most {ConsumerRole.NAME_MAX_LENGTH} characters."]
    if environment not in ConsumerRole.Environment.values:
        errors["environment"] = [f"Choose one of {', '.join(ConsumerRole.Environment.values)}."]
    if kind not in ConsumerRole.Kind.values:
        errors["kind"] = [f"Choose one of {', '.join(ConsumerRole.Kind.values)}."]
    return errors


def _reader_account(arn: RoleArn) -> AwsAccount:
    account = AwsAccount.objects.filter(account_id=arn.account_id).first()
    if account is None or not account.is_active or account.role not in READER_ACCOUNT_ROLES:
        raise ValidationFailed(
            f"Account {arn.account_id} is not a registered, active consumer or producer account; ask a platform "
            "admin to register it.",
            field="arn",
            code=AwsRegistryErrorCode.ACCOUNT_NOT_USABLE,
        )
    return account


def _confirm_in_iam(*, account: AwsAccount, arn: RoleArn) -> None:
    """IAM GetRole in the role's account, with the portal's role there; the ARN must match, path included."""
    try:
        found = iam.get_role(client_for_account("iam", account), account_id=account.account_id, role_name=arn.name)
    except AwsError as error:
        raise ValidationFailed(
            f"Could not check the role in account {account.account_id} ({error.code}: {error.message}); try again "
            "or ask a platform admin to test the account's connection.",
            field="arn",
            code=AwsRegistryErrorCode.ROLE_CHECK_FAILED,
        ) from error
    if found is None:
        raise ValidationFailed(
            f"Account {account.account_id} has no IAM role named {arn.name!r}.",
            field="arn",
            code=AwsRegistryErrorCode.ROLE_NOT_FOUND,
        )
    if found.get("Arn") != str(arn):
        raise ValidationFailed(
            f"The role {arn.name!r} in account {account.account_id} is {found.get('Arn')}, not {arn}: check its path.",
            field="arn",
            code=AwsRegistryErrorCode.ROLE_NOT_FOUND,
        )


def consumer_role_register(
    *,
    actor: Actor,
    team: Team | None,
    name: str,
    arn: str,
    environment: str,
    kind: str,
    description: str = "",
) -> ConsumerRole:
    """Register a team's role (``team``), or a personal role of ``actor`` (``team=None``, waits for a platform
    admin). IAM is asked before the transaction opens, so no row is locked while AWS answers."""
    if team is not None:
        _require_manager(actor, team)
    elif not isinstance(actor, User) or not actor.is_active:
        raise NotAllowed("A personal role belongs to a person: sign in to register one.")
    errors = _check_fields(name=name, environment=environment, kind=kind)
    parsed: RoleArn | None = None
    try:
        parsed = parse_role_arn((arn or "").strip())
    except InvalidRoleArn as exc:
        errors["arn"] = [str(exc)]
    if errors:
        first = next(iter(errors))
        raise ValidationFailed(
            "; ".join(m for ms in errors.values() for m in ms),
            errors=errors,
            code=AwsRegistryErrorCode.INVALID_ROLE_ARN if first == "arn" else None,
        )
    assert parsed is not None
    canonical = str(parsed)
    if ConsumerRole.objects.filter(arn=canonical).exists():
        raise _duplicate(canonical)
    account = _reader_account(parsed)
    if not holds(actor, Permission.REGISTER_DECLARED_ROLES):
        _confirm_in_iam(account=account, arn=parsed)
    return _record(
        actor=actor,
        team=team,
        name=name.strip(),
        arn=canonical,
        account=account,
        environment=environment,
        kind=kind,
        description=(description or "").strip(),
        verified=not holds(actor, Permission.REGISTER_DECLARED_ROLES),
    )


def _duplicate(arn: str) -> Conflict:
    return Conflict(
        f"{arn} is already registered; a role belongs to one team (or one person).",
        code=AwsRegistryErrorCode.DUPLICATE_ROLE,
    )


@transaction.atomic
def _record(
    *,
    actor: Actor,
    team: Team | None,
    name: str,
    arn: str,
    account: AwsAccount,
    environment: str,
    kind: str,
    description: str,
    verified: bool,
) -> ConsumerRole:
    now = timezone.now()
    personal = team is None
    person = actor if isinstance(actor, User) else None
    role = ConsumerRole(
        team=team,
        owner=person if personal else None,
        name=name,
        arn=arn,
        account=account,
        environment=environment,
        kind=kind,
        description=description,
        status=ConsumerRole.Status.PENDING if personal else ConsumerRole.Status.ACTIVE,
        registered_by=person,
        verified_at=now if verified else None,
    )
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError as exc:  # the same ARN registered concurrently
        raise _duplicate(arn) from exc
    audit_record(
        actor=actor,
        event_type=EventType.CONSUMER_ROLE_REGISTERED,
        obj=role,
        principal=arn,
        account_id=account.account_id,
        after={
            **snapshot(role, AUDITED_FIELDS),
            "team": team.slug if team else None,
            "owner": role.owner.get_username() if role.owner else None,
            "checked_in_iam": verified,
        },
    )
    return role


def _require_role_manager(actor: Actor, role: ConsumerRole) -> None:
    if role.team is not None:
        _require_manager(actor, role.team)
    elif not (roles.is_platform_admin(actor) or role.owner_id == getattr(actor, "pk", None)):
        raise NotAllowed("Only its owner and platform admins manage a personal role.")


@transaction.atomic
def consumer_role_update(*, actor: Actor, role: ConsumerRole, **fields: Any) -> ConsumerRole:
    """Change a role's name, environment, kind or description (its ARN is what it is: register another)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Field(s) cannot be changed: {', '.join(sorted(unknown))}; to use another ARN register a new role.",
            errors={f: ["Cannot be changed."] for f in sorted(unknown)},
        )
    role = ConsumerRole.objects.select_for_update(of=("self",)).select_related("team", "account").get(pk=role.pk)
    _require_role_manager(actor, role)
    merged = {f: getattr(role, f) for f in EDITABLE_FIELDS} | fields
    errors = _check_fields(name=merged["name"], environment=merged["environment"], kind=merged["kind"])
    if errors:
        raise ValidationFailed("; ".join(m for ms in errors.values() for m in ms), errors=errors)
    before = snapshot(role, AUDITED_FIELDS)
    for name, value in fields.items():
        setattr(role, name, value.strip() if isinstance(value, str) and name in ("name", "description") else value)
    role.save()
    old, new = changed_fields(before, snapshot(role, AUDITED_FIELDS))
    if new:
        audit_record(
            actor=actor,
            event_type=EventType.CONSUMER_ROLE_UPDATED,
            obj=role,
            principal=role.arn,
            account_id=role.account.account_id,
            before=old,
            after=new,
        )
    return role


@transaction.atomic
def consumer_role_approve(*, actor: Actor, role: ConsumerRole) -> ConsumerRole:
    """A platform admin approves a personal role: its owner may then name it in requests."""
    if not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins approve personal roles.")
    role = ConsumerRole.objects.select_for_update(of=("self",)).select_related("account", "owner").get(pk=role.pk)
    if role.owner_id is None or role.status != ConsumerRole.Status.PENDING:
        raise Conflict(
            f"{role.name} is not a personal role waiting for approval.", code=AwsRegistryErrorCode.ROLE_NOT_PENDING
        )
    if role.owner_id == getattr(actor, "pk", None):
        raise NotAllowed("A platform admin cannot approve their own personal role; ask another admin.")
    role.status = ConsumerRole.Status.ACTIVE
    role.approved_by = actor if isinstance(actor, User) else None
    role.approved_at = timezone.now()
    role.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=EventType.CONSUMER_ROLE_APPROVED,
        obj=role,
        principal=role.arn,
        account_id=role.account.account_id,
        before={"status": ConsumerRole.Status.PENDING},
        after={"status": role.status, "owner": role.owner.get_username() if role.owner else None},
    )
    return role


@transaction.atomic
def consumer_role_remove(*, actor: Actor, role: ConsumerRole) -> None:
    """Take a role out of the registry; refused while access requests or grants still use it."""
    role = (
        ConsumerRole.objects.select_for_update(of=("self",)).select_related("team", "account", "owner").get(pk=role.pk)
    )
    _require_role_manager(actor, role)
    in_use = [sentence for check in _removal_checks if (sentence := check(role))]
    if in_use:
        raise Conflict(f"{role.name} is still in use: {' '.join(in_use)}", code=AwsRegistryErrorCode.ROLE_IN_USE)
    audit_record(
        actor=actor,
        event_type=EventType.CONSUMER_ROLE_REMOVED,
        obj=role,
        principal=role.arn,
        account_id=role.account.account_id,
        before={
            **snapshot(role, AUDITED_FIELDS),
            "team": role.team.slug if role.team else None,
            "owner": role.owner.get_username() if role.owner else None,
        },
    )
    role.delete()
