"""State files (save on clean shutdown, load at start), seeding, and the command line."""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import boto3
import pytest
import yaml

from aws_emulator.cli import parse_organization
from aws_emulator.persistence import StateFileError, load_state
from aws_emulator.testing import EmulatorControlError, EmulatorHandle, running_emulator
from tests.emulator.helpers import CONSUMER, ORG_ID, PRODUCER, REGION, SIBLING, principal, role

SEED = {
    "organizations": {ORG_ID: [PRODUCER, SIBLING]},
    "accounts": [
        {
            "id": PRODUCER,
            "name": "sales-producer",
            "data_lake_admins": [role(PRODUCER, "MeshPortal")],
            "data_locations": [{"arn": "arn:aws:s3:::sales-lake/curated"}],
            "databases": [
                {
                    "name": "sales",
                    "description": "Curated sales",
                    "location": "s3://sales-lake/curated/",
                    "tables": [
                        {
                            "name": "orders",
                            "location": "s3://sales-lake/curated/orders/",
                            "format": "parquet",
                            "columns": [
                                {"name": "order_id", "type": "bigint"},
                                {"name": "amount", "type": "double"},
                            ],
                            "partition_keys": [{"name": "dt", "type": "string"}],
                        }
                    ],
                }
            ],
        },
        {"id": CONSUMER, "data_lake_admins": [role(CONSUMER, "MeshPortal")]},
    ],
}


def write_seed(tmp_path: Path) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(SEED), encoding="utf-8")
    return path


def grant_orders_to_consumer(handle: EmulatorHandle) -> None:
    handle.client("lakeformation", PRODUCER).grant_permissions(
        Principal=principal(CONSUMER),
        Resource={"Table": {"DatabaseName": "sales", "Name": "orders"}},
        Permissions=["SELECT"],
    )


def test_seed_creates_databases_tables_and_lake_formation_settings(emulator: EmulatorHandle) -> None:
    assert emulator.seed(SEED) == {"accounts": 2, "databases": 1, "tables": 1, "buckets": 1, "iam_roles": 0}

    glue = emulator.client("glue", PRODUCER)
    orders = glue.get_table(DatabaseName="sales", Name="orders")["Table"]
    assert orders["StorageDescriptor"]["Location"] == "s3://sales-lake/curated/orders/"
    assert "Parquet" in orders["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"]
    assert [key["Name"] for key in orders["PartitionKeys"]] == ["dt"]
    settings = emulator.client("lakeformation", CONSUMER).get_data_lake_settings()["DataLakeSettings"]
    assert settings["DataLakeAdmins"] == [principal(role(CONSUMER, "MeshPortal"))]
    resources = emulator.client("lakeformation", PRODUCER).list_resources()["ResourceInfoList"]
    assert [item["ResourceArn"] for item in resources] == ["arn:aws:s3:::sales-lake/curated"]
    assert emulator.control("GET", "organizations") == {ORG_ID: sorted([PRODUCER, SIBLING])}
    # idempotent
    assert emulator.seed(SEED) == {"accounts": 2, "databases": 0, "tables": 0, "buckets": 0, "iam_roles": 0}


def test_invalid_seed_document_is_a_bad_request(emulator: EmulatorHandle) -> None:
    with pytest.raises(EmulatorControlError, match="400"):
        emulator.seed({"accounts": [{"id": "not-an-account"}]})


def test_state_survives_a_clean_restart(tmp_path: Path) -> None:
    state = tmp_path / "state" / "emulator.pickle"
    with running_emulator(mode="subprocess", state_path=state, seed_path=write_seed(tmp_path)) as first:
        grant_orders_to_consumer(first)
        consumer_credentials = first.credentials(CONSUMER)
    assert state.exists()  # SIGTERM is a clean shutdown: the state was saved

    with running_emulator(mode="subprocess", state_path=state) as second:
        # Credentials issued before the restart still act in their account.
        ram = boto3.client("ram", region_name=REGION, endpoint_url=second.endpoint_url, **consumer_credentials)
        [invitation] = ram.get_resource_share_invitations()["resourceShareInvitations"]
        ram.accept_resource_share_invitation(resourceShareInvitationArn=invitation["resourceShareInvitationArn"])
        shared = second.client("glue", CONSUMER).get_table(CatalogId=PRODUCER, DatabaseName="sales", Name="orders")
        assert shared["Table"]["CatalogId"] == PRODUCER
        settings = second.client("lakeformation", PRODUCER).get_data_lake_settings()["DataLakeSettings"]
        assert settings["DataLakeAdmins"] == [principal(role(PRODUCER, "MeshPortal"))]


def test_save_endpoint_writes_a_file_a_new_emulator_loads(emulator: EmulatorHandle, tmp_path: Path) -> None:
    emulator.seed(SEED)
    grant_orders_to_consumer(emulator)
    saved = emulator.save(tmp_path / "saved.pickle")

    with running_emulator(mode="subprocess", state_path=saved) as restored:
        entries = restored.client("lakeformation", PRODUCER).list_permissions()["PrincipalResourcePermissions"]
        assert [entry["Principal"] for entry in entries] == [principal(CONSUMER)]
        shares = restored.client("ram", PRODUCER).get_resource_shares(resourceOwner="SELF")["resourceShares"]
        assert [share["status"] for share in shares] == ["ACTIVE"]


def test_state_file_from_another_moto_version_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "old.pickle"
    foreign.write_bytes(pickle.dumps({"format": 1, "moto": "4.0.0", "backends": {}, "mesh": {}}))
    garbage = tmp_path / "garbage.pickle"
    garbage.write_bytes(b"not a pickle")

    with pytest.raises(StateFileError, match=r"moto 4\.0\.0"):
        load_state(foreign)
    with pytest.raises(StateFileError):
        load_state(garbage)


def test_org_option_parses_accounts_and_rejects_malformed_ids() -> None:
    assert parse_organization(f"{ORG_ID}={PRODUCER}, {SIBLING}") == (ORG_ID, {PRODUCER, SIBLING})
    with pytest.raises(argparse.ArgumentTypeError):
        parse_organization("o-x=12345")
