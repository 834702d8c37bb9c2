"""Output ports: how a data product is consumed (a Glue table or database in a registered AWS account)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from catalog import permissions
from catalog.errors import CatalogErrorCode
from catalog.glue import GlueTable, glue_database_exists, glue_table
from catalog.models import DataProduct, OutputPort
from catalog.services.common import (
    lock_product,
    require_not_retired,
)
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, snapshot
from meshportal.aws.footprints import footprint_for
from meshportal.aws.gateway import AwsError
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor

# Products whose ports count as published: consumers can request access to them.
LIVE_STATUSES = (DataProduct.Status.PUBLISHED, DataProduct.Status.DEPRECATED)


@dataclass(frozen=True)
class PortTarget:
    """Where a port points, checked: an owned database (and table) that exists, as read from Glue."""

    aws_account: AwsAccount
    database_name: str
    table_name: str
    table: GlueTable | None


def _target_label(account: AwsAccount, database: str, table: str) -> str:
    return f"{database}.{table} in {account.account_id}" if table else f"database {database} in {account.account_id}"


def require_team_owns_database(*, team_id: int | None, aws_account: AwsAccount, database: str) -> None:
    """The footprint registry says ``database`` in ``aws_account`` is the team's (400 unclaimed, 403 another's)."""
    footprint = footprint_for(aws_account=aws_account, database=database)
    if footprint is None:
        raise ValidationFailed(
            f"No team owns the Glue database {database} in {aws_account.account_id}: a platform admin registers "
            "which team owns it (AWS footprints) before a port can use it.",
            field="database_name",
            code=CatalogErrorCode.DATABASE_NOT_CLAIMED,
        )
    if team_id is None or footprint.team_id != team_id:
        raise NotAllowed(
            f"The Glue database {database} in {aws_account.account_id} belongs to the team {footprint.team.name}: "
            "a port may only use its own team's databases.",
            field="database_name",
            code=CatalogErrorCode.DATABASE_OF_ANOTHER_TEAM,
        )


def require_owned_target(
    *, product: DataProduct, aws_account: AwsAccount, database_name: str, table_name: str
) -> PortTarget:
    """The rules every port target passes, whichever door it came in by (issue #12):

    - the account is an active producer account (never a consumer's or the central governance account's);
    - the database is claimed in the footprint registry, by the product's owning team;
    - the database (and the table) exist, read through the gateway, not trusted from the form.
    """
    database = (database_name or "").strip()
    table_name = (table_name or "").strip()
    if not aws_account.is_active or aws_account.role != AwsAccount.Role.PRODUCER:
        raise ValidationFailed(
            f"{aws_account} is not an active producer account: output ports are tables in a producer account.",
            field="aws_account",
            code=CatalogErrorCode.NOT_A_PRODUCER_ACCOUNT,
        )
    require_team_owns_database(team_id=product.owner_team_id, aws_account=aws_account, database=database)
    try:
        if not glue_database_exists(aws_account, database):
            raise ValidationFailed(
                f"There is no Glue database {database} in {aws_account.account_id}.",
                field="database_name",
                code=CatalogErrorCode.GLUE_DATABASE_NOT_FOUND,
            )
        table = glue_table(aws_account, database, table_name) if table_name else None
    except AwsError as exc:
        if exc.code == "EntityNotFoundException":
            raise ValidationFailed(
                f"There is no Glue table {database}.{table_name} in {aws_account.account_id}.",
                field="table_name",
                code=CatalogErrorCode.GLUE_TABLE_NOT_FOUND,
            ) from exc
        raise ValidationFailed(
            f"Could not read {_target_label(aws_account, database, table_name)} from Glue: {exc.code}: {exc.message}",
            field="table_name" if table_name else "database_name",
            code=CatalogErrorCode.GLUE_UNAVAILABLE,
        ) from exc
    return PortTarget(aws_account=aws_account, database_name=database, table_name=table_name, table=table)


def require_not_published_elsewhere(*, port: OutputPort | PortTarget, product: DataProduct) -> None:
    """One table backs at most one published port: refuse when another live product already publishes it.

    Callers hold the account row's lock (``lock_account``), so two publishes of the same table serialize."""
    other = (
        OutputPort.objects.filter(
            aws_account=port.aws_account,
            database_name=port.database_name,
            table_name=port.table_name,
            product__status__in=LIVE_STATUSES,
        )
        .exclude(product=product)
        .select_related("product")
        .first()
    )
    if other is not None:
        raise Conflict(
            f"{_target_label(port.aws_account, port.database_name, port.table_name)} already backs the published "
            f"product {other.product.name}: one table backs at most one published port.",
            field="table_name",
            code=CatalogErrorCode.TABLE_ALREADY_PUBLISHED,
        )


def lock_account(account: AwsAccount) -> None:
    """Serialize port checks on one account's tables (select_for_update on the account row)."""
    AwsAccount.objects.select_for_update().filter(pk=account.pk).first()


# --- output ports -----------------------------------------------------------------------------------


PORT_FIELDS = [
    "name",
    "description",
    "kind",
    "region",
    "catalog_id",
    "database_name",
    "table_name",
    "s3_location",
    "grant_method",
    "approval_policy",
    "auto_approve_owning_team",
]


@transaction.atomic
def port_create(
    *,
    actor: Actor,
    product: DataProduct,
    aws_account: AwsAccount,
    name: str,
    database_name: str,
    table_name: str = "",
    region: str = "",
    s3_location: str = "",
    description: str = "",
    approval_policy: str = OutputPort.ApprovalPolicy.PRODUCER,
) -> OutputPort:
    """Declare how a product is consumed: a Glue table (or database) of the owning team, read from Glue.

    Refusals: not_a_producer_account, database_not_claimed (400), database_of_another_team (403),
    glue_database_not_found / glue_table_not_found (400), table_already_published (409)."""
    product = lock_product(product)
    if not permissions.can_add_port(actor, product):
        raise NotAllowed("Only members of the owning team and platform admins can change this data product.")
    require_not_retired(product)
    name = (name or "").strip()
    if not name or not database_name:
        raise ValidationFailed("An output port needs a name and a Glue database.", field="name")
    if approval_policy not in OutputPort.ApprovalPolicy.values:
        raise ValidationFailed(f"Unknown approval policy {approval_policy!r}.", field="approval_policy")
    if product.output_ports.filter(name=name).exists():
        raise Conflict(f"This product already has an output port named {name!r}.", code=CatalogErrorCode.DUPLICATE_PORT)
    target = require_owned_target(
        product=product, aws_account=aws_account, database_name=database_name, table_name=table_name
    )
    lock_account(aws_account)
    if product.status in LIVE_STATUSES:
        require_not_published_elsewhere(port=target, product=product)
    table = target.table
    port = OutputPort.objects.create(
        product=product,
        name=name,
        description=description,
        aws_account=aws_account,
        kind=OutputPort.Kind.GLUE_TABLE if target.table_name else OutputPort.Kind.GLUE_DATABASE,
        region=region or aws_account.region,
        catalog_id=aws_account.account_id,
        database_name=target.database_name,
        table_name=target.table_name,
        # Where the data is, as Glue says; what was typed only for a whole-database port.
        s3_location=(table.location if table is not None and table.location else s3_location),
        approval_policy=approval_policy,
        table_columns=[c.as_column() for c in table.columns] if table is not None else [],
        table_fingerprint=table.fingerprint if table is not None else "",
        table_read_at=timezone.now() if table is not None else None,
    )
    audit_record(
        actor=actor,
        event_type=EventType.PORT_CREATED,
        obj=port,
        product_id=product.pk,
        account_id=aws_account.account_id,
        after={**snapshot(port, PORT_FIELDS), "table_fingerprint": port.table_fingerprint},
    )
    return port


@transaction.atomic
def port_record_reading(*, port: OutputPort, table: GlueTable) -> OutputPort:
    """Store a new reading of the port's table (a re-harvest): its columns, when, and whether it changed.

    ``table_changed_at`` records when a reading last found another shape; the port shows "table changed" while
    the product's schema differs from the columns last read (``port_table_changed``)."""
    port = OutputPort.objects.select_for_update().get(pk=port.pk)
    now = timezone.now()
    if port.table_fingerprint and port.table_fingerprint != table.fingerprint:
        port.table_changed_at = now
    port.table_columns = [c.as_column() for c in table.columns]
    port.table_fingerprint = table.fingerprint
    port.table_read_at = now
    port.save(update_fields=["table_columns", "table_fingerprint", "table_read_at", "table_changed_at", "updated_at"])
    return port


def port_table_changed(port: OutputPort, columns: list[tuple[str, str]]) -> bool:
    """Whether the table as last read differs from the product's schema (``columns``: names and types)."""
    if not port.table_fingerprint:
        return False
    return [(c["name"], c["data_type"]) for c in port.table_columns] != columns
