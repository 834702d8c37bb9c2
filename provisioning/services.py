"""Provisioning services: the outbox of jobs that carry approved decisions into AWS."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from access_requests.models import Grant
from catalog.models import OutputPort
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.aws.services import governance_settings_get, require_platform_admin
from meshportal.core.errors import ValidationFailed
from meshportal.identity.actors import Actor
from meshportal.identity.models import User
from provisioning import tasks
from provisioning.backends import backend_for, steps_from_json
from provisioning.backends.lakeformation import LakeFormationBackend
from provisioning.backends.lakeformation.plan import catalog_entry
from provisioning.engine import JOBS
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import CatalogRegistration, GovernanceModelChange, ProvisioningJob
from provisioning.registration import (
    central_account_for,
    registration_ensure,
    registration_ready,
    registration_remove_request,
    registration_sync_request,
)

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
        # Stored on the grant: where it is applied is where it will be revoked.
        Grant.objects.filter(pk=grant.pk).update(grantor_account_id=grantor)
        grant.grantor_account_id = grantor
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
            grantor = grant.grantor_account_id or grantor_account_for(port=grant.port)
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
    registers its tables in the central catalog (``provisioning/registration.py``), and a re-harvest syncs the
    central entries of a table already registered. Without an active central account nothing is recorded on
    publish; its grants then refuse with ``no_grantor_account``."""

    def published(self, *, product: Any) -> None:
        model = governance_settings_get().model
        for port in product.output_ports.filter(kind="glue_table").select_related("aws_account", "product__domain"):
            central = central_account_for(port=port, model=model)
            if central is not None and central != port.catalog_id:
                registration_ensure(port=port, central_account_id=central)

    def retired(self, *, product: Any) -> None:
        for port in product.output_ports.filter(kind="glue_table").select_related("product__domain"):
            centrals = (
                CatalogRegistration.objects.filter(
                    port=port, action=CatalogRegistration.Action.REGISTER, status="succeeded"
                )
                .values_list("central_account_id", flat=True)
                .distinct()
            )
            for central in list(centrals):
                registration_remove_request(port=port, central_account_id=central)

    def table_reread(self, *, port: Any) -> None:
        centrals = (
            CatalogRegistration.objects.filter(port=port, action=CatalogRegistration.Action.REGISTER)
            .values_list("central_account_id", flat=True)
            .distinct()
        )
        for central in list(centrals):
            registration_sync_request(port=port, central_account_id=central)


# --- Changing the governance model ------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationPreview:
    """A table the switch registers in a central catalog."""

    port_id: int
    product: str
    producer_table: str  # producer account:database.table
    central_entry: str  # central account:database.table


@dataclass(frozen=True)
class GrantPreview:
    """A live grant: it stays where it was applied (its revocation goes there); new grants go to ``new_grantor``."""

    grant_id: int
    product: str
    principal: str
    applied_by: str
    new_grantor: str


@dataclass(frozen=True)
class ModelChangePreview:
    from_model: str
    to_model: str
    registrations: list[RegistrationPreview] = field(default_factory=list)
    already_registered: int = 0
    grants: list[GrantPreview] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.problems and self.from_model != self.to_model

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "allowed": self.allowed}


def _live_table_ports() -> QuerySet[OutputPort]:
    return (
        OutputPort.objects.filter(kind=OutputPort.Kind.GLUE_TABLE, product__status__in=["published", "deprecated"])
        .select_related("aws_account", "product__domain")
        .order_by("product__slug", "name")
    )


def governance_model_preview(*, actor: Actor, model: str) -> ModelChangePreview:
    """What switching to ``model`` would do, before anything runs: the registrations to create in central
    catalogs, the live grants (they stay where they were applied) and the new grantor of each, and what
    prevents the switch (a line of business without an active central account)."""
    require_platform_admin(actor)
    if model not in GovernanceSettings.Model.values:
        raise ValidationFailed(
            f"Unknown governance model {model!r}; choose one of {', '.join(GovernanceSettings.Model.values)}.",
            field="model",
        )
    current = governance_settings_get().model
    problems: list[str] = []
    if model != GovernanceSettings.Model.FEDERATED:
        producers = AwsAccount.objects.filter(role=AwsAccount.Role.PRODUCER, is_active=True).order_by("account_id")
        for producer in producers:
            if central_account_for(port=_AccountPort(producer), model=model) is None:
                problems.append(
                    f"No active central governance account is registered for line of business "
                    f"{producer.line_of_business or '(none)'!r} of producer account {producer.account_id}."
                    if model == GovernanceSettings.Model.LINE_OF_BUSINESS
                    else "No active central governance account is registered."
                )
        problems = list(dict.fromkeys(problems))
    registrations: list[RegistrationPreview] = []
    already = 0
    grantor_by_port: dict[int, str] = {}
    for port in _live_table_ports():
        central = central_account_for(port=port, model=model)
        grantor_by_port[port.pk] = central or str(port.catalog_id)
        if central is None or central == port.catalog_id:
            continue
        if registration_ready(port=port, central=central):
            already += 1
            continue
        where = catalog_entry(port, domain_slug=port.product.domain.slug, grantor_account_id=central)
        registrations.append(
            RegistrationPreview(
                port_id=port.pk,
                product=port.product.slug,
                producer_table=f"{port.catalog_id}:{port.database_name}.{port.table_name}",
                central_entry=f"{central}:{where.database}.{where.table}",
            )
        )
    grants: list[GrantPreview] = []
    live = (
        ProvisioningJob.objects.filter(
            action=ProvisioningJob.Action.GRANT,
            status=ProvisioningJob.Status.SUCCEEDED,
            grant__status__in=["active", "pending", "failed"],
        )
        .select_related("grant__product")
        .order_by("grant_id", "-id")
    )
    seen: set[int] = set()
    for job in live:
        if job.grant_id in seen:
            continue
        seen.add(job.grant_id)
        grants.append(
            GrantPreview(
                grant_id=job.grant_id,
                product=job.grant.product.slug,
                principal=job.grant.principal_arn,
                applied_by=job.grantor_account_id,
                new_grantor=grantor_by_port.get(job.grant.port_id, job.grantor_account_id),
            )
        )
    return ModelChangePreview(
        from_model=current,
        to_model=model,
        registrations=registrations,
        already_registered=already,
        grants=grants,
        problems=problems,
    )


@dataclass(frozen=True)
class _AccountPort:
    """A stand-in port for asking which central account serves a producer account."""

    aws_account: AwsAccount


@transaction.atomic
def governance_model_change(*, actor: User, model: str, confirmation: str) -> GovernanceModelChange:
    """Switch the governance model: refused before anything runs when the preview names a problem; otherwise the
    setting changes, the registrations the preview listed are recorded as jobs of this change (its progress),
    and the change is audited. Live grants stay where they were applied; new grants go to the new grantor."""
    preview = governance_model_preview(actor=actor, model=model)
    if confirmation.strip() != model:
        raise ValidationFailed(
            f"Type {model!r} to confirm the switch.",
            field="confirmation",
            code=ProvisioningErrorCode.CONFIRMATION_MISMATCH,
        )
    if preview.from_model == model:
        raise ValidationFailed(
            f"The governance model is already {model!r}.", field="model", code=ProvisioningErrorCode.MODEL_UNCHANGED
        )
    if preview.problems:
        raise ValidationFailed(
            "The switch cannot run: " + " ".join(preview.problems),
            field="model",
            code=ProvisioningErrorCode.NO_CENTRAL_ACCOUNT,
        )
    settings = governance_settings_get()
    GovernanceSettings.objects.filter(pk=settings.pk).update(model=model, updated_at=timezone.now())
    change = GovernanceModelChange.objects.create(
        from_model=preview.from_model,
        to_model=model,
        requested_by=actor,
        preview=preview.as_dict(),
    )
    ports = {port.pk: port for port in _live_table_ports().filter(pk__in=[r.port_id for r in preview.registrations])}
    for item in preview.registrations:
        central = item.central_entry.split(":", 1)[0]
        registration_ensure(port=ports[item.port_id], central_account_id=central, change=change)
    audit_record(
        actor=actor,
        event_type=EventType.GOVERNANCE_MODEL_CHANGED,
        obj=change,
        before={"model": preview.from_model},
        after={
            "model": model,
            "registrations": len(preview.registrations),
            "grants_staying": len(preview.grants),
        },
    )
    return change
