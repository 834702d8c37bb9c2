"""The three governance models of the AWS data-mesh reference architecture, end to end: a real Celery worker over
Redis against the AWS emulator. Per model: the producer publishes a product on its own table; a consumer in
another account (outside the producer's organization) asks for a column subset; the producer approves; the grant
is read back in the grantor account the model names (the central catalog's entry for central and line of
business); the RAM invitation is accepted and the consumer's resource link resolves; withdrawing removes it all."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from django.db import connection

from access_requests import services
from access_requests.models import AccessRequest, Grant
from catalog.models import Column
from catalog.services.products import product_publish
from meshportal.aws.models import GovernanceSettings
from provisioning.models import CatalogRegistration
from tests.access_requests.helpers import CONSUMER_ACCOUNT, PRODUCER_ACCOUNT, mesh
from tests.factories import AwsAccountFactory
from tests.fleet import RedisServer, Workers, restore_broker, use_broker
from tests.provisioning.helpers import lf_permissions

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker, pytest.mark.slow]

CENTRAL_ACCOUNT = "444444444444"  # the one central governance account (line of business "group")
LOB_CENTRAL_ACCOUNT = "555555555555"  # the central account of the producer's line of business
PRINCIPAL = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Analyst"
LOCATION = "s3://producer-lake/curated/sales_orders/"


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _until(predicate, timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _seed(aws) -> None:
    admins = {
        account: {"id": account, "data_lake_admins": [f"arn:aws:iam::{account}:role/MeshPortal"]}
        for account in (PRODUCER_ACCOUNT, CONSUMER_ACCOUNT, CENTRAL_ACCOUNT, LOB_CENTRAL_ACCOUNT)
    }
    admins[PRODUCER_ACCOUNT]["databases"] = [
        {
            "name": "sales",
            "location": "s3://producer-lake/curated/",
            "tables": [
                {
                    "name": "sales_orders",
                    "location": LOCATION,
                    "columns": [
                        {"name": "order_id", "type": "string"},
                        {"name": "amount", "type": "int"},
                        {"name": "email", "type": "string"},
                    ],
                }
            ],
        }
    ]
    aws.seed({"region": "eu-west-1", "accounts": list(admins.values())})


@pytest.mark.parametrize(
    ("model", "grantor"),
    [("federated", PRODUCER_ACCOUNT), ("central", CENTRAL_ACCOUNT), ("lob", LOB_CENTRAL_ACCOUNT)],
)
def test_governance_model_end_to_end(transactional_db, personas, tmp_path, settings, model, grantor):
    from aws_emulator.testing import running_emulator
    from meshportal.aws.gateway import clear_session_cache

    redis = RedisServer()
    redis.start()
    saved = use_broker(redis.url)
    try:
        with running_emulator(mode="subprocess", region="eu-west-1") as aws:
            settings.AWS_ENDPOINT_URL = aws.endpoint_url
            clear_session_cache()
            _seed(aws)
            # The producer's bucket exists (the seed creates its tables' buckets), so the central account must
            # register it with its own role.
            aws.client("s3", PRODUCER_ACCOUNT).head_bucket(Bucket="producer-lake")
            m = mesh(personas, policy="producer", status="draft")
            m.producer_account.line_of_business = "retail"
            m.producer_account.organization_id = "o-producer0001"
            m.producer_account.save()
            AwsAccountFactory(account_id=CENTRAL_ACCOUNT, name="central", role="central", line_of_business="group")
            AwsAccountFactory(account_id=LOB_CENTRAL_ACCOUNT, name="retail", role="central", line_of_business="retail")
            Column.objects.filter(product=m.product).update(classification="internal", is_pii=False)
            m.port.s3_location = LOCATION
            m.port.save()
            GovernanceSettings.objects.update_or_create(id=1, defaults={"model": model})
            domain = m.product.domain.slug.replace("-", "_")
            workers = Workers(
                {
                    "DATABASE_URL": _database_url(),
                    "CELERY_BROKER_URL": redis.url,
                    "AWS_ENDPOINT_URL": aws.endpoint_url,
                    "MESHPORTAL_AWS_MODE": "emulator",
                    "AWS_DEFAULT_REGION": "eu-west-1",
                    "MESHPORTAL_VAR_DIR": str(tmp_path),
                },
                tmp_path,
            )
            workers.start(concurrency=2)
            try:
                product_publish(actor=personas.producer, product=m.product)
                registrations = CatalogRegistration.objects.filter(port=m.port)
                if model == "federated":
                    assert not registrations.exists()
                else:
                    assert list(registrations.values_list("central_account_id", flat=True)) == [grantor]
                    _until(lambda: registrations.get().status == "succeeded", what="the central registration")
                    central_glue = aws.client("glue", grantor)
                    entry = central_glue.get_table(DatabaseName=f"mesh_{domain}", Name="sales_sales_orders")["Table"]
                    assert entry["StorageDescriptor"]["Location"] == LOCATION  # the producer's bucket
                    located = aws.client("lakeformation", grantor).list_resources()["ResourceInfoList"]
                    assert "arn:aws:s3:::producer-lake/curated/sales_orders" in [r["ResourceArn"] for r in located]
                    # The producer keeps a resource link to the central entry, and may evolve its schema.
                    link = aws.client("glue", PRODUCER_ACCOUNT).get_table(
                        DatabaseName=f"mesh_{domain}", Name="sales_sales_orders"
                    )["Table"]
                    assert link["TargetTable"]["CatalogId"] == grantor
                    producer_perms = lf_permissions(aws, grantor, principal=PRODUCER_ACCOUNT)
                    assert any(p == ("ALTER", "DESCRIBE") for _, _, p in producer_perms)

                request = services.access_request_create(
                    actor=personas.consumer,
                    port=m.port,
                    principal_arn=PRINCIPAL,
                    permissions=["SELECT", "DESCRIBE"],
                    columns=["order_id", "amount"],
                    purpose="Quarterly planning",
                    requested_until=date.today() + timedelta(days=30),
                    accept_terms=True,
                )
                assert request.status == "pending"
                services.access_request_approve(request=request, actor=personas.producer, comment="ok")
                _until(
                    lambda: AccessRequest.objects.get(pk=request.pk).status == "granted",
                    what=f"the grant (request {AccessRequest.objects.get(pk=request.pk).status})",
                )
                grant = Grant.objects.get(request=request)
                assert grant.grantor_account_id == grantor == grant.jobs.get(action="grant").grantor_account_id

                # The grant is held in the grantor's Lake Formation, on its own catalog's entry.
                held = lf_permissions(aws, grantor, principal=PRINCIPAL)
                table_name = "sales_orders" if model == "federated" else "sales_sales_orders"
                database = "sales" if model == "federated" else f"mesh_{domain}"
                assert (
                    "TableWithColumns",
                    (
                        ("CatalogId", grantor),
                        ("ColumnNames", ("amount", "order_id")),
                        ("DatabaseName", database),
                        ("Name", table_name),
                    ),
                    ("SELECT",),
                ) in held
                if model != "federated":
                    assert lf_permissions(aws, PRODUCER_ACCOUNT, principal=PRINCIPAL) == []

                # The consumer accepted the invitation from the grantor, and its resource link resolves there.
                invitations = aws.client("ram", CONSUMER_ACCOUNT).get_resource_share_invitations()[
                    "resourceShareInvitations"
                ]
                assert {(i["senderAccountId"], i["status"]) for i in invitations} == {(grantor, "ACCEPTED")}
                consumer_glue = aws.client("glue", CONSUMER_ACCOUNT)
                resolved = consumer_glue.get_table(DatabaseName=f"mesh_{domain}", Name="sales_sales_orders")["Table"]
                assert resolved["TargetTable"] == {"CatalogId": grantor, "DatabaseName": database, "Name": table_name}
                assert "order_id" in [c["Name"] for c in resolved["StorageDescriptor"]["Columns"]]

                # Withdrawing removes the grant where it was applied, the link and the share.
                services.access_request_withdraw(
                    request=AccessRequest.objects.get(pk=request.pk), actor=personas.consumer
                )
                _until(lambda: Grant.objects.get(pk=grant.pk).status == "ended", what="the revocation")
                assert grant.jobs.get(action="revoke").grantor_account_id == grantor
                assert lf_permissions(aws, grantor, principal=PRINCIPAL) == []
                with pytest.raises(consumer_glue.exceptions.EntityNotFoundException):
                    consumer_glue.get_table(DatabaseName=f"mesh_{domain}", Name="sales_sales_orders")
                shares = aws.client("ram", CONSUMER_ACCOUNT).get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
                assert shares["resourceShares"] == []
            finally:
                workers.stop_all()
    finally:
        restore_broker(saved)
        redis.stop()
