"""Output ports: how a data product is consumed (a Glue table or database in a registered AWS account)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from catalog import permissions
from catalog.errors import CatalogErrorCode
from catalog.models import DataProduct, OutputPort
from catalog.services.common import (
    lock_product,
    require_not_retired,
)
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, snapshot
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor

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
    aws_account: Any,
    name: str,
    database_name: str,
    table_name: str = "",
    region: str = "",
    s3_location: str = "",
    description: str = "",
    approval_policy: str = OutputPort.ApprovalPolicy.PRODUCER,
) -> OutputPort:
    """Declare how a product is consumed: a Glue table (or database) in a registered AWS account."""
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
    port = OutputPort.objects.create(
        product=product,
        name=name,
        description=description,
        aws_account=aws_account,
        kind=OutputPort.Kind.GLUE_TABLE if table_name else OutputPort.Kind.GLUE_DATABASE,
        region=region or aws_account.region,
        catalog_id=aws_account.account_id,
        database_name=database_name,
        table_name=table_name,
        s3_location=s3_location,
        approval_policy=approval_policy,
    )
    audit_record(
        actor=actor,
        event_type=EventType.PORT_CREATED,
        obj=port,
        product_id=product.pk,
        account_id=aws_account.account_id,
        after=snapshot(port, PORT_FIELDS),
    )
    return port
