"""Registering published tables in a central account's catalog (central and line-of-business models).

The AWS data-mesh reference architecture's central catalog holds an entry per shared table: the producer keeps
its data in its own S3 bucket and its table in its own catalog; the central account has a database per domain
(``mesh_<domain>``) whose tables point at the producer's S3 locations, registers those locations with its Lake
Formation (https://docs.aws.amazon.com/lake-formation/latest/dg/register-cross-account.html), and grants
consumers on its own entries. The producer gets ALTER and DESCRIBE on its entry (to evolve the schema) and a
resource link to it in its own catalog
(https://docs.aws.amazon.com/prescriptive-guidance/latest/patterns/build-a-data-mesh-with-aws-lake-formation.html,
https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html).

Each registration or schema sync is a ``CatalogRegistration`` row on the one outbox engine (timing in
``MESHPORTAL_OUTBOX["registration"]``): written in the transaction that needs it (a publish, a grant under a
central model, a model switch, the beat's sync), enqueued on commit, claimed with a conditional update; every
step is idempotent (create-or-update, "already exists" is done), so a retried job just goes on.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.gateway import AwsError, glue, ram, registered_account_client
from meshportal.aws.gateway import lakeformation as lf
from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.core.outbox import Outbox, OutboxStatus
from meshportal.core.outbox.engine import worker_token
from meshportal.identity.actors import PROVISIONING_WORKER
from provisioning.backends.lakeformation.plan import central_database_name, link_table_name
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import CatalogRegistration, GovernanceModelChange

logger = logging.getLogger(__name__)

REGISTRATIONS: Outbox[CatalogRegistration] = Outbox(
    kind="registration", model=CatalogRegistration, task_name="provisioning.run_registration"
)
CENTRAL_DATABASE_DESCRIPTION = "Data products registered through MeshPortal (central catalog of the mesh)"
PRODUCER_LINK_DESCRIPTION = "Resource links to this account's tables in the central catalog of the mesh"
SOURCE_PARAMETER = "meshportal:source"
# StorageDescriptor members that TableInput accepts back (GetTable answers a few more).
STORAGE_KEYS = (
    "Columns",
    "Location",
    "InputFormat",
    "OutputFormat",
    "Compressed",
    "NumberOfBuckets",
    "SerdeInfo",
    "BucketColumns",
    "SortColumns",
    "Parameters",
    "StoredAsSubDirectories",
)
UNFINISHED = (OutboxStatus.PENDING, OutboxStatus.QUEUED, OutboxStatus.RUNNING, OutboxStatus.RETRY)


# --- which central account ---------------------------------------------------------------------------------


def central_account_for(*, port: Any, model: str) -> str | None:
    """The central account whose catalog holds ``port``'s entry under ``model`` (None when federated, or when
    no active central account is registered for it)."""
    if model == GovernanceSettings.Model.FEDERATED:
        return None
    central = AwsAccount.objects.filter(role=AwsAccount.Role.CENTRAL_GOVERNANCE, is_active=True)
    if model == GovernanceSettings.Model.LINE_OF_BUSINESS:
        central = central.filter(line_of_business=port.aws_account.line_of_business)
    account_id = central.order_by("id").values_list("account_id", flat=True).first()
    return str(account_id) if account_id else None


def registered_ports(central: str) -> QuerySet[CatalogRegistration]:
    """Successful registrations in ``central``'s catalog whose entry was not removed since."""
    removed = CatalogRegistration.objects.filter(
        port=OuterRef("port"),
        central_account_id=central,
        action=CatalogRegistration.Action.REMOVE,
        status=OutboxStatus.SUCCEEDED,
        id__gt=OuterRef("id"),
    )
    return CatalogRegistration.objects.filter(
        central_account_id=central, action=CatalogRegistration.Action.REGISTER, status=OutboxStatus.SUCCEEDED
    ).exclude(Exists(removed))


def registration_ready(*, port: Any, central: str) -> bool:
    """True once ``port``'s table has an entry in ``central``'s catalog."""
    return registered_ports(central).filter(port=port).exists()


# --- recording the work ------------------------------------------------------------------------------------


def registration_ensure(
    *, port: Any, central_account_id: str, change: GovernanceModelChange | None = None
) -> CatalogRegistration:
    """The registration of ``port`` in ``central_account_id``'s catalog: the one done or under way, else a new
    job recorded in the caller's transaction and enqueued on commit (also when the entry was removed since)."""
    existing = (
        CatalogRegistration.objects.filter(
            port=port, central_account_id=central_account_id, action=CatalogRegistration.Action.REGISTER
        )
        .filter(status__in=[*UNFINISHED, OutboxStatus.SUCCEEDED])
        .order_by("-id")
        .first()
    )
    if existing is not None and (
        existing.status != OutboxStatus.SUCCEEDED or registration_ready(port=port, central=central_account_id)
    ):
        return existing
    return _record(
        port=port, central_account_id=central_account_id, action=CatalogRegistration.Action.REGISTER, change=change
    )


def registration_sync_request(*, port: Any, central_account_id: str) -> CatalogRegistration | None:
    """A schema sync of a registered port (None when one is already waiting or the port is not registered)."""
    if not registration_ready(port=port, central=central_account_id):
        return None
    if CatalogRegistration.objects.filter(
        port=port, central_account_id=central_account_id, action=CatalogRegistration.Action.SYNC, status__in=UNFINISHED
    ).exists():
        return None
    return _record(port=port, central_account_id=central_account_id, action=CatalogRegistration.Action.SYNC)


def registration_remove_request(*, port: Any, central_account_id: str) -> CatalogRegistration | None:
    """The removal of ``port``'s entry from ``central_account_id``'s catalog (a retired product): None when
    the port is not registered there or a removal is already under way."""
    if not registration_ready(port=port, central=central_account_id):
        return None
    if CatalogRegistration.objects.filter(
        port=port,
        central_account_id=central_account_id,
        action=CatalogRegistration.Action.REMOVE,
        status__in=UNFINISHED,
    ).exists():
        return None
    return _record(port=port, central_account_id=central_account_id, action=CatalogRegistration.Action.REMOVE)


def _record(
    *, port: Any, central_account_id: str, action: str, change: GovernanceModelChange | None = None
) -> CatalogRegistration:
    job = CatalogRegistration.objects.create(
        port=port,
        action=action,
        central_account_id=central_account_id,
        central_database=central_database_name(port.product.domain.slug),
        central_table=link_table_name(port.database_name, port.table_name),
        change=change,
    )
    REGISTRATIONS.enqueue_on_commit(job.pk)
    return job


def registrations_sync_due() -> int:
    """The beat's schema sync: one sync job per registered table of a live product (a producer's schema change
    reaches the central entry even without a re-harvest)."""
    count = 0
    done = (
        CatalogRegistration.objects.filter(action=CatalogRegistration.Action.REGISTER, status=OutboxStatus.SUCCEEDED)
        .filter(port__product__status__in=["published", "deprecated"])
        .select_related("port__product__domain")
        .order_by("port_id", "central_account_id")
    )
    seen: set[tuple[int, str]] = set()
    for registration in done:
        key = (registration.port_id, registration.central_account_id)
        if key in seen:
            continue
        seen.add(key)
        with transaction.atomic():
            if registration_sync_request(port=registration.port, central_account_id=registration.central_account_id):
                count += 1
    return count


def registrations_relay() -> int:
    return REGISTRATIONS.relay()


# --- running it --------------------------------------------------------------------------------------------


def registration_run(*, job_id: int) -> None:
    """Entry point of the ``provisioning.run_registration`` task."""
    worker = worker_token()
    if not REGISTRATIONS.claim(job_id=job_id, worker=worker):
        return
    job = CatalogRegistration.objects.select_related("port__aws_account", "port__product__domain").get(pk=job_id)
    try:
        steps: list[str] = []
        try:
            match job.action:
                case CatalogRegistration.Action.REGISTER:
                    columns = _register(job, steps)
                case CatalogRegistration.Action.REMOVE:
                    columns = _remove(job, steps)
                case _:
                    columns = _sync(job, steps)
        except AwsError as error:
            _fail(job, error, steps)
            return
        _succeed(job, columns, steps)
    except Exception as exc:
        logger.exception("catalog registration %s failed unexpectedly", job_id)
        REGISTRATIONS.release_after_crash(job_ids=[job_id], worker=worker, error=exc)
        raise


def _producer_table(job: CatalogRegistration) -> dict[str, Any]:
    port = job.port
    producer = str(port.catalog_id)
    return glue.get_table(
        registered_account_client("glue", producer),
        account_id=producer,
        database=port.database_name,
        name=port.table_name,
    )


def _table_input(job: CatalogRegistration, table: dict[str, Any]) -> dict[str, Any]:
    port = job.port
    storage = {k: v for k, v in table.get("StorageDescriptor", {}).items() if k in STORAGE_KEYS}
    if not storage.get("Location") and port.s3_location:
        storage["Location"] = port.s3_location
    return {
        "Name": job.central_table,
        "Description": (table.get("Description") or f"{port.product.name}: {port.database_name}.{port.table_name}")[
            :2048
        ],
        "TableType": table.get("TableType") or "EXTERNAL_TABLE",
        "StorageDescriptor": storage,
        "PartitionKeys": table.get("PartitionKeys", []),
        "Parameters": {
            **table.get("Parameters", {}),
            SOURCE_PARAMETER: f"{port.catalog_id}:{port.database_name}.{port.table_name}",
        },
    }


def _columns(table: dict[str, Any]) -> list[dict[str, str]]:
    columns = table.get("StorageDescriptor", {}).get("Columns", []) + table.get("PartitionKeys", [])
    return [{"name": c["Name"], "type": c.get("Type", "")} for c in columns]


def _register(job: CatalogRegistration, steps: list[str]) -> list[dict[str, str]]:
    port = job.port
    central, producer = job.central_account_id, str(port.catalog_id)
    central_glue = registered_account_client("glue", central)
    central_lf = registered_account_client("lakeformation", central)
    glue.ensure_database(
        central_glue, account_id=central, name=job.central_database, description=CENTRAL_DATABASE_DESCRIPTION
    )
    steps.append(f"Database {job.central_database} in the catalog of {central}")
    table = _producer_table(job)
    table_input = _table_input(job, table)
    location = table_input["StorageDescriptor"].get("Location")
    if location:
        # The producer's bucket: registered with the central account's data-access role, not the service-linked role.
        role_arn = (
            None
            if producer == central
            else f"arn:aws:iam::{central}:role/{settings.MESHPORTAL_LF_DATA_ACCESS_ROLE_NAME}"
        )
        lf.register_location(
            central_lf, account_id=central, resource_arn=lf.s3_location_arn(location), role_arn=role_arn
        )
        steps.append(f"Data location {location} registered with Lake Formation of {central}")
    glue.upsert_table(central_glue, account_id=central, database=job.central_database, table_input=table_input)
    steps.append(f"Table {job.central_database}.{job.central_table} → {location or 'no location'} in {central}")
    if producer == central:
        return _columns(table)
    entry = lf.table_resource(central, job.central_database, job.central_table)
    if port.grant_method == "lf_tags" and port.lf_tag_expression:
        _tag_entry(job, central_lf=central_lf, entry=entry, steps=steps)
    held = lf.held_permissions(central_lf, account_id=central, principal=producer, resource=entry)
    missing = sorted({"ALTER", "DESCRIBE"} - held)
    if missing:
        lf.grant(central_lf, account_id=central, principal=producer, resource=entry, permissions=missing)
    steps.append(f"ALTER+DESCRIBE on the entry for the producer account {producer}")
    orgs = dict(
        AwsAccount.objects.filter(account_id__in=[central, producer]).values_list("account_id", "organization_id")
    )
    if not (orgs.get(central) and orgs.get(central) == orgs.get(producer)):
        accepted = ram.accept_pending_from(
            registered_account_client("ram", producer), account_id=producer, senders={central}
        )
        if central not in accepted:
            raise AwsError(
                code=ProvisioningErrorCode.INVITATION_NOT_YET_VISIBLE,
                message=f"no RAM invitation from {central} in {producer} yet",
                operation="ram:GetResourceShareInvitations",
                retryable=True,
            )
        steps.append(f"AWS RAM invitation from {central} accepted in {producer}")
    producer_glue = registered_account_client("glue", producer)
    glue.ensure_database(
        producer_glue, account_id=producer, name=job.central_database, description=PRODUCER_LINK_DESCRIPTION
    )
    glue.ensure_resource_link(
        producer_glue,
        account_id=producer,
        database=job.central_database,
        name=job.central_table,
        target={"CatalogId": central, "DatabaseName": job.central_database, "Name": job.central_table},
    )
    steps.append(f"Resource link {job.central_database}.{job.central_table} in {producer} → the central entry")
    return _columns(table)


def _tag_entry(job: CatalogRegistration, *, central_lf: Any, entry: dict[str, Any], steps: list[str]) -> None:
    """An LF-tag port's central grants go on an LF-tag expression of the central catalog (the reference
    architecture's central account grants by tags on its own catalog): its tag keys and values are created
    there if needed and the entry gets, for each key of the port's expression, the value the producer's table
    carries (when the expression allows it), else the expression's first value."""
    port = job.port
    producer, central = str(port.catalog_id), job.central_account_id
    producer_tags = lf.resource_lf_tags(
        registered_account_client("lakeformation", producer),
        account_id=producer,
        resource=lf.table_resource(producer, port.database_name, port.table_name),
    )
    chosen: dict[str, str] = {}
    for term in port.lf_tag_expression:
        key, values = term["TagKey"], list(term["TagValues"])
        lf.ensure_lf_tag(central_lf, account_id=central, key=key, values=values)
        chosen[key] = producer_tags[key] if producer_tags.get(key) in values else values[0]
    lf.add_lf_tags(central_lf, account_id=central, resource=entry, tags=chosen)
    steps.append("LF-tags " + ", ".join(f"{k}={v}" for k, v in sorted(chosen.items())) + f" on the entry in {central}")


def _sync(job: CatalogRegistration, steps: list[str]) -> list[dict[str, str]]:
    table = _producer_table(job)
    glue.upsert_table(
        registered_account_client("glue", job.central_account_id),
        account_id=job.central_account_id,
        database=job.central_database,
        table_input=_table_input(job, table),
    )
    steps.append(f"Table {job.central_database}.{job.central_table} updated from the producer's table")
    return _columns(table)


def _remove(job: CatalogRegistration, steps: list[str]) -> list[dict[str, str]]:
    """Delete the producer's resource link, then the central entry (Lake Formation drops the permissions on a
    deleted table with it). The registered S3 location stays: other entries may lie under it."""
    central, producer = job.central_account_id, str(job.port.catalog_id)
    if producer != central:
        gone = glue.delete_table(
            registered_account_client("glue", producer),
            account_id=producer,
            database=job.central_database,
            name=job.central_table,
        )
        steps.append(
            f"Resource link {job.central_database}.{job.central_table} in {producer} "
            + ("deleted" if gone else "already gone")
        )
    gone = glue.delete_table(
        registered_account_client("glue", central),
        account_id=central,
        database=job.central_database,
        name=job.central_table,
    )
    steps.append(
        f"Entry {job.central_database}.{job.central_table} in {central} " + ("deleted" if gone else "already gone")
    )
    return []


def schema_diff(before: list[dict[str, str]], after: list[dict[str, str]]) -> dict[str, list[Any]]:
    old = {c["name"]: c.get("type", "") for c in before}
    new = {c["name"]: c.get("type", "") for c in after}
    return {
        "added": [n for n in new if n not in old],
        "removed": [n for n in old if n not in new],
        "changed": [{"name": n, "from": old[n], "to": new[n]} for n in new if n in old and old[n] != new[n]],
    }


def _last_columns(job: CatalogRegistration) -> list[dict[str, str]] | None:
    previous = (
        CatalogRegistration.objects.filter(
            port_id=job.port_id, central_account_id=job.central_account_id, status=OutboxStatus.SUCCEEDED
        )
        .exclude(pk=job.pk)
        .order_by("-finished_at", "-id")
        .values_list("columns", flat=True)
        .first()
    )
    return list(previous) if previous is not None else None


def _succeed(job: CatalogRegistration, columns: list[dict[str, str]], steps: list[str]) -> None:
    previous = _last_columns(job) if job.action != CatalogRegistration.Action.REMOVE else None
    diff = schema_diff(previous, columns) if previous is not None else {"added": [], "removed": [], "changed": []}
    changed = any(diff.values())
    events = {
        CatalogRegistration.Action.REGISTER: EventType.TABLE_REGISTERED,
        CatalogRegistration.Action.REMOVE: EventType.CENTRAL_ENTRY_REMOVED,
    }
    with transaction.atomic():
        if not REGISTRATIONS.finish(job, status=OutboxStatus.SUCCEEDED, columns=columns, diff=diff, steps_done=steps):
            return
        if job.action in events or changed:
            audit_record(
                actor=PROVISIONING_WORKER,
                event_type=events.get(CatalogRegistration.Action(job.action), EventType.CENTRAL_SCHEMA_SYNCED),
                obj=job,
                product_id=job.port.product_id,
                account_id=job.central_account_id,
                after={
                    "entry": f"{job.central_account_id}:{job.central_database}.{job.central_table}",
                    "source": f"{job.port.catalog_id}:{job.port.database_name}.{job.port.table_name}",
                    **({"diff": diff} if changed else {}),
                },
            )


def _fail(job: CatalogRegistration, error: AwsError, steps: list[str]) -> None:
    message = f"{error.operation}: {error.message}"
    with transaction.atomic():
        if error.retryable and REGISTRATIONS.may_retry(job):
            REGISTRATIONS.reschedule(job, code=error.code, message=message, steps_done=steps)
            return
        if REGISTRATIONS.finish(job, status=OutboxStatus.FAILED, code=error.code, message=message, steps_done=steps):
            audit_record(
                actor=PROVISIONING_WORKER,
                event_type=EventType.TABLE_REGISTRATION_FAILED,
                obj=job,
                product_id=job.port.product_id,
                account_id=job.central_account_id,
                after={"action": job.action, "error": f"{error.code}: {error.message}"[:500]},
            )
