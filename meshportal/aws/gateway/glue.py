"""The Glue Data Catalog: paged reads of databases and tables (harvest, validation), and the resource links the
portal keeps in consumer accounts (https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from meshportal.aws.gateway.calls import CallObserver, call
from meshportal.aws.gateway.errors import AwsError


def iter_databases(client: Any, *, account_id: str, observer: CallObserver | None = None) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"NextToken": token} if token else {}
        page = call(client, "get_databases", account_id=account_id, observer=observer, **params)
        yield from page.get("DatabaseList", [])
        token = page.get("NextToken")
        if not token:
            return


def iter_tables(
    client: Any, *, account_id: str, database: str, observer: CallObserver | None = None
) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        params: dict[str, Any] = {"DatabaseName": database}
        if token:
            params["NextToken"] = token
        page = call(client, "get_tables", account_id=account_id, observer=observer, **params)
        yield from page.get("TableList", [])
        token = page.get("NextToken")
        if not token:
            return


def get_database(client: Any, *, account_id: str, name: str, observer: CallObserver | None = None) -> dict[str, Any]:
    database: dict[str, Any] = call(client, "get_database", account_id=account_id, observer=observer, Name=name)[
        "Database"
    ]
    return database


def get_table(
    client: Any, *, account_id: str, database: str, name: str, observer: CallObserver | None = None
) -> dict[str, Any]:
    table: dict[str, Any] = call(
        client, "get_table", account_id=account_id, observer=observer, DatabaseName=database, Name=name
    )["Table"]
    return table


def ensure_database(
    client: Any, *, account_id: str, name: str, description: str, observer: CallObserver | None = None
) -> bool:
    """Create the database unless it exists; True if it was created."""
    try:
        call(
            client,
            "create_database",
            account_id=account_id,
            observer=observer,
            DatabaseInput={"Name": name, "Description": description},
        )
    except AwsError as error:
        if error.code == "AlreadyExistsException":
            return False
        raise
    return True


def ensure_resource_link(
    client: Any,
    *,
    account_id: str,
    database: str,
    name: str,
    target: dict[str, str],
    observer: CallObserver | None = None,
) -> bool:
    """Create a resource link ``database.name`` → ``target`` (CatalogId, DatabaseName, Name) unless it exists."""
    try:
        call(
            client,
            "create_table",
            account_id=account_id,
            observer=observer,
            DatabaseName=database,
            TableInput={"Name": name, "TargetTable": target},
        )
    except AwsError as error:
        if error.code == "AlreadyExistsException":
            return False
        raise
    return True


def delete_table(
    client: Any, *, account_id: str, database: str, name: str, observer: CallObserver | None = None
) -> bool:
    """Delete; False if it was already gone."""
    try:
        call(client, "delete_table", account_id=account_id, observer=observer, DatabaseName=database, Name=name)
    except AwsError as error:
        if error.code == "EntityNotFoundException":
            return False
        raise
    return True


def upsert_table(
    client: Any, *, account_id: str, database: str, table_input: dict[str, Any], observer: CallObserver | None = None
) -> bool:
    """Create the table, or update it to ``table_input`` when it exists; True if it was created."""
    try:
        call(
            client,
            "create_table",
            account_id=account_id,
            observer=observer,
            DatabaseName=database,
            TableInput=table_input,
        )
    except AwsError as error:
        if error.code != "AlreadyExistsException":
            raise
        call(
            client,
            "update_table",
            account_id=account_id,
            observer=observer,
            DatabaseName=database,
            TableInput=table_input,
        )
        return False
    return True
