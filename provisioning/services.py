"""Provisioning services: the AWS account registry and governance settings (grant execution joins later)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.services import Actor, audit_record, changed_fields, snapshot
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from provisioning.aws import AwsError, account_client
from provisioning.models import AwsAccount, GovernanceSettings, ProvisioningJob

ACCOUNT_FIELDS = [
    "account_id",
    "name",
    "role",
    "line_of_business",
    "region",
    "role_arn",
    "organization_id",
    "is_active",
]


def _require_admin(actor: Actor) -> None:
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
def account_register(*, actor: Actor, check_actor: bool = True, **fields: Any) -> AwsAccount:
    if check_actor:
        _require_admin(actor)
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown field(s): {', '.join(sorted(unknown))}.")
    if AwsAccount.objects.filter(account_id=fields.get("account_id", "")).exists():
        raise Conflict(f"Account {fields['account_id']} is already registered.", code="duplicate_account")
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
    _require_admin(actor)
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
    _require_admin(actor)
    started = timezone.now()
    try:
        client = account_client("lakeformation", account.account_id, role_arn=account.role_arn, region=account.region)
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
    _require_admin(actor)
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


# --- The outbox: jobs that carry approved decisions into AWS ------------------------------------------


def grantor_account_for(*, port: Any) -> str:
    """Which account's Lake Formation makes a grant on ``port``, by the governance model.

    - federated: the producer account that owns the table grants;
    - central: the central governance account (its catalog holds the shared tables);
    - line of business: the central account of the producer account's line of business.
    """
    model = governance_settings_get().model
    owner = port.aws_account
    if model == GovernanceSettings.Model.FEDERATED:
        return str(owner.account_id)
    central = AwsAccount.objects.filter(role=AwsAccount.Role.CENTRAL_GOVERNANCE, is_active=True)
    if model == GovernanceSettings.Model.LINE_OF_BUSINESS:
        central = central.filter(line_of_business=owner.line_of_business)
    account = central.order_by("id").first()
    if account is None:
        raise ValidationFailed(
            "No active central governance account is registered"
            + (f" for line of business {owner.line_of_business!r}" if model == "lob" else "")
            + "; register one or switch the governance model.",
            code="no_grantor_account",
        )
    return str(account.account_id)


def _enqueue_on_commit(job_id: int) -> None:
    from provisioning.tasks import run_job

    def send() -> None:
        # A lost enqueue is not lost work: the relay re-drives PENDING jobs (provisioning.relay_jobs).
        if (
            ProvisioningJob.objects.filter(pk=job_id, status=ProvisioningJob.Status.PENDING).update(
                status=ProvisioningJob.Status.QUEUED, enqueued_at=timezone.now()
            )
            == 1
        ):
            run_job.delay(job_id)

    transaction.on_commit(send)


@transaction.atomic
def provisioning_job_create(*, grant: Any, action: str) -> ProvisioningJob:
    """Record the AWS work an approval or an ending needs, in the caller's transaction (outbox)."""
    from provisioning import plan

    if action not in ProvisioningJob.Action.values:
        raise ValidationFailed(f"Unknown provisioning action {action!r}.")
    if action == ProvisioningJob.Action.GRANT:
        grantor = grantor_account_for(port=grant.port)
        steps = plan.build(grant, grantor_account_id=grantor, action=action)
    else:
        # A revocation undoes what was applied, where it was applied: the grantor and the permission
        # entries of the latest grant job, whatever the governance model or the port say today.
        previous = (
            ProvisioningJob.objects.filter(grant=grant, action=ProvisioningJob.Action.GRANT)
            .exclude(status=ProvisioningJob.Status.CANCELLED)
            .order_by("-id")
            .first()
        )
        # Grant jobs that have not started are superseded: they must never run after the ending.
        ProvisioningJob.objects.filter(
            grant=grant,
            action=ProvisioningJob.Action.GRANT,
            status__in=[ProvisioningJob.Status.PENDING, ProvisioningJob.Status.QUEUED, ProvisioningJob.Status.RETRY],
        ).update(
            status=ProvisioningJob.Status.CANCELLED,
            finished_at=timezone.now(),
            last_error="superseded by the grant's ending",
        )
        if previous is None:
            grantor = grantor_account_for(port=grant.port)
            steps = plan.build(grant, grantor_account_id=grantor, action=action)
        else:
            grantor = previous.grantor_account_id
            steps = plan.build(
                grant,
                grantor_account_id=grantor,
                action=action,
                applied=[s["entry"] for s in previous.plan if s["step"] == "lf_permissions"],
            )
    # The plan is computed now, so people see it before the worker starts.
    job = ProvisioningJob.objects.create(grant=grant, action=action, grantor_account_id=grantor, plan=steps)
    _enqueue_on_commit(job.pk)
    return job


def reconcile_request(*, actor: Actor) -> None:
    """Run the reconciler now (it also runs on the beat schedule)."""
    _require_admin(actor)
    from provisioning.tasks import reconcile

    transaction.on_commit(reconcile.delay)
