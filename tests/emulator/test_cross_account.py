"""Cross-account sharing: Lake Formation grants to other accounts, RAM invitations, reads by CatalogId,
resource links, received permissions, re-grants and revoke clean-up."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import (
    CONSUMER,
    ORG_ID,
    PRODUCER,
    SIBLING,
    Account,
    error_code,
    principal,
    role,
    table,
)

SHARED = {"Permissions": ["SELECT", "DESCRIBE"], "PermissionsWithGrantOption": ["SELECT", "DESCRIBE"]}


def share_orders(producer: Account, grantee: str = CONSUMER, **permissions: Any) -> None:
    producer.lakeformation.grant_permissions(Principal=principal(grantee), Resource=table(), **(permissions or SHARED))


def pending_invitation(account: Account) -> dict[str, Any]:
    [invitation] = [
        item
        for item in account.ram.get_resource_share_invitations()["resourceShareInvitations"]
        if item["status"] == "PENDING"
    ]
    return invitation


def accept(account: Account) -> dict[str, Any]:
    invitation = pending_invitation(account)
    return account.ram.accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )["resourceShareInvitation"]


def test_grant_to_another_account_creates_a_share_and_an_invitation(producer: Account, consumer: Account) -> None:
    share_orders(producer)

    [share] = producer.ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert share["name"].startswith("LakeFormation-V3-")
    assert share["status"] == "ACTIVE"
    resources = producer.ram.list_resources(resourceOwner="SELF")["resources"]
    assert [(item["arn"], item["type"]) for item in resources] == [
        (f"arn:aws:glue:us-east-1:{PRODUCER}:table/sales/orders", "glue:Table")
    ]
    principals = producer.ram.list_principals(resourceOwner="SELF")["principals"]
    assert [(item["id"], item["external"]) for item in principals] == [(CONSUMER, True)]
    invitation = pending_invitation(consumer)
    assert invitation["senderAccountId"] == PRODUCER
    assert invitation["receiverAccountId"] == CONSUMER
    assert invitation["resourceShareArn"] == share["resourceShareArn"]


def test_second_grant_extends_the_same_share_without_a_new_invitation(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    accept(consumer)
    producer.lakeformation.grant_permissions(
        Principal=principal(CONSUMER), Resource=table("customers"), Permissions=["SELECT"]
    )

    assert len(producer.ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]) == 1
    assert len(consumer.ram.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]) == 2
    invitations = consumer.ram.get_resource_share_invitations()["resourceShareInvitations"]
    assert [item["status"] for item in invitations] == ["ACCEPTED"]


def test_shared_table_is_hidden_until_the_invitation_is_accepted(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    with pytest.raises(ClientError) as excinfo:
        consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")
    assert error_code(excinfo) == "AccessDeniedException"
    assert consumer.lakeformation.list_permissions()["PrincipalResourcePermissions"] == []
    assert consumer.ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"] == []

    assert accept(consumer)["status"] == "ACCEPTED"

    shared = consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")["Table"]
    assert shared["CatalogId"] == PRODUCER
    assert [column["Name"] for column in shared["StorageDescriptor"]["Columns"]] == ["id", "email", "amount"]
    assert consumer.glue.get_database(CatalogId=PRODUCER, Name="sales")["Database"]["CatalogId"] == PRODUCER
    tables = consumer.glue.get_tables(CatalogId=PRODUCER, DatabaseName="sales")["TableList"]
    assert [item["Name"] for item in tables] == ["orders"]  # customers was not shared
    with pytest.raises(ClientError) as excinfo:
        consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="customers")
    assert error_code(excinfo) == "AccessDeniedException"
    foreign = consumer.glue.get_databases(ResourceShareType="FOREIGN")["DatabaseList"]
    assert [(item["Name"], item["CatalogId"]) for item in foreign] == [("sales", PRODUCER)]
    [other] = consumer.ram.get_resource_shares(resourceOwner="OTHER-ACCOUNTS")["resourceShares"]
    assert other["owningAccountId"] == PRODUCER


def test_recipient_lists_the_permissions_it_received(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    accept(consumer)

    [received] = consumer.lakeformation.list_permissions()["PrincipalResourcePermissions"]
    assert received["Principal"] == principal(CONSUMER)
    assert received["Resource"] == {"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}}
    assert received["PermissionsWithGrantOption"] == ["DESCRIBE", "SELECT"]
    assert received["AdditionalDetails"]["ResourceShare"]


def test_rejected_invitation_keeps_the_resource_hidden(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    invitation = pending_invitation(consumer)
    rejected = consumer.ram.reject_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )["resourceShareInvitation"]

    assert rejected["status"] == "REJECTED"
    with pytest.raises(ClientError) as excinfo:
        consumer.ram.accept_resource_share_invitation(
            resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
        )
    assert error_code(excinfo) == "ResourceShareInvitationAlreadyRejectedException"
    with pytest.raises(ClientError):
        consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")
    assert producer.ram.list_principals(resourceOwner="SELF")["principals"] == []


def test_only_the_invited_account_can_answer_an_invitation(
    producer: Account, sibling: Account, consumer: Account
) -> None:
    share_orders(producer)
    invitation = pending_invitation(consumer)
    with pytest.raises(ClientError) as excinfo:
        sibling.ram.accept_resource_share_invitation(
            resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
        )
    assert error_code(excinfo) == "ResourceShareInvitationArnNotFoundException"


def test_grant_to_an_account_in_the_same_organization_needs_no_invitation(producer: Account, sibling: Account) -> None:
    share_orders(producer, SIBLING)

    assert sibling.ram.get_resource_share_invitations()["resourceShareInvitations"] == []
    assert sibling.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")["Table"]["Name"] == "orders"
    principals = producer.ram.list_principals(resourceOwner="SELF")["principals"]
    assert [(item["id"], item["external"]) for item in principals] == [(SIBLING, False)]


def test_grant_to_an_organization_reaches_its_accounts(producer: Account, sibling: Account, consumer: Account) -> None:
    organization = f"arn:aws:organizations::{PRODUCER}:organization/{ORG_ID}"
    producer.lakeformation.grant_permissions(
        Principal=principal(organization), Resource=table(), Permissions=["SELECT"]
    )

    assert sibling.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")
    with pytest.raises(ClientError):
        consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")


def test_grant_to_a_role_in_another_account_shares_with_that_account(producer: Account, consumer: Account) -> None:
    consumer_role = role(CONSUMER, "Analyst")
    producer.lakeformation.grant_permissions(
        Principal=principal(consumer_role), Resource=table(), Permissions=["SELECT"]
    )
    accept(consumer)

    [received] = consumer.lakeformation.list_permissions()["PrincipalResourcePermissions"]
    assert received["Principal"] == principal(consumer_role)
    assert consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")


def test_column_grant_shows_only_the_granted_columns(producer: Account, consumer: Account) -> None:
    producer.lakeformation.grant_permissions(
        Principal=principal(CONSUMER),
        Resource={
            "TableWithColumns": {
                "DatabaseName": "sales",
                "Name": "orders",
                "ColumnWildcard": {"ExcludedColumnNames": ["email"]},
            }
        },
        Permissions=["SELECT"],
    )
    accept(consumer)

    shared = consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")["Table"]
    assert [column["Name"] for column in shared["StorageDescriptor"]["Columns"]] == ["id", "amount"]
    assert [column["Name"] for column in shared["PartitionKeys"]] == ["dt"]


def test_resource_links_resolve_to_the_shared_target(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    accept(consumer)
    glue = consumer.glue
    glue.create_database(
        DatabaseInput={
            "Name": "sales_link",
            "TargetDatabase": {"CatalogId": PRODUCER, "DatabaseName": "sales"},
        }
    )
    glue.create_database(DatabaseInput={"Name": "links"})
    target = {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}
    glue.create_table(DatabaseName="links", TableInput={"Name": "orders_link", "TargetTable": target})

    link = glue.get_table(DatabaseName="links", Name="orders_link")["Table"]
    assert link["TargetTable"] == target
    assert link["Name"] == "orders_link"
    assert link["StorageDescriptor"]["Location"] == "s3://sales-lake/orders/"
    through_db_link = glue.get_table(DatabaseName="sales_link", Name="orders")["Table"]
    assert through_db_link["CatalogId"] == PRODUCER
    assert [item["Name"] for item in glue.get_tables(DatabaseName="sales_link")["TableList"]] == ["orders"]
    database_link = glue.get_database(Name="sales_link")["Database"]
    assert database_link["TargetDatabase"] == {"CatalogId": PRODUCER, "DatabaseName": "sales"}
    assert database_link["Description"] == "Curated sales"


def test_resource_link_to_an_unshared_table_returns_only_the_link(producer: Account, consumer: Account) -> None:
    target = {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}
    consumer.glue.create_database(DatabaseInput={"Name": "links"})
    consumer.glue.create_table(DatabaseName="links", TableInput={"Name": "orders_link", "TargetTable": target})

    link = consumer.glue.get_table(DatabaseName="links", Name="orders_link")["Table"]
    assert link["TargetTable"] == target
    assert "StorageDescriptor" not in link


def test_recipient_admin_can_regrant_only_what_is_grantable_and_only_inside_its_account(
    producer: Account, consumer: Account
) -> None:
    share_orders(producer, Permissions=["SELECT", "DESCRIBE"], PermissionsWithGrantOption=["SELECT"])
    accept(consumer)
    shared_table = table(catalog_id=PRODUCER)
    lf = consumer.lakeformation

    lf.grant_permissions(Principal=principal(role(CONSUMER, "Analyst")), Resource=shared_table, Permissions=["SELECT"])
    with pytest.raises(ClientError) as excinfo:
        lf.grant_permissions(
            Principal=principal(role(CONSUMER, "Analyst")), Resource=shared_table, Permissions=["DESCRIBE"]
        )
    assert error_code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        lf.grant_permissions(Principal=principal(SIBLING), Resource=shared_table, Permissions=["SELECT"])
    assert error_code(excinfo) == "InvalidInputException"
    regrants = lf.list_permissions(Principal=principal(role(CONSUMER, "Analyst")), Resource=shared_table)
    assert regrants["PrincipalResourcePermissions"][0]["Permissions"] == ["SELECT"]


def test_regrant_on_a_resource_not_shared_is_denied(producer: Account, consumer: Account) -> None:
    with pytest.raises(ClientError) as excinfo:
        consumer.lakeformation.grant_permissions(
            Principal=principal(role(CONSUMER, "Analyst")),
            Resource=table(catalog_id=PRODUCER),
            Permissions=["SELECT"],
        )
    assert error_code(excinfo) == "AccessDeniedException"


def test_revoke_in_the_grantor_account_removes_everything_downstream(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    accept(consumer)
    consumer.lakeformation.grant_permissions(
        Principal=principal(role(CONSUMER, "Analyst")),
        Resource=table(catalog_id=PRODUCER),
        Permissions=["SELECT"],
    )

    producer.lakeformation.revoke_permissions(Principal=principal(CONSUMER), Resource=table(), **SHARED)

    assert consumer.lakeformation.list_permissions()["PrincipalResourcePermissions"] == []
    with pytest.raises(ClientError):
        consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")
    assert consumer.ram.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    assert producer.ram.list_resources(resourceOwner="SELF")["resources"] == []
    [share] = producer.ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    assert share["status"] == "DELETED"
    invitations = consumer.ram.get_resource_share_invitations()["resourceShareInvitations"]
    assert [item["status"] for item in invitations] == ["ACCEPTED"]


def test_revoke_before_acceptance_expires_the_invitation(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    invitation = pending_invitation(consumer)
    producer.lakeformation.revoke_permissions(Principal=principal(CONSUMER), Resource=table(), **SHARED)

    [expired] = consumer.ram.get_resource_share_invitations()["resourceShareInvitations"]
    assert expired["status"] == "EXPIRED"
    with pytest.raises(ClientError) as excinfo:
        consumer.ram.accept_resource_share_invitation(
            resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
        )
    assert error_code(excinfo) == "ResourceShareInvitationExpiredException"


def test_partial_revoke_keeps_the_share(producer: Account, consumer: Account) -> None:
    share_orders(producer)
    accept(consumer)
    producer.lakeformation.revoke_permissions(Principal=principal(CONSUMER), Resource=table(), Permissions=["DESCRIBE"])

    [received] = consumer.lakeformation.list_permissions()["PrincipalResourcePermissions"]
    assert received["Permissions"] == ["SELECT"]
    assert consumer.glue.get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")


def test_ram_associate_and_disassociate_a_resource_share(producer: Account, consumer: Account) -> None:
    ram = producer.ram
    arn = ram.create_resource_share(name="manual")["resourceShare"]["resourceShareArn"]
    subnet = f"arn:aws:ec2:us-east-1:{PRODUCER}:subnet/subnet-0123456789abcdef0"

    associations = ram.associate_resource_share(resourceShareArn=arn, principals=[CONSUMER], resourceArns=[subnet])[
        "resourceShareAssociations"
    ]
    assert {(item["associationType"], item["status"]) for item in associations} == {
        ("PRINCIPAL", "ASSOCIATING"),
        ("RESOURCE", "ASSOCIATING"),
    }
    accept(consumer)
    [resource] = consumer.ram.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]
    assert (resource["arn"], resource["type"]) == (subnet, "ec2:Subnet")
    assert [item["id"] for item in consumer.ram.list_principals(resourceOwner="OTHER-ACCOUNTS")["principals"]] == [
        CONSUMER
    ]

    ram.disassociate_resource_share(resourceShareArn=arn, resourceArns=[subnet])
    assert consumer.ram.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"] == []
    with pytest.raises(ClientError) as excinfo:
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=["not-an-arn"])
    assert error_code(excinfo) == "MalformedArnException"
    with pytest.raises(ClientError) as excinfo:
        consumer.ram.associate_resource_share(resourceShareArn=arn, principals=[SIBLING])
    assert error_code(excinfo) == "UnknownResourceException"


def test_ram_listings_page(producer: Account, consumer: Account) -> None:
    for name in ("orders", "customers"):
        producer.lakeformation.grant_permissions(
            Principal=principal(CONSUMER), Resource=table(name), Permissions=["SELECT"]
        )
    first = producer.ram.list_resources(resourceOwner="SELF", maxResults=1)
    second = producer.ram.list_resources(resourceOwner="SELF", maxResults=1, nextToken=first["nextToken"])

    assert len(first["resources"]) == len(second["resources"]) == 1
    assert "nextToken" not in second


def test_all_tables_wildcard_shares_every_table_and_database_grant_shares_none(
    producer: Account, consumer: Account, sibling: Account
) -> None:
    producer.lakeformation.grant_permissions(
        Principal=principal(CONSUMER),
        Resource={"Table": {"DatabaseName": "sales", "TableWildcard": {}}},
        Permissions=["SELECT"],
    )
    producer.lakeformation.grant_permissions(
        Principal=principal(SIBLING), Resource={"Database": {"Name": "sales"}}, Permissions=["DESCRIBE"]
    )
    accept(consumer)

    tables = consumer.glue.get_tables(CatalogId=PRODUCER, DatabaseName="sales")["TableList"]
    assert sorted(item["Name"] for item in tables) == ["customers", "orders"]
    assert sibling.glue.get_database(CatalogId=PRODUCER, Name="sales")["Database"]["Name"] == "sales"
    assert sibling.glue.get_tables(CatalogId=PRODUCER, DatabaseName="sales")["TableList"] == []
    [resource] = consumer.ram.list_resources(resourceOwner="OTHER-ACCOUNTS")["resources"]
    assert resource["arn"] == f"arn:aws:glue:us-east-1:{PRODUCER}:table/sales/*"
