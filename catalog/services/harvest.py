"""Harvest from Glue: a producer picks tables, a worker reads them and makes draft products (or, for tables that
already back a product, schema proposals to review), reporting progress on the job row."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from catalog import permissions
from catalog.glue import GlueTable, glue_table
from catalog.models import DataProduct, Domain, HarvestJob, OutputPort, SchemaProposal
from catalog.search import refresh_product_search
from catalog.services.products import (
    columns_replace,
    lock_product,
    port_create,
    product_create,
    require_not_retired,
    schema_diff,
)
from meshportal.audit.events import EventType
from meshportal.audit.services import Actor, SystemActor, audit_record
from meshportal.aws.gateway import AwsError
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from meshportal.identity.models import Team

logger = logging.getLogger(__name__)
MAX_TABLES = 500
HARVESTABLE_ROLES = {AwsAccount.Role.PRODUCER, AwsAccount.Role.CENTRAL_GOVERNANCE}


def require_harvest_account(account: AwsAccount) -> None:
    if not account.is_active or account.role not in HARVESTABLE_ROLES:
        raise ValidationFailed(
            f"{account} is not an active producer account.", field="aws_account", code="not_a_producer_account"
        )


def _enqueue(job_id: int) -> None:
    from catalog.tasks import harvest_run_task

    transaction.on_commit(lambda: harvest_run_task.delay(job_id))


@transaction.atomic
def harvest_start(
    *,
    actor: Actor,
    aws_account: AwsAccount,
    database_name: str,
    table_names: Sequence[str],
    domain: Domain,
    owner_team: Team,
) -> HarvestJob:
    """Record a harvest of ``table_names`` and hand it to a worker once the transaction commits."""
    if not permissions.can_publish_for_team(actor, owner_team.pk):
        raise NotAllowed("You can only harvest for teams you are a member of.", field="owner_team")
    require_harvest_account(aws_account)
    names = list(dict.fromkeys(str(t).strip() for t in table_names if str(t).strip()))
    if not database_name or not database_name.strip():
        raise ValidationFailed("Choose a Glue database.", field="database_name")
    if not names:
        raise ValidationFailed("Choose at least one table.", field="table_names")
    if len(names) > MAX_TABLES:
        raise ValidationFailed(f"At most {MAX_TABLES} tables per harvest.", field="table_names")
    if any(len(n) > 255 for n in names):
        raise ValidationFailed("Glue table names are at most 255 characters.", field="table_names")
    job = HarvestJob.objects.create(
        requested_by=actor,
        aws_account=aws_account,
        database_name=database_name.strip(),
        table_names=names,
        domain=domain,
        owner_team=owner_team,
        total=len(names),
    )
    audit_record(
        actor=actor,
        event_type=EventType.HARVEST_STARTED,
        obj=job,
        account_id=aws_account.account_id,
        after={"database": job.database_name, "tables": names, "domain": domain.slug, "owner_team": owner_team.slug},
    )
    _enqueue(job.pk)
    return job


def _free_slug(base: str) -> str:
    base = slugify(base.replace("_", "-"))[:110].strip("-") or "product"
    taken = set(DataProduct.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def _harvest_table(*, job: HarvestJob, table: GlueTable, actor: Actor) -> dict[str, Any]:
    columns = [c.as_column() for c in table.columns]
    # Only the harvesting team's own products: another team's product on the same table is invisible here, as
    # it is on every page (no proposal on it, none of its proposals superseded, its slug never reported).
    port = (
        OutputPort.objects.select_related("product")
        .filter(
            aws_account=job.aws_account,
            database_name=table.database,
            table_name=table.name,
            product__owner_team=job.owner_team,
        )
        .order_by("id")
        .first()
    )
    if port is None:
        name = table.name.replace("_", " ").strip().capitalize() or table.name
        product = product_create(
            actor=actor,
            slug=_free_slug(f"{table.database}-{table.name}"),
            name=name[:200],
            domain=job.domain,
            owner_team=job.owner_team,
            summary=table.description[:300],
            columns=columns,
            check_actor=False,
        )
        port_create(
            actor=actor,
            product=product,
            aws_account=job.aws_account,
            name=table.name[:120],
            database_name=table.database,
            table_name=table.name,
            s3_location=table.location,
            check_actor=False,
        )
        return {
            "table": table.name,
            "outcome": "created",
            "product": product.slug,
            "detail": f"Draft product with {len(columns)} column(s).",
        }
    product = port.product
    diff = schema_diff(product.columns.all(), columns)
    if not any(diff.values()):
        return {"table": table.name, "outcome": "unchanged", "product": product.slug, "detail": "No schema change."}
    # A newer reading supersedes any proposal still waiting for review.
    product.schema_proposals.filter(status=SchemaProposal.Status.PENDING).update(
        status=SchemaProposal.Status.DISCARDED, decided_at=timezone.now()
    )
    proposal = SchemaProposal.objects.create(product=product, harvest=job, columns=columns, diff=diff)
    return {
        "table": table.name,
        "outcome": "changes",
        "product": product.slug,
        "proposal": proposal.pk,
        "detail": f"{len(diff['added'])} added, {len(diff['removed'])} removed, "
        f"{len(diff['changed'])} changed: review before applying.",
    }


def harvest_run(*, job_id: int) -> HarvestJob | None:
    """Run a harvest job once: claim it, read each table from Glue, record what happened table by table.

    Called by the Celery task. Each table commits on its own, so progress is visible while the job runs and a
    failing table does not undo the others. botocore retries throttling and transient errors (the gateway's
    standard retry mode); what still fails is recorded on the table's result.
    """
    claimed = HarvestJob.objects.filter(pk=job_id, status=HarvestJob.Status.PENDING).update(
        status=HarvestJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    job = HarvestJob.objects.select_related("aws_account", "domain", "owner_team", "requested_by").get(pk=job_id)
    actor: Actor = job.requested_by or SystemActor("harvest")
    results: list[dict[str, Any]] = []
    for name in job.table_names:
        try:
            table = glue_table(job.aws_account, job.database_name, name)
            result = _harvest_table(job=job, table=table, actor=actor)
        except AwsError as exc:
            result = {"table": name, "outcome": "failed", "detail": f"{exc.code}: {exc.message}"[:500]}
        except (ValidationFailed, Conflict) as exc:
            result = {"table": name, "outcome": "failed", "detail": exc.detail[:500]}
        results.append(result)
        HarvestJob.objects.filter(pk=job.pk).update(done=F("done") + 1, results=results)
    failed = sum(1 for r in results if r["outcome"] == "failed")
    status = HarvestJob.Status.FAILED if results and failed == len(results) else HarvestJob.Status.SUCCEEDED
    counts = {
        outcome: sum(1 for r in results if r["outcome"] == outcome)
        for outcome in ("created", "changes", "unchanged", "failed")
    }
    message = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "Nothing to do."
    with transaction.atomic():
        HarvestJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), message=message)
        audit_record(
            actor=actor,
            event_type=EventType.HARVEST_FINISHED,
            obj=job,
            account_id=job.aws_account.account_id,
            after={"status": status, **counts},
        )
    job.refresh_from_db()
    return job


def _require_proposal_decider(actor: Actor, product: DataProduct) -> None:
    """A schema change waiting for review exists only for those who may decide it (the owning team, platform
    admins): anyone else is answered as for a schema change that does not exist, whichever door they came in by."""
    if not permissions.can_edit(actor, product):
        raise NotFound("No such schema change.")


@transaction.atomic
def schema_apply_harvest(*, actor: Actor, proposal: SchemaProposal) -> DataProduct:
    """Apply a reviewed re-harvest: the product's schema becomes the harvested one."""
    proposal = SchemaProposal.objects.select_for_update().get(pk=proposal.pk)
    product = lock_product(proposal.product)
    _require_proposal_decider(actor, product)
    require_not_retired(product)
    if proposal.status != SchemaProposal.Status.PENDING:
        raise Conflict(
            f"This schema change was already {proposal.get_status_display().lower()}.", code="proposal_decided"
        )
    diff = columns_replace(product=product, columns=proposal.columns)
    proposal.status = SchemaProposal.Status.APPLIED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    product.save(update_fields=["updated_at"])
    audit_record(
        actor=actor,
        event_type=EventType.SCHEMA_CHANGED,
        obj=product,
        product_id=product.pk,
        after={**diff, "source": "harvest", "harvest": proposal.harvest_id},
    )
    refresh_product_search(product)
    return product


@transaction.atomic
def schema_discard_harvest(*, actor: Actor, proposal: SchemaProposal) -> SchemaProposal:
    proposal = SchemaProposal.objects.select_for_update().select_related("product").get(pk=proposal.pk)
    _require_proposal_decider(actor, proposal.product)
    if proposal.status != SchemaProposal.Status.PENDING:
        raise Conflict(
            f"This schema change was already {proposal.get_status_display().lower()}.", code="proposal_decided"
        )
    proposal.status = SchemaProposal.Status.DISCARDED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        event_type=EventType.SCHEMA_CHANGED,
        obj=proposal.product,
        product_id=proposal.product_id,
        after={"discarded_proposal": proposal.pk, **proposal.diff},
    )
    return proposal


def harvests_relay(*, now: Any = None) -> int:
    """Re-drive harvests whose message was lost (committed but never picked up), and those a dead worker
    left running. ``harvest_run`` claims a job before working on it, so a duplicate message is harmless."""
    from datetime import timedelta

    from catalog.tasks import harvest_run_task

    now = now or timezone.now()
    HarvestJob.objects.filter(status=HarvestJob.Status.RUNNING, started_at__lt=now - timedelta(minutes=30)).update(
        status=HarvestJob.Status.PENDING
    )
    waiting = list(
        HarvestJob.objects.filter(
            status=HarvestJob.Status.PENDING, created_at__lt=now - timedelta(seconds=60)
        ).values_list("pk", flat=True)
    )
    for job_id in waiting:
        harvest_run_task.delay(job_id)
    return len(waiting)
