"""What an account may read of another account's Data Catalog, from the grants it received.

"For all Get* API operations, only databases and tables that the caller has permissions on get
returned": https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-glue-apis.html
The emulator decides per account (the caller's credentials), not per IAM principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.glue.models import FakeTable

from .resources import resource_catalog, resource_kind, table_columns
from .sharing import received_grants


@dataclass(frozen=True)
class TableAccess:
    # None: every column; otherwise the columns the caller may see.
    columns: frozenset[str] | None


def _received_from(account: str, owner: str, region: str) -> list[dict[str, Any]]:
    return [
        grant.resource
        for grant, _share in received_grants(account, region)
        if resource_catalog(grant.resource) == owner
    ]


def can_see_database(*, account: str, owner: str, database: str, region: str) -> bool:
    """A database is visible to an account that holds a grant on it or on any of its tables."""
    for resource in _received_from(account, owner, region):
        kind = resource_kind(resource)
        name = resource[kind].get("Name") if kind == "Database" else resource[kind].get("DatabaseName")
        if name == database:
            return True
    return False


def visible_databases(*, account: str, owner: str, region: str) -> set[str]:
    names: set[str] = set()
    for resource in _received_from(account, owner, region):
        kind = resource_kind(resource)
        names.add(resource[kind]["Name"] if kind == "Database" else resource[kind]["DatabaseName"])
    return names


def table_access(*, account: str, owner: str, database: str, table: FakeTable, region: str) -> TableAccess | None:
    """The caller's access to one table of another account, or None.

    Column grants (TableWithColumns) narrow the visible columns; a table grant or the all-tables
    wildcard shows all of them. https://docs.aws.amazon.com/lake-formation/latest/dg/granting-table-permissions.html
    """
    columns: set[str] = set()
    found = False
    for resource in _received_from(account, owner, region):
        kind = resource_kind(resource)
        body = resource[kind]
        if kind == "Database" or body["DatabaseName"] != database:
            continue
        if kind == "Table" and ("TableWildcard" in body or body["Name"] == table.name):
            return TableAccess(columns=None)
        if kind == "TableWithColumns" and body["Name"] == table.name:
            found = True
            if "ColumnNames" in body:
                columns |= set(body["ColumnNames"])
            else:
                excluded = set(body["ColumnWildcard"]["ExcludedColumnNames"])
                columns |= {name for name in table_columns(table) if name not in excluded}
    return TableAccess(columns=frozenset(columns)) if found else None


def can_alter(*, account: str, owner: str, database: str, table: str, region: str) -> bool:
    """ALTER (or ALL) on a table of another account lets the caller change its metadata, as the producer does
    on its central entry: https://docs.aws.amazon.com/lake-formation/latest/dg/lf-permissions-reference.html"""
    for grant, _share in received_grants(account, region):
        resource = grant.resource
        if resource_catalog(resource) != owner or resource_kind(resource) != "Table":
            continue
        body = resource["Table"]
        if body.get("DatabaseName") != database or not ("TableWildcard" in body or body.get("Name") == table):
            continue
        if {"ALTER", "ALL"} & set(grant.permissions):
            return True
    return False
