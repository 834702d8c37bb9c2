"""What the central governance model needs from AWS, as the emulator follows it: a central account registers a
producer's S3 location (with its own role, never the service-linked role), keeps a table entry pointing at
the producer's bucket, and lets the producer, holding ALTER on the entry, evolve its schema."""

from __future__ import annotations

import pytest

from tests.emulator.helpers import CONSUMER, PRODUCER, Account, principal, role

CENTRAL = CONSUMER  # outside the producer's organization: the share needs an invitation


@pytest.fixture
def central(emulator) -> Account:
    return Account(CENTRAL, emulator)


@pytest.fixture
def producer_bucket(producer: Account) -> str:
    producer.client("s3").create_bucket(Bucket="producer-lake")
    return "arn:aws:s3:::producer-lake/orders"


def test_register_resource_takes_only_s3_location_arns(central: Account) -> None:
    with pytest.raises(central.lakeformation.exceptions.InvalidInputException, match="Invalid S3 location ARN"):
        central.lakeformation.register_resource(ResourceArn="arn:aws:glue:::table/x", UseServiceLinkedRole=True)
    central.lakeformation.register_resource(ResourceArn="arn:aws:s3:::central-lake/x", UseServiceLinkedRole=True)


def test_another_accounts_bucket_is_registered_with_a_role_of_the_registering_account(
    central: Account, producer_bucket: str
) -> None:
    lf = central.lakeformation
    with pytest.raises(lf.exceptions.InvalidInputException, match="service-linked role cannot register"):
        lf.register_resource(ResourceArn=producer_bucket, UseServiceLinkedRole=True)
    with pytest.raises(lf.exceptions.InvalidInputException, match=f"must be an IAM role of account {CENTRAL}"):
        lf.register_resource(ResourceArn=producer_bucket, RoleArn=role(PRODUCER, "DataAccess"))
    lf.register_resource(ResourceArn=producer_bucket, RoleArn=role(CENTRAL, "DataAccess"))
    assert [r["ResourceArn"] for r in lf.list_resources()["ResourceInfoList"]] == [producer_bucket]


def _central_entry(central: Account, producer: Account) -> None:
    source = producer.glue.get_table(DatabaseName="sales", Name="orders")["Table"]
    central.glue.create_database(DatabaseInput={"Name": "mesh_sales"})
    central.glue.create_table(
        DatabaseName="mesh_sales",
        TableInput={"Name": "sales_orders", "StorageDescriptor": source["StorageDescriptor"]},
    )


def test_the_producer_with_alter_on_its_central_entry_updates_it_and_without_is_denied(
    central: Account, producer: Account
) -> None:
    _central_entry(central, producer)
    entry = {"Table": {"CatalogId": CENTRAL, "DatabaseName": "mesh_sales", "Name": "sales_orders"}}
    columns = [{"Name": "id", "Type": "bigint"}, {"Name": "channel", "Type": "string"}]
    update = {
        "CatalogId": CENTRAL,
        "DatabaseName": "mesh_sales",
        "TableInput": {
            "Name": "sales_orders",
            "StorageDescriptor": {"Columns": columns, "Location": "s3://sales-lake/orders/"},
        },
    }
    central.lakeformation.grant_permissions(Principal=principal(PRODUCER), Resource=entry, Permissions=["DESCRIBE"])
    invitation = producer.ram.get_resource_share_invitations()["resourceShareInvitations"][0]
    producer.ram.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
    with pytest.raises(producer.glue.exceptions.AccessDeniedException, match="Required Alter"):
        producer.glue.update_table(**update)

    central.lakeformation.grant_permissions(Principal=principal(PRODUCER), Resource=entry, Permissions=["ALTER"])
    producer.glue.update_table(**update)
    stored = central.glue.get_table(DatabaseName="mesh_sales", Name="sales_orders")["Table"]
    assert [c["Name"] for c in stored["StorageDescriptor"]["Columns"]] == ["id", "channel"]
    # The producer's own catalog is untouched.
    assert [
        c["Name"]
        for c in producer.glue.get_table(DatabaseName="sales", Name="orders")["Table"]["StorageDescriptor"]["Columns"]
    ] == ["id", "email", "amount"]
