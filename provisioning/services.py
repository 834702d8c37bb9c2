"""Provisioning services: the outbox of jobs that carry approved decisions into AWS."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from meshportal.aws.models import GovernanceSettings
from meshportal.aws.services import governance_settings_get, require_platform_admin
from meshportal.core.errors import ValidationFailed
from meshportal.identity.actors import Actor
from provisioning import tasks
from provisioning.backends import backend_for, steps_from_json
from provisioning.backends.lakeformation import LakeFormationBackend
from provisioning.engine import JOBS
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import ProvisioningJob
from provisioning.registration import central_account_for, registration_ensure

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
    account_id = central_account_for(port=port, model=model)
    if account_id is None:
        raise ValidationFailed(
            "No active central governance account is registered"
            + (f" for line of business {owner.line_of_business!r}" if model == "lob" else "")
            + "; register one or switch the governance model.",
            code=ProvisioningErrorCode.NO_GRANTOR_ACCOUNT,
        )
    return account_id


@transaction.atomic
def provisioning_job_create(*, grant: Any, action: str, backend: str = LakeFormationBackend.name) -> ProvisioningJob:
    """Record the AWS work an approval or an ending needs, in the caller's transaction (outbox)."""
    if action not in ProvisioningJob.Action.values:
        raise ValidationFailed(f"Unknown provisioning action {action!r}.", code=ProvisioningErrorCode.UNKNOWN_ACTION)
    if action == ProvisioningJob.Action.GRANT:
        grantor = grantor_account_for(port=grant.port)
        if grantor != grant.port.catalog_id:
            # A central grantor grants on its own catalog's entry for the table: register it there first.
            registration_ensure(port=grant.port, central_account_id=grantor)
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


class RegistrationOnPublish:
    """The catalog's publication listener: under the central and line-of-business models, publishing a product
    registers its tables in the central catalog (``provisioning/registration.py``). Without an active central
    account nothing is recorded here; its grants then refuse with ``no_grantor_account``."""

    def published(self, *, product: Any) -> None:
        model = governance_settings_get().model
        for port in product.output_ports.filter(kind="glue_table").select_related("aws_account", "product__domain"):
            central = central_account_for(port=port, model=model)
            if central is not None and central != port.catalog_id:
                registration_ensure(port=port, central_account_id=central)
