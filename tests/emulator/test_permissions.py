"""Lake Formation permissions in one account: merge/revoke, paging, validation, batch calls."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.emulator.helpers import PRODUCER, Account, error_code, principal, role, table

ANALYST = role(PRODUCER, "Analyst")


def permissions_of(account: Account, identifier: str) -> list[dict]:
    entries = account.lakeformation.list_permissions()["PrincipalResourcePermissions"]
    return [entry for entry in entries if entry["Principal"]["DataLakePrincipalIdentifier"] == identifier]


def test_revoke_after_merged_grants_removes_only_the_revoked_permission(producer: Account) -> None:
    lf = producer.lakeformation
    lf.grant_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"])
    lf.grant_permissions(
        Principal=principal(ANALYST),
        Resource=table(),
        Permissions=["DESCRIBE"],
        PermissionsWithGrantOption=["DESCRIBE"],
    )

    lf.revoke_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"])

    [entry] = permissions_of(producer, ANALYST)
    assert entry["Permissions"] == ["DESCRIBE"]
    assert entry["PermissionsWithGrantOption"] == ["DESCRIBE"]
    assert entry["Resource"] == {"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}}
    lf.revoke_permissions(Principal=principal(ANALYST), Resource=table(catalog_id=PRODUCER), Permissions=["DESCRIBE"])
    assert permissions_of(producer, ANALYST) == []


def test_revoking_a_permission_never_granted_is_an_invalid_input(producer: Account) -> None:
    lf = producer.lakeformation
    with pytest.raises(ClientError) as excinfo:
        lf.revoke_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"])
    assert error_code(excinfo) == "InvalidInputException"
    assert excinfo.value.response["Error"]["Message"].startswith("No permissions revoked")

    lf.grant_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["DESCRIBE"])
    with pytest.raises(ClientError, match="No permissions revoked"):
        lf.revoke_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"])


def test_list_permissions_pages_with_max_results_and_next_token(producer: Account) -> None:
    lf = producer.lakeformation
    for index in range(7):
        lf.grant_permissions(
            Principal=principal(role(PRODUCER, f"Reader{index}")), Resource=table(), Permissions=["SELECT"]
        )

    first = lf.list_permissions(MaxResults=3)
    pages, token = [first["PrincipalResourcePermissions"]], first.get("NextToken")
    while token:  # botocore has no paginator for ListPermissions; callers loop on NextToken
        page = lf.list_permissions(MaxResults=3, NextToken=token)
        pages.append(page["PrincipalResourcePermissions"])
        token = page.get("NextToken")

    assert [len(page) for page in pages] == [3, 3, 1]
    identifiers = [entry["Principal"]["DataLakePrincipalIdentifier"] for page in pages for entry in page]
    assert sorted(identifiers) == sorted(role(PRODUCER, f"Reader{index}") for index in range(7))
    assert "NextToken" not in lf.list_permissions(MaxResults=7)


def test_list_permissions_rejects_a_forged_next_token(producer: Account) -> None:
    with pytest.raises(ClientError) as excinfo:
        producer.lakeformation.list_permissions(NextToken="not-a-token")
    assert error_code(excinfo) == "InvalidInputException"


def test_list_permissions_filters_by_principal_and_resource(producer: Account) -> None:
    lf = producer.lakeformation
    lf.grant_permissions(Principal=principal(ANALYST), Resource=table("orders"), Permissions=["SELECT"])
    lf.grant_permissions(Principal=principal(ANALYST), Resource=table("customers"), Permissions=["SELECT"])
    lf.grant_permissions(
        Principal=principal(ANALYST), Resource={"Database": {"Name": "sales"}}, Permissions=["DESCRIBE"]
    )
    lf.grant_permissions(
        Principal=principal(role(PRODUCER, "Marketing")),
        Resource={"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnNames": ["id"]}},
        Permissions=["SELECT"],
    )

    on_orders = lf.list_permissions(Resource=table("orders"))["PrincipalResourcePermissions"]
    assert len(on_orders) == 2  # the table grant and the column grant on it
    mine = lf.list_permissions(Principal=principal(ANALYST), Resource=table("orders"))
    assert len(mine["PrincipalResourcePermissions"]) == 1
    databases = lf.list_permissions(ResourceType="DATABASE")["PrincipalResourcePermissions"]
    assert [entry["Resource"] for entry in databases] == [{"Database": {"CatalogId": PRODUCER, "Name": "sales"}}]


@pytest.mark.parametrize(
    ("resource", "code"),
    [
        ({"Database": {"Name": "missing"}}, "EntityNotFoundException"),
        ({"Table": {"DatabaseName": "sales", "Name": "missing"}}, "EntityNotFoundException"),
        ({"Table": {"DatabaseName": "missing", "TableWildcard": {}}}, "EntityNotFoundException"),
        (
            {"TableWithColumns": {"DatabaseName": "sales", "Name": "orders", "ColumnNames": ["nope"]}},
            "InvalidInputException",
        ),
        ({"DataLocation": {"ResourceArn": "arn:aws:s3:::unregistered/prefix"}}, "EntityNotFoundException"),
        (
            {"Table": {"DatabaseName": "sales", "Name": "orders", "TableWildcard": {}}},
            "InvalidInputException",
        ),
    ],
)
def test_grant_on_a_resource_that_does_not_exist_is_refused(producer: Account, resource: dict, code: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        producer.lakeformation.grant_permissions(
            Principal=principal(ANALYST), Resource=resource, Permissions=["SELECT"]
        )
    assert error_code(excinfo) == code


@pytest.mark.parametrize(
    "identifier",
    [
        "bogus",
        "12345",
        "arn:aws:iam::1234:role/X",
        "arn:aws:iam::111111111111:group/Analysts",
        "arn:aws:s3:::b",
    ],
)
def test_grant_to_a_malformed_principal_is_refused(producer: Account, identifier: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        producer.lakeformation.grant_permissions(
            Principal=principal(identifier), Resource=table(), Permissions=["SELECT"]
        )
    assert error_code(excinfo) == "InvalidInputException"


@pytest.mark.parametrize(
    "identifier",
    [
        "IAM_ALLOWED_PRINCIPALS",
        "444444444444",
        "arn:aws:iam::111111111111:user/alice",
        "arn:aws:iam::111111111111:role/path/Analyst",
        "arn:aws:organizations::111111111111:ou/o-meshportal01/ou-ab12-cd34ef56",
    ],
)
def test_grant_accepts_every_documented_principal_form(producer: Account, identifier: str) -> None:
    producer.lakeformation.grant_permissions(
        Principal=principal(identifier), Resource=table(), Permissions=["DESCRIBE"]
    )
    assert permissions_of(producer, identifier)


def test_grant_on_a_registered_data_location(producer: Account) -> None:
    lf = producer.lakeformation
    lf.register_resource(ResourceArn="arn:aws:s3:::sales-lake/orders", RoleArn=role(PRODUCER, "LakeAccess"))
    lf.grant_permissions(
        Principal=principal(ANALYST),
        Resource={"DataLocation": {"ResourceArn": "arn:aws:s3:::sales-lake/orders"}},
        Permissions=["DATA_LOCATION_ACCESS"],
    )
    assert permissions_of(producer, ANALYST)[0]["Permissions"] == ["DATA_LOCATION_ACCESS"]


def test_batch_grant_reports_failures_per_entry_and_keeps_grant_options(producer: Account) -> None:
    result = producer.lakeformation.batch_grant_permissions(
        Entries=[
            {
                "Id": "ok",
                "Principal": principal(ANALYST),
                "Resource": table(),
                "Permissions": ["SELECT"],
                "PermissionsWithGrantOption": ["SELECT"],
            },
            {
                "Id": "bad-table",
                "Principal": principal(ANALYST),
                "Resource": table("missing"),
                "Permissions": ["SELECT"],
            },
            {
                "Id": "bad-principal",
                "Principal": principal("nobody"),
                "Resource": table(),
                "Permissions": ["SELECT"],
            },
        ]
    )

    failures = {failure["RequestEntry"]["Id"]: failure["Error"]["ErrorCode"] for failure in result["Failures"]}
    assert failures == {"bad-table": "EntityNotFoundException", "bad-principal": "InvalidInputException"}
    [entry] = permissions_of(producer, ANALYST)
    assert entry["PermissionsWithGrantOption"] == ["SELECT"]


def test_batch_revoke_goes_through_revoke_and_reports_absent_grants(producer: Account) -> None:
    lf = producer.lakeformation
    lf.grant_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"])
    lf.grant_permissions(Principal=principal(ANALYST), Resource=table(), Permissions=["DESCRIBE"])

    result = lf.batch_revoke_permissions(
        Entries=[
            {"Id": "1", "Principal": principal(ANALYST), "Resource": table(), "Permissions": ["SELECT"]},
            {
                "Id": "2",
                "Principal": principal(ANALYST),
                "Resource": table("customers"),
                "Permissions": ["SELECT"],
            },
        ]
    )

    assert [(failure["RequestEntry"]["Id"], failure["Error"]["ErrorCode"]) for failure in result["Failures"]] == [
        ("2", "InvalidInputException")
    ]
    assert permissions_of(producer, ANALYST)[0]["Permissions"] == ["DESCRIBE"]


def test_granting_in_another_accounts_catalog_is_denied(producer: Account) -> None:
    with pytest.raises(ClientError) as excinfo:
        producer.lakeformation.grant_permissions(
            CatalogId="999999999999", Principal=principal(ANALYST), Resource=table(), Permissions=["SELECT"]
        )
    assert error_code(excinfo) == "AccessDeniedException"


def _columns(names: list[str]) -> dict:
    return {
        "TableWithColumns": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders", "ColumnNames": names}
    }


def test_column_grants_of_one_principal_on_one_table_merge_and_revokes_shrink_them(producer: Account) -> None:
    lf = producer.lakeformation
    columns = [
        c["Name"]
        for c in producer.glue.get_table(DatabaseName="sales", Name="orders")["Table"]["StorageDescriptor"]["Columns"]
    ][:3]
    a, b, c = columns
    lf.grant_permissions(Principal=principal(ANALYST), Resource=_columns([a, b]), Permissions=["SELECT"])
    lf.grant_permissions(Principal=principal(ANALYST), Resource=_columns([b, c]), Permissions=["SELECT"])
    [entry] = permissions_of(producer, ANALYST)
    assert entry["Resource"]["TableWithColumns"]["ColumnNames"] == sorted([a, b, c])

    lf.revoke_permissions(Principal=principal(ANALYST), Resource=_columns([a]), Permissions=["SELECT"])
    [entry] = permissions_of(producer, ANALYST)
    assert entry["Resource"]["TableWithColumns"]["ColumnNames"] == sorted([b, c])

    lf.revoke_permissions(Principal=principal(ANALYST), Resource=_columns([b, c]), Permissions=["SELECT"])
    assert permissions_of(producer, ANALYST) == []
    with pytest.raises(ClientError) as excinfo:
        lf.revoke_permissions(Principal=principal(ANALYST), Resource=_columns([a]), Permissions=["SELECT"])
    assert error_code(excinfo) == "InvalidInputException"
