"""Helpers shared by the emulator tests: personas (accounts), clients and request shapes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest

from aws_emulator.testing import EmulatorHandle

# Personas of the data mesh: a producer account owning data, a consumer account outside its
# organization, and a sibling account inside the producer's organization.
PRODUCER = "111111111111"
CONSUMER = "222222222222"
SIBLING = "333333333333"
ORG_ID = "o-meshportal01"
REGION = "us-east-1"


@dataclass
class Account:
    """boto3 clients acting in one account through the emulator."""

    id: str
    handle: EmulatorHandle

    def client(self, service: str, **kwargs: Any) -> Any:
        return self.handle.client(service, self.id, **kwargs)

    @cached_property
    def glue(self) -> Any:
        return self.client("glue")

    @cached_property
    def lakeformation(self) -> Any:
        return self.client("lakeformation")

    @cached_property
    def ram(self) -> Any:
        return self.client("ram")


def create_sales_catalog(account: Account) -> None:
    glue = account.glue
    glue.create_database(DatabaseInput={"Name": "sales", "Description": "Curated sales"})
    for table in ("orders", "customers"):
        glue.create_table(
            DatabaseName="sales",
            TableInput={
                "Name": table,
                "StorageDescriptor": {
                    "Columns": [
                        {"Name": "id", "Type": "bigint"},
                        {"Name": "email", "Type": "string"},
                        {"Name": "amount", "Type": "double"},
                    ],
                    "Location": f"s3://sales-lake/{table}/",
                },
                "PartitionKeys": [{"Name": "dt", "Type": "string"}],
            },
        )


def principal(identifier: str) -> dict[str, str]:
    return {"DataLakePrincipalIdentifier": identifier}


def role(account_id: str, name: str) -> str:
    return f"arn:aws:iam::{account_id}:role/{name}"


def table(name: str = "orders", *, catalog_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"DatabaseName": "sales", "Name": name}
    if catalog_id:
        body["CatalogId"] = catalog_id
    return {"Table": body}


def error_code(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return str(excinfo.value.response["Error"]["Code"])
