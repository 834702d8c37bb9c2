"""Services of the AWS account registry and the governance model (platform layer)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, changed_fields, snapshot
from meshportal.aws.errors import AwsRegistryErrorCode
from meshportal.aws.gateway import AwsError, client_for_account
from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor

ACCOUNT_FIELDS = [
    "account_id",
    "name",
    "role",
    "line_of_business",
    "region",
    "role_arn",
    "external_id",
    "organization_id",
    "is_active",
]


def require_platform_admin(actor: Actor) -> None:
    if not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins manage AWS accounts and governance settings.")


def _validate(account: AwsAccount) -> None:
    try:
        account.full_clean()
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        raise ValidationFailed(
            "The account is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()), errors=errors
        ) from exc
    if account.role_arn and account.role_arn.split(":")[4] != account.account_id:
        raise ValidationFailed("The role ARN must be in the account it is registered for.", field="role_arn")


@transaction.atomic
def account_register(*, actor: Actor, **fields: Any) -> AwsAccount:
    require_platform_admin(actor)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if AwsAccount.objects.filter(account_id=fields.get("account_id", "")).exists():
        raise Conflict(
            f"Account {fields['account_id']} is already registered.", code=AwsRegistryErrorCode.DUPLICATE_ACCOUNT
        )
    account = AwsAccount(**fields)
    _validate(account)
    account.save()
    audit_record(
        actor=actor,
        event_type=EventType.ACCOUNT_REGISTERED,
        obj=account,
        account_id=account.account_id,
        after=snapshot(account, ACCOUNT_FIELDS),
    )
    return account


@transaction.atomic
def account_update(*, actor: Actor, account: AwsAccount, **fields: Any) -> AwsAccount:
    require_platform_admin(actor)
    unknown = set(fields) - (set(ACCOUNT_FIELDS) - {"account_id"})
    if unknown:
        raise ValidationFailed(f"Field(s) cannot be changed: {', '.join(sorted(unknown))}.")
    account = AwsAccount.objects.select_for_update().get(pk=account.pk)
    before = snapshot(account, ACCOUNT_FIELDS)
    for name, value in fields.items():
        setattr(account, name, value)
    _validate(account)
    account.save()
    old, new = changed_fields(before, snapshot(account, ACCOUNT_FIELDS))
    if new:
        audit_record(
            actor=actor,
            event_type=EventType.ACCOUNT_UPDATED,
            obj=account,
            account_id=account.account_id,
            before=old,
            after=new,
        )
    return account


def account_test_connection(*, actor: Actor, account: AwsAccount) -> AwsAccount:
    """Assume the portal's role in the account and read the Lake Formation settings there."""
    require_platform_admin(actor)
    started = timezone.now()
    try:
        client = client_for_account("lakeformation", account)
        settings = client.get_data_lake_settings()
        admins = len(settings.get("DataLakeSettings", {}).get("DataLakeAdmins", []))
        ok, message = True, f"Assumed the portal role and read Lake Formation settings ({admins} data-lake admin(s))."
    except AwsError as exc:
        ok, message = False, f"{exc.code}: {exc.message}"
    except (BotoCoreError, ClientError) as exc:  # botocore errors from the call itself, translated here
        err = AwsError.from_exception(exc, "lakeformation:GetDataLakeSettings")
        ok, message = False, f"{err.code}: {err.message}"
    with transaction.atomic():
        AwsAccount.objects.filter(pk=account.pk).update(
            last_tested_at=started, last_test_ok=ok, last_test_message=message[:2000]
        )
        audit_record(
            actor=actor,
            event_type=EventType.ACCOUNT_TESTED,
            obj=account,
            account_id=account.account_id,
            after={"ok": ok, "message": message[:500]},
        )
    account.refresh_from_db()
    return account


def governance_settings_get() -> GovernanceSettings:
    settings, _ = GovernanceSettings.objects.get_or_create(id=1)
    return settings


@transaction.atomic
def governance_settings_update(
    *, actor: Actor, model: str | None = None, repair_missing_grants: bool | None = None
) -> GovernanceSettings:
    require_platform_admin(actor)
    settings = governance_settings_get()
    settings = GovernanceSettings.objects.select_for_update().get(pk=settings.pk)
    before = snapshot(settings, ["model", "repair_missing_grants"])
    if model is not None:
        if model not in GovernanceSettings.Model.values:
            raise ValidationFailed(f"Unknown governance model {model!r}.", field="model")
        settings.model = model
    if repair_missing_grants is not None:
        settings.repair_missing_grants = repair_missing_grants
    settings.save()
    old, new = changed_fields(before, snapshot(settings, ["model", "repair_missing_grants"]))
    if new:
        audit_record(actor=actor, event_type=EventType.GOVERNANCE_MODEL_CHANGED, obj=settings, before=old, after=new)
    return settings
