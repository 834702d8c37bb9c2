"""Harvest from Glue: a producer picks tables, a worker reads them and makes draft products (or, for tables that
already back a product, schema proposals to review), reporting progress on the job row.

Harvests run on the one outbox engine (``meshportal/core/outbox``, timing in ``MESHPORTAL_OUTBOX["harvest"]``):
the row is enqueued on commit, claimed with a conditional update, its progress and its end are fenced on the
claim, an AWS error that can heal (throttling, a timeout) puts it back with backoff, and the beat relay
re-drives a harvest whose message was lost or whose worker died.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog import permissions
from catalog.errors import CatalogErrorCode
from catalog.glue import GlueTable, glue_table
from catalog.models import DataProduct, Domain, HarvestJob, OutputPort, SchemaProposal
from catalog.publication import publication_listeners
from catalog.search import refresh_product_search
from catalog.services.common import lock_product, require_not_retired
from catalog.services.ports import port_create, port_record_reading, require_team_owns_database
from catalog.services.products import product_create
from catalog.services.schema import columns_replace, schema_diff
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.gateway import AwsError
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from meshportal.core.outbox import Outbox, OutboxStatus
from meshportal.core.outbox.engine import worker_token
from meshportal.identity.actors import Actor, harvest_actor
from meshportal.identity.models import Team, User

logger = logging.getLogger(__name__)
MAX_TABLES = 500
HARVESTABLE_ROLES = {AwsAccount.Role.PRODUCER, AwsAccount.Role.CENTRAL_GOVERNANCE}
HARVESTS: Outbox[HarvestJob] = Outbox(kind="harvest", model=HarvestJob, task_name="catalog.harvest_run")


def require_harvest_account(account: AwsAccount) -> None:
    if not account.is_active or account.role not in HARVESTABLE_ROLES:
        raise ValidationFailed(
            f"{account} is not an active producer account.",
            field="aws_account",
            code=CatalogErrorCode.NOT_A_PRODUCER_ACCOUNT,
        )


@transaction.atomic
def harvest_start(
    *,
    actor: User,
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
    require_team_owns_database(team_id=owner_team.pk, aws_account=aws_account, database=database_name.strip())
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
    HARVESTS.enqueue_on_commit(job.pk)
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
        )
        port_create(
            actor=actor,
            product=product,
            aws_account=job.aws_account,
            name=table.name[:120],
            database_name=table.database,
            table_name=table.name,
            s3_location=table.location,
        )
        return {
            "table": table.name,
            "outcome": "created",
            "product": product.slug,
            "detail": f"Draft product with {len(columns)} column(s).",
        }
    port_record_reading(port=port, table=table)
    product = port.product
    for listener in publication_listeners():  # e.g. a central catalog's entry follows the table's schema
        listener.table_reread(port=port)
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
    """Run a harvest: claim it, read each table from Glue, record what happened table by table.

    Called by the Celery task; returns None when there was nothing to claim (another worker holds the
    harvest, it is not due yet, or it is finished: a redelivered message changes nothing). Each table commits
    on its own with the progress (fenced on the claim), so progress is visible while it runs, a failing table
    does not undo the others, and a retry goes on with the tables not read yet. botocore already retries
    throttling and transient errors within a call (the gateway's standard retry mode); an error that can
    still heal after that puts the whole harvest back for a later attempt with backoff; any other error is
    recorded on its table's result.
    """
    worker = worker_token()
    if not HARVESTS.claim(job_id=job_id, worker=worker):
        return None
    job = HarvestJob.objects.select_related("aws_account", "domain", "owner_team", "requested_by").get(pk=job_id)
    try:
        _harvest(job)
    except Exception as exc:
        # Not an answer from AWS (a database error, a bug): back for a later try, with the reason.
        logger.exception("harvest %s failed unexpectedly", job_id)
        HARVESTS.release_after_crash(job_ids=[job_id], worker=worker, error=exc)
        raise
    job.refresh_from_db()
    return job


def _harvest(job: HarvestJob) -> None:
    # The run acts for the job's team with exactly what a harvest needs (identity.actors), whoever started it.
    actor: Actor = harvest_actor(team_id=job.owner_team_id, on_behalf_of=job.requested_by)
    try:
        # The account may have been deactivated or re-registered since the harvest was asked for.
        require_harvest_account(job.aws_account)
    except ValidationFailed as exc:
        _finish(job, actor=actor, status=OutboxStatus.FAILED, summary=exc.detail, code=exc.code, reason=exc.detail)
        return
    results: list[dict[str, Any]] = list(job.results)
    read = {r["table"] for r in results}
    for name in job.table_names:
        if name in read:
            continue  # read by an earlier attempt
        try:
            table = glue_table(job.aws_account, job.database_name, name)
        except AwsError as exc:
            if exc.retryable and HARVESTS.may_retry(job):
                with transaction.atomic():
                    HARVESTS.reschedule(job, code=exc.code, message=f"{name}: {exc.operation}: {exc.message}")
                return
            result = _failed(name, code=exc.code, detail=f"{exc.code}: {exc.message}")
            if not _record(job, results, result):
                return
            continue
        try:
            with transaction.atomic():
                result = _harvest_table(job=job, table=table, actor=actor)
                if not _record(job, results, result):
                    raise _ClaimLost
        except _ClaimLost:
            return  # the lease ran out and another worker took the harvest over: it goes on from here
        except (ValidationFailed, Conflict) as exc:
            if not _record(job, results, _failed(name, code=exc.code, detail=exc.detail)):
                return
    failures = [r for r in results if r["outcome"] == "failed"]
    counts = {
        outcome: sum(1 for r in results if r["outcome"] == outcome)
        for outcome in ("created", "changes", "unchanged", "failed")
    }
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "Nothing to do."
    if results and len(failures) == len(results):
        first = failures[0]
        _finish(
            job,
            actor=actor,
            status=OutboxStatus.FAILED,
            summary=summary,
            code=first.get("code", "failed"),
            reason=f"{first['table']}: {first['detail']}",
            counts=counts,
        )
    else:
        _finish(job, actor=actor, status=OutboxStatus.SUCCEEDED, summary=summary, counts=counts)


class _ClaimLost(Exception):
    """Raised inside a table's transaction to undo it when the harvest's claim has been taken over."""


def _failed(name: str, *, code: str, detail: str) -> dict[str, Any]:
    return {"table": name, "outcome": "failed", "code": code[:128], "detail": detail[:500]}


def _record(job: HarvestJob, results: list[dict[str, Any]], result: dict[str, Any]) -> bool:
    """Add a table's result to the harvest, fenced on the claim. False when the claim was lost."""
    results.append(result)
    return bool(HARVESTS.mine(job).update(done=len(results), results=results))


def _finish(
    job: HarvestJob,
    *,
    actor: Actor,
    status: str,
    summary: str,
    code: str = "",
    reason: str = "",
    counts: dict[str, int] | None = None,
) -> None:
    with transaction.atomic():
        # The summary first, while the claim still holds the row; ``finish`` is the fence for both.
        HARVESTS.mine(job).update(message=summary)
        if not HARVESTS.finish(job, status=status, code=code, message=reason):
            transaction.set_rollback(True)
            return
        audit_record(
            actor=actor,
            event_type=EventType.HARVEST_FINISHED,
            obj=job,
            account_id=job.aws_account.account_id,
            after={"status": status, **(counts or {}), **({"error": reason} if reason else {})},
        )


def _require_proposal_decider(actor: Actor, product: DataProduct) -> None:
    """A schema change waiting for review exists only for those who may decide it (the owning team, platform
    admins): anyone else is answered as for a schema change that does not exist, whichever door they came in by."""
    if not permissions.can_edit(actor, product):
        raise NotFound("No such schema change.")


@transaction.atomic
def schema_apply_harvest(*, actor: User, proposal: SchemaProposal) -> DataProduct:
    """Apply a reviewed re-harvest: the product's schema becomes the harvested one."""
    proposal = SchemaProposal.objects.select_for_update().get(pk=proposal.pk)
    product = lock_product(proposal.product)
    _require_proposal_decider(actor, product)
    require_not_retired(product)
    if proposal.status != SchemaProposal.Status.PENDING:
        raise Conflict(
            f"This schema change was already {proposal.get_status_display().lower()}.",
            code=CatalogErrorCode.PROPOSAL_DECIDED,
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
def schema_discard_harvest(*, actor: User, proposal: SchemaProposal) -> SchemaProposal:
    proposal = SchemaProposal.objects.select_for_update().select_related("product").get(pk=proposal.pk)
    _require_proposal_decider(actor, proposal.product)
    if proposal.status != SchemaProposal.Status.PENDING:
        raise Conflict(
            f"This schema change was already {proposal.get_status_display().lower()}.",
            code=CatalogErrorCode.PROPOSAL_DECIDED,
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


def harvests_relay(*, now: datetime | None = None) -> int:
    """Re-drive harvests whose message was lost and those a dead worker left running (the beat's
    ``catalog.relay_harvests``). ``harvest_run`` claims a harvest before working on it, so a duplicate message
    is harmless."""
    return HARVESTS.relay(now=now)
