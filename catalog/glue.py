"""Reading a producer account's Glue Data Catalog for the harvest, through the one AWS gateway (STYLE.md §8).

Sample values for the PII scan come from the Glue metadata itself, never from the data: a column parameter
``meshportal:samples`` (a JSON list, or comma-separated values), or a table parameter ``meshportal:samples``
holding ``{"column": [values]}``. Crawlers and ETL jobs can write these; see Glue ``Column.Parameters``
(https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from meshportal.aws.gateway import AwsError, client_for_account, glue
from meshportal.aws.models import AwsAccount

SAMPLES_PARAMETER = "meshportal:samples"


@dataclass(frozen=True)
class GlueColumn:
    name: str
    data_type: str
    description: str = ""
    sample_values: list[str] = field(default_factory=list)
    is_partition_key: bool = False

    def as_column(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "data_type": self.data_type,
            "description": self.description,
            "sample_values": self.sample_values,
        }


@dataclass(frozen=True)
class GlueTable:
    database: str
    name: str
    description: str
    location: str
    columns: list[GlueColumn]
    table_type: str = ""

    @property
    def fingerprint(self) -> str:
        """A digest of the table's schema (column names, types and partition keys, in order): it changes
        exactly when the table's shape does, so a stored one tells whether a table changed since it was read."""
        shape = [[c.name, c.data_type, c.is_partition_key] for c in self.columns]
        return hashlib.sha256(json.dumps(shape, separators=(",", ":")).encode()).hexdigest()


def _client(account: AwsAccount) -> Any:
    return client_for_account("glue", account)


def _samples(raw: Any) -> list[str]:
    if not raw:
        return []
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = [v.strip() for v in raw.split(",")]
    else:
        parsed = raw
    return [str(v)[:200] for v in parsed if v is not None][:20] if isinstance(parsed, list) else []


def _table(database: str, raw: dict[str, Any]) -> GlueTable:
    table_samples: dict[str, Any] = {}
    if raw.get("Parameters", {}).get(SAMPLES_PARAMETER):
        try:
            loaded = json.loads(raw["Parameters"][SAMPLES_PARAMETER])
            table_samples = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            table_samples = {}
    descriptor = raw.get("StorageDescriptor") or {}
    columns = []
    for col, is_partition in [
        *((c, False) for c in descriptor.get("Columns", [])),
        *((c, True) for c in raw.get("PartitionKeys", [])),
    ]:
        params = col.get("Parameters") or {}
        columns.append(
            GlueColumn(
                name=col["Name"],
                data_type=col.get("Type") or "string",
                description=col.get("Comment") or "",
                sample_values=_samples(params.get(SAMPLES_PARAMETER) or table_samples.get(col["Name"])),
                is_partition_key=is_partition,
            )
        )
    return GlueTable(
        database=database,
        name=raw["Name"],
        description=raw.get("Description") or "",
        location=descriptor.get("Location") or "",
        columns=columns,
        table_type=raw.get("TableType") or "",
    )


def glue_database_names(account: AwsAccount) -> list[str]:
    databases = glue.iter_databases(_client(account), account_id=account.account_id)
    return sorted(db["Name"] for db in databases)


def glue_database_exists(account: AwsAccount, database: str) -> bool:
    """Whether the database is in the account's catalog; other errors (access, throttling) are raised."""
    try:
        glue.get_database(_client(account), account_id=account.account_id, name=database)
    except AwsError as exc:
        if exc.code == "EntityNotFoundException":
            return False
        raise
    return True


def glue_tables(account: AwsAccount, database: str) -> list[GlueTable]:
    raw = glue.iter_tables(_client(account), account_id=account.account_id, database=database)
    return sorted((_table(database, t) for t in raw), key=lambda t: t.name)


def glue_table(account: AwsAccount, database: str, name: str) -> GlueTable:
    raw = glue.get_table(_client(account), account_id=account.account_id, database=database, name=name)
    return _table(database, raw)
