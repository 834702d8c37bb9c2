"""Provisioning services: the outbox of jobs that carry approved decisions into AWS."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.aws.services import governance_settings_get, require_platform_admin
from meshportal.core.errors import ValidationFailed
from meshportal.identity.actors import Actor
from provisioning import tasks
from provisioning.backends import backend_for, steps_from_json
from provisioning.backends.lakeformation import LakeFormationBackend
from provisioning.engine import JOBS
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import ProvisioningJob

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
            code=ProvisioningErrorCode.NO_GRANTOR_ACCOUNT,
        )
    return str(account.account_id)


@transaction.atomic
def provisioning_job_create(*, grant: Any, action: str, backend: str = LakeFormationBackend.name) -> ProvisioningJob:
    """Record the AWS work an approval or an ending needs, in the caller's transaction (outbox)."""
    if action not in ProvisioningJob.Action.values:
        raise ValidationFailed(f"Unknown provisioning action {action!r}.", code=ProvisioningErrorCode.UNKNOWN_ACTION)
    if action == ProvisioningJob.Action.GRANT:
        grantor = grantor_account_for(port=grant.port)
        steps = backend_for(backend).plan(grant, grantor_account_id=grantor, action=action)
    else:
        # A revocation undoes what was applied, where it was applied, by the backend that applied it: the
        # grantor and the plan of the latest grant job, whatever the governance model or the port say today.
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
            steps = backend_for(backend).plan(grant, grantor_account_id=grantor, action=action)
        else:
            grantor, backend = previous.grantor_account_id, previous.backend
            steps = backend_for(backend).plan(
                grant, grantor_account_id=grantor, action=action, applied=steps_from_json(previous.plan)
            )
    # The plan is computed now, so people see it before the worker starts.
    job = ProvisioningJob.objects.create(
        grant=grant,
        action=action,
        backend=backend,
        grantor_account_id=grantor,
        plan=[step.to_json() for step in steps],
    )
    JOBS.enqueue_on_commit(job.pk)
    return job


def reconcile_request(*, actor: Actor) -> None:
    """Run the reconciler now (it also runs on the beat schedule)."""
    require_platform_admin(actor)
    transaction.on_commit(tasks.reconcile.delay)


class JobProvisioner:
    """Access requests' grant provisioner: every decision becomes a durable job (the outbox)."""

    def apply(self, *, grant: Any) -> None:
        provisioning_job_create(grant=grant, action=ProvisioningJob.Action.GRANT)

    def revoke(self, *, grant: Any) -> None:
        provisioning_job_create(grant=grant, action=ProvisioningJob.Action.REVOKE)
