"""Build the portal side of a grant (accounts, product, port, approved request) and the emulator side
(Glue tables in the producer account) for provisioning tests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from access_requests.models import AccessRequest, Grant
from catalog.models import Column
from meshportal.aws.models import AwsAccount
from tests.factories import AwsAccountFactory, DataProductFactory, OutputPortFactory

PRODUCER = "222222222222"
CONSUMER = "333333333333"
CENTRAL = "111111111111"
ROLE = f"arn:aws:iam::{CONSUMER}:role/Analyst"


def seed_emulator(aws: Any, *, tables: tuple[str, ...] = ("orders",), org: bool = False) -> None:
    aws.seed(
        {
            "region": "eu-west-1",
            "organizations": {"o-test": [PRODUCER, CONSUMER, CENTRAL]} if org else {},
            "accounts": [
                {
                    "id": PRODUCER,
                    "data_lake_admins": [f"arn:aws:iam::{PRODUCER}:role/MeshPortal"],
                    "databases": [
                        {
                            "name": "sales",
                            "tables": [
                                {
                                    "name": t,
                                    "columns": [
                                        {"name": "order_id", "type": "string"},
                                        {"name": "amount", "type": "int"},
                                        {"name": "email", "type": "string"},
                                    ],
                                }
                                for t in tables
                            ],
                        }
                    ],
                },
                {"id": CONSUMER, "data_lake_admins": [f"arn:aws:iam::{CONSUMER}:role/MeshPortal"]},
                {"id": CENTRAL, "data_lake_admins": [f"arn:aws:iam::{CENTRAL}:role/MeshPortal"]},
            ],
        }
    )


def accounts(*, org: bool = False) -> tuple[AwsAccount, AwsAccount]:
    org_id = "o-test" if org else ""
    producer = AwsAccountFactory(
        account_id=PRODUCER, name="producer", role="producer", region="eu-west-1", organization_id=org_id
    )
    consumer = AwsAccountFactory(
        account_id=CONSUMER, name="consumer", role="consumer", region="eu-west-1", organization_id=org_id
    )
    return producer, consumer


def approved_grant(
    personas: Any,
    *,
    table: str = "orders",
    columns: list[str] | None = None,
    principal: str = ROLE,
    consumer_account: AwsAccount | None = None,
    product: Any = None,
    grant_method: str = "named",
    lf_tag_expression: list | None = None,
) -> Grant:
    producer = AwsAccount.objects.get(account_id=PRODUCER)
    consumer_account = consumer_account or AwsAccount.objects.get(account_id=CONSUMER)
    if product is None:
        product = DataProductFactory(
            name=f"Sales {table}", slug=f"sales-{table}", domain__slug="sales", domain__name="Sales"
        )
        for i, name in enumerate(["order_id", "amount", "email"]):
            Column.objects.create(product=product, name=name, data_type="string", classification="internal", position=i)
    port = product.output_ports.first() or OutputPortFactory(
        product=product,
        aws_account=producer,
        catalog_id=PRODUCER,
        database_name="sales",
        table_name=table,
        grant_method=grant_method,
        lf_tag_expression=lf_tag_expression or [],
    )
    now = timezone.now()
    request = AccessRequest.objects.create(
        requester=personas.consumer,
        product=product,
        port=port,
        principal_arn=principal,
        consumer_account=consumer_account,
        permissions=["SELECT", "DESCRIBE"],
        columns=columns or [],
        purpose="analysis",
        requested_until=(now + timedelta(days=30)).date(),
        terms_accepted_at=now,
        status=AccessRequest.Status.APPROVED,
        decided_at=now,
    )
    return Grant.objects.create(
        request=request,
        product=product,
        port=port,
        principal_arn=principal,
        consumer_account=consumer_account,
        permissions=["SELECT", "DESCRIBE"],
        columns=columns or [],
        approved_at=now,
        expires_at=now + timedelta(days=30),
    )


def lf_permissions(aws: Any, account_id: str, principal: str = ROLE) -> list[tuple[str, tuple, tuple]]:
    """What Lake Formation in ``account_id`` holds for ``principal``: (kind, resource key, permissions)."""
    client = aws.client("lakeformation", account_id)
    out = []
    token = None
    while True:
        page = client.list_permissions(**({"NextToken": token} if token else {}))
        for entry in page["PrincipalResourcePermissions"]:
            if entry["Principal"]["DataLakePrincipalIdentifier"] != principal:
                continue
            kind, body = next(iter(entry["Resource"].items()))
            key = tuple(
                sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in body.items() if k != "Expression")
            )
            out.append((kind, key, tuple(sorted(entry["Permissions"]))))
        token = page.get("NextToken")
        if not token:
            return sorted(out)
