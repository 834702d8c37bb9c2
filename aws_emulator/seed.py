"""Seeding accounts with Glue databases, tables and Lake Formation settings from a JSON/YAML document.

Document shape (YAML shown; JSON is the same)::

    region: us-east-1                      # optional, default us-east-1
    organizations:                         # optional: accounts that share without RAM invitations
      o-meshportal01: ["111111111111", "222222222222"]
    accounts:
      - id: "111111111111"
        name: sales-producer               # optional, for people reading the file
        data_lake_admins: ["arn:aws:iam::111111111111:role/MeshPortal"]
        iam_roles:                         # optional: IAM roles of the account (GetRole finds them)
          - {name: finance-etl, path: /teams/finance/}
        data_locations:                    # optional: registered with Lake Formation
          - arn: arn:aws:s3:::sales-lake/curated
        databases:
          - name: sales
            description: Curated sales data
            location: s3://sales-lake/curated/
            tables:
              - name: orders
                location: s3://sales-lake/curated/orders/
                format: parquet            # parquet | csv | json (optional)
                columns: [{name: order_id, type: bigint}, {name: amount, type: "decimal(10,2)"}]
                partition_keys: [{name: dt, type: string}]

Seeding is idempotent: existing databases and tables are left as they are, admins are merged.
The S3 buckets behind every database, table and data location exist afterwards in the account's S3 (as a
crawler or a CREATE TABLE would find them); a bucket another account already holds is left to it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import yaml
from moto.glue.models import glue_backends
from moto.iam.models import iam_backends
from moto.lakeformation.models import lakeformation_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from .state import DISPATCH_LOCK, MESH

DEFAULT_REGION = "us-east-1"
PARTITION = "global"  # IAM is a global service: moto keeps one IAM backend per account under this key

# Hive storage settings Glue crawlers write for these formats:
# https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html
_FORMATS: dict[str, dict[str, Any]] = {
    "parquet": {
        "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
    },
    "csv": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {
            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
            "Parameters": {"field.delim": ","},
        },
    },
    "json": {
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
}


class SeedError(ValueError):
    """The seed document does not have the documented shape."""


def load_seed_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    # YAML is a superset of JSON, so one loader reads both.
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise SeedError(f"{path}: the seed document must be a mapping")
    return document


def apply_seed(document: dict[str, Any]) -> dict[str, int]:
    """Create what the document describes; returns counts of what was created."""
    region = str(document.get("region") or DEFAULT_REGION)
    created = {"accounts": 0, "databases": 0, "tables": 0, "buckets": 0, "iam_roles": 0}
    with DISPATCH_LOCK:
        for org_id, accounts in (document.get("organizations") or {}).items():
            MESH.organizations.setdefault(str(org_id), set()).update(str(account) for account in accounts)
        for account in _accounts(document):
            created["accounts"] += 1
            account_id = str(account["id"])
            _seed_lake_formation(account_id, region, account)
            locations = [_location_arn(location) for location in account.get("data_locations") or []]
            for role in account.get("iam_roles") or []:
                created["iam_roles"] += _seed_iam_role(account_id, role)
            for database in account.get("databases") or []:
                created["databases"] += _seed_database(account_id, region, database)
                locations.append(str(database.get("location") or ""))
                for table in database.get("tables") or []:
                    created["tables"] += _seed_table(account_id, region, database["name"], table)
                    locations.append(str(table.get("location") or ""))
            created["buckets"] += _seed_buckets(account_id, region, locations)
    return created


def _accounts(document: dict[str, Any]) -> list[dict[str, Any]]:
    accounts = document.get("accounts") or []
    if isinstance(accounts, dict):  # {"111111111111": {...}} is accepted too
        accounts = [{"id": account_id, **(spec or {})} for account_id, spec in accounts.items()]
    for account in accounts:
        if not str(account.get("id", "")).isdigit() or len(str(account["id"])) != 12:
            raise SeedError(f"account id must be 12 digits: {account.get('id')!r}")
    return list(accounts)


def _seed_lake_formation(account_id: str, region: str, account: dict[str, Any]) -> None:
    backend = lakeformation_backends[account_id][region]
    admins = account.get("data_lake_admins") or []
    if admins:
        settings = dict(backend.get_data_lake_settings(account_id))
        current = [admin["DataLakePrincipalIdentifier"] for admin in settings.get("DataLakeAdmins", [])]
        merged = current + [admin for admin in admins if admin not in current]
        settings["DataLakeAdmins"] = [{"DataLakePrincipalIdentifier": admin} for admin in merged]
        backend.put_data_lake_settings(account_id, settings)
    for location in account.get("data_locations") or []:
        arn = _location_arn(location)
        role = location.get("role_arn", "") if isinstance(location, dict) else ""
        if arn not in backend.resources:
            backend.register_resource(arn, role or f"arn:aws:iam::{account_id}:role/LakeFormationDataAccess")


def _location_arn(location: Any) -> str:
    return str(location["arn"]) if isinstance(location, dict) else str(location)


def _bucket_of(location: str) -> str | None:
    """``s3://bucket/prefix`` or ``arn:aws:s3:::bucket/prefix`` -> ``bucket``."""
    for prefix in ("s3://", "s3a://", "arn:aws:s3:::", "arn:aws-cn:s3:::", "arn:aws-us-gov:s3:::"):
        if location.startswith(prefix):
            return location[len(prefix) :].split("/", 1)[0] or None
    return None


def _seed_buckets(account_id: str, region: str, locations: list[str]) -> int:
    backend = s3_backends[account_id][get_partition(region)]
    created = 0
    for bucket in sorted({name for name in map(_bucket_of, locations) if name}):
        if bucket in s3_backends.bucket_accounts:
            continue  # bucket names are global: it exists already (here or in another account)
        backend.create_bucket(bucket, region)
        created += 1
    return created


def _seed_iam_role(account_id: str, spec: dict[str, Any]) -> int:
    backend = iam_backends[account_id][PARTITION]
    name, path = str(spec["name"]), str(spec.get("path") or "/")
    if any(role.name == name for role in backend.roles.values()):
        return 0
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": account_id}, "Action": "sts:AssumeRole"}],
    }
    backend.create_role(
        role_name=name,
        assume_role_policy_document=json.dumps(trust),
        path=path,
        permissions_boundary=None,
        description=str(spec.get("description", "")),
        tags=[],
        max_session_duration=None,
    )
    return 1


def _seed_database(account_id: str, region: str, spec: dict[str, Any]) -> int:
    backend = glue_backends[account_id][region]
    if spec["name"] in backend.databases:
        return 0
    database_input: dict[str, Any] = {"Name": spec["name"]}
    if spec.get("description"):
        database_input["Description"] = spec["description"]
    if spec.get("location"):
        database_input["LocationUri"] = spec["location"]
    backend.create_database(spec["name"], database_input)
    return 1


def _seed_table(account_id: str, region: str, database: str, spec: dict[str, Any]) -> int:
    backend = glue_backends[account_id][region]
    if spec["name"] in backend.databases[database].tables:
        return 0
    descriptor: dict[str, Any] = {
        "Columns": [_column(column) for column in spec.get("columns") or []],
        **_FORMATS.get(str(spec.get("format", "")).lower(), {}),
    }
    if spec.get("location"):
        descriptor["Location"] = spec["location"]
    table_input: dict[str, Any] = {
        "Name": spec["name"],
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": descriptor,
        "PartitionKeys": [_column(column) for column in spec.get("partition_keys") or []],
    }
    if spec.get("description"):
        table_input["Description"] = spec["description"]
    if spec.get("format"):
        table_input["Parameters"] = {"classification": str(spec["format"]).lower()}
    backend.create_table(database, spec["name"], table_input)
    return 1


def _column(column: dict[str, Any]) -> dict[str, str]:
    result = {"Name": str(column["name"]), "Type": str(column.get("type", "string"))}
    if column.get("comment"):
        result["Comment"] = str(column["comment"])
    return result
