"""A small mesh for access-request tests: a producer and a consumer account, a product of the personas' team
in the personas' domain, its port and columns (one of them PII)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from access_requests import services
from access_requests.models import AccessRequest
from catalog.models import DataProduct, OutputPort
from meshportal.aws.models import AwsAccount
from meshportal.identity.models import User
from tests.factories import AwsAccountFactory, ColumnFactory, DataProductFactory, OutputPortFactory, hold_role

PRODUCER_ACCOUNT = "222222222222"
CONSUMER_ACCOUNT = "333333333333"
ROLE = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Analyst"


@dataclass
class Mesh:
    product: DataProduct
    port: OutputPort
    producer_account: AwsAccount
    consumer_account: AwsAccount


def mesh(
    personas: Any,
    *,
    classification: str = "internal",
    policy: str = "producer",
    auto_owning_team: bool = True,
    status: str = "published",
    slug: str = "sales-orders",
) -> Mesh:
    producer_account = AwsAccountFactory(account_id=PRODUCER_ACCOUNT, name="producer", role="producer")
    consumer_account = AwsAccountFactory(account_id=CONSUMER_ACCOUNT, name="consumer", role="consumer")
    team = personas.producer.teams.first()
    domain = personas.steward.stewarded_domains.first()
    product = DataProductFactory(
        name=slug.replace("-", " ").title(),
        slug=slug,
        domain=domain,
        owner_team=team,
        classification=classification,
        status=status,
        terms_of_use="Internal use only.",
    )
    for i, (name, pii) in enumerate([("order_id", False), ("amount", False), ("email", True)]):
        ColumnFactory(product=product, name=name, is_pii=pii, position=i)
    port = OutputPortFactory(
        product=product,
        aws_account=producer_account,
        catalog_id=PRODUCER_ACCOUNT,
        database_name="sales",
        table_name=slug.replace("-", "_"),
        approval_policy=policy,
        auto_approve_owning_team=auto_owning_team,
    )
    hold_role(personas.consumer, ROLE)  # the consumer's team registered the role the requests name
    return Mesh(product, port, producer_account, consumer_account)


def ask(actor: Any, port: OutputPort, *, hold: bool = True, **overrides: Any) -> AccessRequest:
    """A request through the service; with ``hold`` the actor first joins a consumer team holding the role
    (requests name a registered role their requester holds: tests of that rule pass ``hold=False``)."""
    fields: dict[str, Any] = {
        "principal_arn": ROLE,
        "permissions": ["SELECT", "DESCRIBE"],
        "columns": ["order_id", "amount"],
        "purpose": "Weekly revenue dashboard",
        "requested_until": date.today() + timedelta(days=30),
        "accept_terms": True,
    }
    fields.update(overrides)
    parts = str(fields["principal_arn"]).split(":")
    account_id = parts[4] if len(parts) > 4 else ""
    if hold and isinstance(actor, User) and AwsAccount.objects.filter(account_id=account_id).exists():
        hold_role(actor, str(fields["principal_arn"]))
    return services.access_request_create(actor=actor, port=port, **fields)
