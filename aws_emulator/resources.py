"""Lake Formation resources: normal form, existence checks and the Glue ARNs RAM shares them under.

Resource shapes follow https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_Resource.html.
Grants are stored in normal form (``CatalogId`` always filled in, column lists sorted), so a grant made
without ``CatalogId`` and a revoke made with it address the same permission, as in real Lake Formation.
"""

from __future__ import annotations

from typing import Any

from moto.glue.models import FakeDatabase, FakeTable, glue_backends
from moto.lakeformation.models import lakeformation_backends
from moto.utilities.utils import get_partition

from .errors import EntityNotFoundError, InvalidInputError

RESOURCE_KINDS = (
    "Catalog",
    "Database",
    "Table",
    "TableWithColumns",
    "DataLocation",
    "DataCellsFilter",
    "LFTag",
    "LFTagPolicy",
)
# The kinds Lake Formation shares across accounts with the named resource method (through RAM):
# https://docs.aws.amazon.com/lake-formation/latest/dg/crosss-account-how-works.html
SHAREABLE_KINDS = ("Database", "Table", "TableWithColumns")


def resource_kind(resource: dict[str, Any]) -> str:
    kinds = [kind for kind in RESOURCE_KINDS if kind in resource]
    if len(kinds) != 1:
        raise InvalidInputError("Resource must have either the catalog, table or database field populated.")
    return kinds[0]


def normalize_resource(resource: object, default_catalog: str) -> dict[str, Any]:
    if not isinstance(resource, dict):
        raise InvalidInputError("Resource is mandatory.")
    kind = resource_kind(resource)
    body = dict(resource[kind] or {})
    if kind == "Catalog":
        return {"Catalog": {}}
    if kind == "DataCellsFilter":
        body.setdefault("TableCatalogId", default_catalog)
        return {kind: body}
    body["CatalogId"] = body.get("CatalogId") or default_catalog
    if kind == "Database":
        _require(body, "Name", "Database name")
    elif kind == "Table":
        _require(body, "DatabaseName", "Table database name")
        has_name, has_wildcard = "Name" in body, "TableWildcard" in body
        if has_name == has_wildcard:
            raise InvalidInputError(
                "Table name and table wildcard cannot both be empty."
                if not has_name
                else "Table name and table wildcard cannot both be present."
            )
        if has_wildcard:
            body["TableWildcard"] = {}
    elif kind == "TableWithColumns":
        _require(body, "DatabaseName", "Table database name")
        _require(body, "Name", "Table name")
        if ("ColumnNames" in body) == ("ColumnWildcard" in body):
            raise InvalidInputError("Exactly one of ColumnNames or ColumnWildcard must be provided.")
        if "ColumnNames" in body:
            body["ColumnNames"] = sorted(set(body["ColumnNames"]))
        else:
            excluded = (body.get("ColumnWildcard") or {}).get("ExcludedColumnNames") or []
            body["ColumnWildcard"] = {"ExcludedColumnNames": sorted(set(excluded))}
    elif kind == "DataLocation":
        _require(body, "ResourceArn", "Data location ARN")
    return {kind: body}


def _require(body: dict[str, Any], key: str, label: str) -> None:
    if not body.get(key):
        raise InvalidInputError(f"{label} is mandatory.")


def resource_catalog(resource: dict[str, Any]) -> str | None:
    """The catalog (account) that owns a normalized resource; None for the caller's Catalog resource."""
    kind = resource_kind(resource)
    if kind == "DataCellsFilter":
        return str(resource[kind]["TableCatalogId"])
    value = resource[kind].get("CatalogId")
    return str(value) if value else None


def find_database(catalog_id: str, region: str, name: str) -> FakeDatabase:
    database = glue_backends[catalog_id][region].databases.get(name)
    if database is None:
        raise EntityNotFoundError(f"Database {name} not found.")
    return database


def find_table(catalog_id: str, region: str, database_name: str, name: str) -> FakeTable:
    table = find_database(catalog_id, region, database_name).tables.get(name)
    if table is None:
        raise EntityNotFoundError(f"Table {name} not found.")
    return table


def table_columns(table: FakeTable) -> list[str]:
    current = table.as_dict()
    columns = (current.get("StorageDescriptor") or {}).get("Columns") or []
    partition_keys = current.get("PartitionKeys") or []
    return [column["Name"] for column in [*columns, *partition_keys]]


def ensure_resource_exists(resource: dict[str, Any], region: str) -> None:
    """Raise as Lake Formation does when a grant names a database, table or column that does not exist.

    https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_GrantPermissions.html (Errors)
    """
    kind = resource_kind(resource)
    body = resource[kind]
    if kind == "Database":
        find_database(body["CatalogId"], region, body["Name"])
    elif kind == "Table":
        if "TableWildcard" in body:
            find_database(body["CatalogId"], region, body["DatabaseName"])
        else:
            find_table(body["CatalogId"], region, body["DatabaseName"], body["Name"])
    elif kind == "TableWithColumns":
        table = find_table(body["CatalogId"], region, body["DatabaseName"], body["Name"])
        known = set(table_columns(table))
        wanted = body.get("ColumnNames") or body["ColumnWildcard"]["ExcludedColumnNames"]
        missing = sorted(set(wanted) - known)
        if missing:
            raise InvalidInputError(f"Columns not found in table {body['Name']}: {', '.join(missing)}")
    elif kind == "DataLocation":
        # A data location must be registered with Lake Formation before it can be granted:
        # https://docs.aws.amazon.com/lake-formation/latest/dg/register-data-lake.html
        registered = lakeformation_backends[body["CatalogId"]][region].resources
        if body["ResourceArn"] not in registered:
            raise EntityNotFoundError(f"Location {body['ResourceArn']} is not registered.")


def glue_arn(resource: dict[str, Any], region: str) -> str | None:
    """The Glue ARN that RAM shares a Lake Formation resource under; None if it is not shareable.

    ARN formats: https://docs.aws.amazon.com/glue/latest/dg/glue-specifying-resource-arns.html
    """
    kind = resource_kind(resource)
    if kind not in SHAREABLE_KINDS:
        return None
    body = resource[kind]
    prefix = f"arn:{get_partition(region)}:glue:{region}:{body['CatalogId']}"
    if kind == "Database":
        return f"{prefix}:database/{body['Name']}"
    table_name = "*" if "TableWildcard" in body else body["Name"]
    return f"{prefix}:table/{body['DatabaseName']}/{table_name}"


def same_target(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Whether two normalized resources address the same catalog object (columns aside)."""
    return _target_key(first) == _target_key(second)


def _target_key(resource: dict[str, Any]) -> tuple[str, ...]:
    kind = resource_kind(resource)
    body = resource[kind]
    if kind == "Database":
        return ("db", body["CatalogId"], body["Name"])
    if kind in ("Table", "TableWithColumns"):
        name = "*" if "TableWildcard" in body else body["Name"]
        return ("table", body["CatalogId"], body["DatabaseName"], name)
    return (kind, repr(sorted(body.items())))
