"""Reading a producer account's Glue Data Catalog for the harvest, through the one AWS gateway (STYLE.md §8).

Sample values for the PII scan come from the Glue metadata itself, never from the data: a column parameter
``meshportal:samples`` (a JSON list, or comma-separated values), or a table parameter ``meshportal:samples``
holding ``{"column": [values]}``. Crawlers and ETL jobs can write these; see Glue ``Column.Parameters``
(https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from meshportal.aws.gateway import AwsError, account_client
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


def _client(account: AwsAccount) -> Any:
    return account_client("glue", account.account_id, role_arn=account.role_arn, region=account.region)


def _call(operation: str, fn: Any, **kwargs: Any) -> Any:
    try:
        return fn(**kwargs)
    except AwsError:
        raise
    except Exception as exc:
        raise AwsError.from_exception(exc, f"glue:{operation}") from exc


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
    client = _client(account)
    names: list[str] = []
    token = None
    while True:
        kwargs: dict[str, str] = {"NextToken": token} if token else {}
        page = _call("GetDatabases", client.get_databases, **kwargs)
        names += [db["Name"] for db in page.get("DatabaseList", [])]
        token = page.get("NextToken")
        if not token:
            return sorted(names)


def glue_tables(account: AwsAccount, database: str) -> list[GlueTable]:
    client = _client(account)
    tables: list[GlueTable] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"DatabaseName": database}
        if token:
            kwargs["NextToken"] = token
        page = _call("GetTables", client.get_tables, **kwargs)
        tables += [_table(database, t) for t in page.get("TableList", [])]
        token = page.get("NextToken")
        if not token:
            return sorted(tables, key=lambda t: t.name)


def glue_table(account: AwsAccount, database: str, name: str) -> GlueTable:
    page = _call("GetTable", _client(account).get_table, DatabaseName=database, Name=name)
    return _table(database, page["Table"])
