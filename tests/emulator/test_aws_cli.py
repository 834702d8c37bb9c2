"""Conformance: the AWS CLI (a client nobody on this project wrote) drives the emulator over the calls the
README lists as needed by the portal's role in grantor and consumer accounts, reads and writes, and over the
defects of issue 18 (each documented in docs/emulator.md).

The CLI runs in-process through its Python entry point, ``awscli.clidriver.create_clidriver().main(...)``,
with the account's assumed-role credentials in its environment and no config or credentials file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from awscli.clidriver import create_clidriver
from botocore.exceptions import ClientError

from aws_emulator.testing import EmulatorHandle
from tests.emulator.helpers import CONSUMER, PRODUCER, SIBLING, Account

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

TABLE = {"Table": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}}


@dataclass
class CliResult:
    rc: int
    out: str
    err: str

    def json(self) -> Any:
        assert self.rc == 0, f"aws CLI failed ({self.rc}): {self.err}"
        return json.loads(self.out) if self.out.strip() else {}

    def error_code(self) -> str:
        assert self.rc != 0, f"aws CLI succeeded: {self.out}"
        # The CLI prints botocore's message: An error occurred (<Code>) when calling the <Operation> operation
        assert "An error occurred (" in self.err, self.err
        return self.err.split("An error occurred (", 1)[1].split(")", 1)[0]


@pytest.fixture
def aws(
    emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Any:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_DEFAULT_REGION", emulator.region)
    monkeypatch.setenv("AWS_PAGER", "")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    def run(account: str, *args: str) -> CliResult:
        credentials = emulator.credentials(account)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", credentials["aws_access_key_id"])
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", credentials["aws_secret_access_key"])
        monkeypatch.setenv("AWS_SESSION_TOKEN", credentials["aws_session_token"])
        capsys.readouterr()
        rc = create_clidriver().main([*args, "--endpoint-url", emulator.endpoint_url, "--output", "json"])
        captured = capsys.readouterr()
        return CliResult(rc=rc, out=captured.out, err=captured.err)

    return run


def cli_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


# -- grantor account: Lake Formation and Glue reads, grants and revokes


def test_grantor_reads_settings_catalog_and_tags(aws: Any, producer: Account) -> None:
    assert aws(PRODUCER, "sts", "get-caller-identity").json()["Account"] == PRODUCER
    settings = aws(PRODUCER, "lakeformation", "get-data-lake-settings").json()
    assert "DataLakeSettings" in settings
    assert aws(PRODUCER, "lakeformation", "list-lf-tags").json()["LFTags"] == []
    # An untagged table: 200 with empty lists (was an HTML 500).
    untagged = aws(PRODUCER, "lakeformation", "get-resource-lf-tags", "--resource", cli_json(TABLE)).json()
    assert untagged == {"LFTagOnDatabase": [], "LFTagsOnTable": [], "LFTagsOnColumns": []}
    assert aws(PRODUCER, "glue", "get-database", "--name", "sales").json()["Database"]["Name"] == "sales"
    names = [db["Name"] for db in aws(PRODUCER, "glue", "get-databases").json()["DatabaseList"]]
    assert names == ["sales"]
    table = aws(PRODUCER, "glue", "get-table", "--database-name", "sales", "--name", "orders").json()["Table"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "email", "amount"]
    tables = aws(PRODUCER, "glue", "get-tables", "--database-name", "sales").json()["TableList"]
    assert sorted(t["Name"] for t in tables) == ["customers", "orders"]


def test_lf_tags_written_and_read_back(aws: Any, producer: Account) -> None:
    assert aws(PRODUCER, "lakeformation", "create-lf-tag", "--tag-key", "domain", "--tag-values", "sales").rc == 0
    added = aws(
        PRODUCER,
        "lakeformation",
        "add-lf-tags-to-resource",
        "--resource",
        cli_json(TABLE),
        "--lf-tags",
        cli_json([{"TagKey": "domain", "TagValues": ["sales"]}]),
    ).json()
    assert added == {"Failures": []}
    tags = aws(PRODUCER, "lakeformation", "get-resource-lf-tags", "--resource", cli_json(TABLE)).json()
    assert [(t["TagKey"], t["TagValues"]) for t in tags["LFTagsOnTable"]] == [("domain", ["sales"])]
    missing = {"Table": {"DatabaseName": "sales", "Name": "nope"}}
    assert aws(PRODUCER, "lakeformation", "get-resource-lf-tags", "--resource", cli_json(missing)).error_code() == (
        "EntityNotFoundException"
    )


def test_grant_list_and_revoke_permissions(aws: Any, producer: Account) -> None:
    analyst = f"arn:aws:iam::{PRODUCER}:role/Analyst"
    principal = cli_json({"DataLakePrincipalIdentifier": analyst})
    grant = ("--principal", principal, "--resource", cli_json(TABLE), "--permissions", "SELECT", "DESCRIBE")
    assert aws(PRODUCER, "lakeformation", "grant-permissions", *grant).rc == 0
    listed = aws(
        PRODUCER, "lakeformation", "list-permissions", "--principal", principal, "--resource", cli_json(TABLE)
    ).json()
    assert sorted(listed["PrincipalResourcePermissions"][0]["Permissions"]) == ["DESCRIBE", "SELECT"]
    revoke = ("--principal", principal, "--resource", cli_json(TABLE), "--permissions", "SELECT")
    assert aws(PRODUCER, "lakeformation", "revoke-permissions", *revoke).rc == 0
    listed = aws(
        PRODUCER, "lakeformation", "list-permissions", "--principal", principal, "--resource", cli_json(TABLE)
    ).json()
    assert listed["PrincipalResourcePermissions"][0]["Permissions"] == ["DESCRIBE"]
    assert aws(PRODUCER, "lakeformation", "revoke-permissions", *revoke).error_code() == "InvalidInputException"


def test_batch_grant_and_batch_revoke(aws: Any, producer: Account) -> None:
    entries = [
        {
            "Id": str(n),
            "Principal": {"DataLakePrincipalIdentifier": f"arn:aws:iam::{PRODUCER}:role/Reader{n}"},
            "Resource": TABLE,
            "Permissions": ["SELECT"],
        }
        for n in range(2)
    ]
    granted = aws(PRODUCER, "lakeformation", "batch-grant-permissions", "--entries", cli_json(entries)).json()
    assert granted.get("Failures", []) == []
    revoked = aws(PRODUCER, "lakeformation", "batch-revoke-permissions", "--entries", cli_json(entries)).json()
    assert revoked.get("Failures", []) == []
    again = aws(PRODUCER, "lakeformation", "batch-revoke-permissions", "--entries", cli_json(entries)).json()
    assert [f["Error"]["ErrorCode"] for f in again["Failures"]] == ["InvalidInputException"] * 2


# -- the cross-account flow: share, invitation, acceptance, resource links


def test_cross_account_grant_invitation_acceptance_and_resource_link(
    aws: Any, producer: Account, consumer: Account
) -> None:
    consumer_role = f"arn:aws:iam::{CONSUMER}:role/Analyst"
    grant = (
        "--principal",
        cli_json({"DataLakePrincipalIdentifier": consumer_role}),
        "--resource",
        cli_json(TABLE),
        "--permissions",
        "SELECT",
        "DESCRIBE",
    )
    assert aws(PRODUCER, "lakeformation", "grant-permissions", *grant).rc == 0
    [share] = aws(PRODUCER, "ram", "get-resource-shares", "--resource-owner", "SELF").json()["resourceShares"]
    associations = aws(
        PRODUCER,
        "ram",
        "get-resource-share-associations",
        "--association-type",
        "PRINCIPAL",
        "--resource-share-arns",
        share["resourceShareArn"],
    ).json()["resourceShareAssociations"]
    assert [(a["associatedEntity"], a["external"]) for a in associations] == [(CONSUMER, True)]
    permissions = aws(
        PRODUCER, "ram", "list-resource-share-permissions", "--resource-share-arn", share["resourceShareArn"]
    ).json()["permissions"]
    assert [p["name"] for p in permissions] == ["AWSRAMLFEnabledGlueTableReadWrite"]

    [invitation] = aws(CONSUMER, "ram", "get-resource-share-invitations").json()["resourceShareInvitations"]
    assert invitation["status"] == "PENDING"
    accepted = aws(
        CONSUMER,
        "ram",
        "accept-resource-share-invitation",
        "--resource-share-invitation-arn",
        invitation["resourceShareInvitationArn"],
    ).json()
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"

    # The portal's layout: a plain per-domain database holding table resource links.
    link_database = {"Name": "mesh_sales"}
    assert aws(CONSUMER, "glue", "create-database", "--database-input", cli_json(link_database)).rc == 0
    link_table = {"Name": "orders", "TargetTable": {"CatalogId": PRODUCER, "DatabaseName": "sales", "Name": "orders"}}
    assert (
        aws(CONSUMER, "glue", "create-table", "--database-name", "mesh_sales", "--table-input", cli_json(link_table)).rc
        == 0
    )
    through_link = aws(CONSUMER, "glue", "get-table", "--database-name", "mesh_sales", "--name", "orders").json()
    assert through_link["Table"]["TargetTable"]["Name"] == "orders"
    assert [c["Name"] for c in through_link["Table"]["StorageDescriptor"]["Columns"]] == ["id", "email", "amount"]
    describe_link = {
        "Principal": {"DataLakePrincipalIdentifier": consumer_role},
        "Resource": {"Table": {"DatabaseName": "mesh_sales", "Name": "orders"}},
    }
    link_grant = (
        "--principal",
        cli_json(describe_link["Principal"]),
        "--resource",
        cli_json(describe_link["Resource"]),
        "--permissions",
        "DESCRIBE",
    )
    assert aws(CONSUMER, "lakeformation", "grant-permissions", *link_grant).rc == 0
    received = aws(CONSUMER, "lakeformation", "list-permissions").json()["PrincipalResourcePermissions"]
    assert {entry["Resource"].get("Table", {}).get("CatalogId") for entry in received} >= {PRODUCER}
    assert aws(CONSUMER, "lakeformation", "revoke-permissions", *link_grant).rc == 0
    assert aws(CONSUMER, "glue", "delete-table", "--database-name", "mesh_sales", "--name", "orders").rc == 0

    foreign = aws(CONSUMER, "glue", "get-databases", "--resource-share-type", "FOREIGN").json()["DatabaseList"]
    assert [(db["Name"], db["CatalogId"]) for db in foreign] == [("sales", PRODUCER)]
    assert aws(CONSUMER, "glue", "get-databases", "--resource-share-type", "FEDERATED").json()["DatabaseList"] == []

    assert aws(PRODUCER, "lakeformation", "revoke-permissions", *grant).rc == 0
    assert (
        aws(CONSUMER, "glue", "get-table", "--catalog-id", PRODUCER, "--database-name", "sales", "--name", "orders").rc
        != 0
    )


def test_same_organization_association_is_not_external(aws: Any, producer: Account, sibling: Account) -> None:
    grant = (
        "--principal",
        cli_json({"DataLakePrincipalIdentifier": SIBLING}),
        "--resource",
        cli_json(TABLE),
        "--permissions",
        "SELECT",
    )
    assert aws(PRODUCER, "lakeformation", "grant-permissions", *grant).rc == 0
    associations = aws(PRODUCER, "ram", "get-resource-share-associations", "--association-type", "PRINCIPAL").json()[
        "resourceShareAssociations"
    ]
    assert [(a["associatedEntity"], a["external"]) for a in associations] == [(SIBLING, False)]


# -- RAM writes the portal's role may make (AWSLakeFormationCrossAccountManager)


def test_ram_share_lifecycle(aws: Any, producer: Account) -> None:
    database_arn = f"arn:aws:glue:us-east-1:{PRODUCER}:database/sales"
    created = aws(PRODUCER, "ram", "create-resource-share", "--name", "manual", "--resource-arns", database_arn).json()[
        "resourceShare"
    ]
    arn = created["resourceShareArn"]
    updated = aws(PRODUCER, "ram", "update-resource-share", "--resource-share-arn", arn, "--name", "renamed").json()[
        "resourceShare"
    ]
    assert updated["name"] == "renamed"
    associated = aws(
        PRODUCER, "ram", "associate-resource-share", "--resource-share-arn", arn, "--principals", CONSUMER
    ).json()["resourceShareAssociations"]
    assert [(a["associatedEntity"], a["external"]) for a in associated] == [(CONSUMER, True)]
    permissions = aws(PRODUCER, "ram", "list-resource-share-permissions", "--resource-share-arn", arn).json()
    assert [p["resourceType"] for p in permissions["permissions"]] == ["glue:Database"]
    assert (
        aws(
            PRODUCER, "ram", "disassociate-resource-share", "--resource-share-arn", arn, "--principals", CONSUMER
        ).json()["resourceShareAssociations"][0]["status"]
        == "DISASSOCIATING"
    )
    assert aws(PRODUCER, "ram", "delete-resource-share", "--resource-share-arn", arn).json()["returnValue"] is True
    unknown = f"arn:aws:ram:us-east-1:{PRODUCER}:resource-share/00000000-0000-0000-0000-000000000000"
    assert aws(PRODUCER, "ram", "list-resource-share-permissions", "--resource-share-arn", unknown).error_code() == (
        "UnknownResourceException"
    )


# -- the other defects of issue 18


def test_glue_resource_policy_absent_is_entity_not_found(aws: Any, producer: Account) -> None:
    assert aws(PRODUCER, "glue", "get-resource-policy").error_code() == "EntityNotFoundException"


def test_register_resource_with_the_service_linked_role(aws: Any, producer: Account) -> None:
    location = "arn:aws:s3:::sales-lake/raw"
    assert (
        aws(PRODUCER, "lakeformation", "register-resource", "--resource-arn", location, "--use-service-linked-role").rc
        == 0
    )
    described = aws(PRODUCER, "lakeformation", "describe-resource", "--resource-arn", location).json()
    role_arn = described["ResourceInfo"]["RoleArn"]
    assert role_arn == (
        f"arn:aws:iam::{PRODUCER}:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormationDataAccess"
    )
    role = aws(PRODUCER, "iam", "get-role", "--role-name", "AWSServiceRoleForLakeFormationDataAccess").json()["Role"]
    assert role["Arn"] == role_arn
    without_role = aws(PRODUCER, "lakeformation", "register-resource", "--resource-arn", "arn:aws:s3:::other")
    assert without_role.error_code() == "InvalidInputException"


def test_seeded_tables_buckets_exist(aws: Any, emulator: EmulatorHandle) -> None:
    emulator.seed(
        {
            "accounts": [
                {
                    "id": PRODUCER,
                    "data_locations": [{"arn": "arn:aws:s3:::mesh-curated/sales"}],
                    "databases": [
                        {
                            "name": "finance",
                            "location": "s3://mesh-finance/",
                            "tables": [{"name": "ledger", "location": "s3://mesh-ledger/data/"}],
                        }
                    ],
                }
            ]
        }
    )
    buckets = {b["Name"] for b in aws(PRODUCER, "s3api", "list-buckets").json()["Buckets"]}
    assert {"mesh-curated", "mesh-finance", "mesh-ledger"} <= buckets


INVITATION = f"arn:aws:ram:us-east-1:{PRODUCER}:resource-share-invitation/00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("service", "args", "kwargs", "content_type"),
    [
        ("lakeformation", ["get-data-lake-principal"], {}, "application/json"),
        (
            "glue",
            ["get-data-quality-result", "--result-id", "dqresult-1"],
            {"ResultId": "dqresult-1"},
            "application/x-amz-json-1.1",
        ),
        (
            "ram",
            ["list-pending-invitation-resources", "--resource-share-invitation-arn", INVITATION],
            {"resourceShareInvitationArn": INVITATION},
            "application/json",
        ),
    ],
)
def test_unknown_operations_answer_in_the_service_error_shape(
    aws: Any, emulator: EmulatorHandle, service: str, args: list[str], kwargs: dict[str, str], content_type: str
) -> None:
    result = aws(PRODUCER, service, *args)
    assert result.error_code() == "UnknownOperationException"
    assert "does not implement" in result.err and "<html" not in result.err.lower()
    # The same call through boto3, to read the wire: the service's JSON content type, never text/html.
    call = getattr(emulator.client(service, PRODUCER), args[0].replace("-", "_"))
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    assert raised.value.response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == content_type


def test_json_answers_are_labelled_json(emulator: EmulatorHandle, producer: Account) -> None:
    producer.lakeformation.create_lf_tag(TagKey="domain", TagValues=["sales"])
    answer = producer.lakeformation.add_lf_tags_to_resource(
        Resource=TABLE, LFTags=[{"TagKey": "domain", "TagValues": ["sales"]}]
    )
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/json"


def test_the_demo_seed_leaves_every_table_bucket_in_place(aws: Any, emulator: EmulatorHandle) -> None:
    from meshportal.demo.mesh import glue_seed

    document = glue_seed(region=emulator.region)
    emulator.seed(document)
    for account in document["accounts"]:
        if not account["databases"]:
            continue
        buckets = {b["Name"] for b in aws(account["id"], "s3api", "list-buckets").json()["Buckets"]}
        wanted = {
            table["location"].removeprefix("s3://").split("/", 1)[0]
            for database in account["databases"]
            for table in database["tables"]
        }
        assert wanted and wanted <= buckets
        for table in account["databases"][0]["tables"][:1]:
            bucket, prefix = table["location"].removeprefix("s3://").split("/", 1)
            listing = aws(account["id"], "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix).json()
            assert listing.get("KeyCount", 0) == 0  # the bucket answers; the tables hold no data
