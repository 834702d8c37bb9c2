"""Glue Data Catalog reads across accounts and through resource links.

moto answers every Glue call from the caller's own catalog and ignores ``CatalogId``. Here:

* ``CatalogId`` of another account reads that account's catalog, limited to what was shared with the
  caller (see ``catalog_access``);
* a database resource link (``TargetDatabase``) is followed for GetDatabase, GetTable and GetTables;
* a table resource link (``TargetTable``) answers GetTable with the link's own fields plus the
  target's properties when the caller can read the target;
* ``UpdateTable`` with another account's ``CatalogId`` needs ALTER there and changes that account's table.

https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html
https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-glue-apis.html
"""

from __future__ import annotations

import copy
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult
from moto.glue.models import FakeDatabase, FakeTable, glue_backends
from moto.glue.responses import GlueResponse

from . import catalog_access
from .errors import AccessDeniedError, EntityNotFoundError
from .resources import find_database, find_table, resource_catalog
from .sharing import received_grants

# Fields that belong to the link itself and are kept when a link is followed.
_LINK_FIELDS = ("Name", "DatabaseName", "CatalogId", "CreateTime")


class EmulatorGlueResponse(GlueResponse):
    # -- databases
    def get_database(self) -> ActionResult:
        catalog = self._catalog()
        name = str(self.parameters.get("Name"))
        if catalog == self.current_account:
            return ActionResult({"Database": self._follow_database_link(self.glue_backend.get_database(name))})
        return ActionResult({"Database": self._foreign_database(catalog, name).as_dict()})

    def get_databases(self) -> ActionResult:
        """Shared databases are listed only with ResourceShareType FOREIGN or ALL, as in AWS:
        https://docs.aws.amazon.com/glue/latest/webapi/API_GetDatabases.html"""
        catalog = self._catalog()
        share_type = self.parameters.get("ResourceShareType")
        if catalog != self.current_account:
            return ActionResult({"DatabaseList": self._foreign_databases(catalog)})
        databases: list[dict[str, Any]] = []
        if share_type == "FEDERATED":
            # Only databases federated to an external catalog (``FederatedDatabase``), never local ones.
            return ActionResult(
                {"DatabaseList": [db.as_dict() for db in self.glue_backend.get_databases() if _is_federated(db)]}
            )
        if share_type != "FOREIGN":
            databases += [self._follow_database_link(db) for db in self.glue_backend.get_databases()]
        if share_type in ("FOREIGN", "ALL"):
            owners = sorted({resource_catalog(grant.resource) or "" for grant, _ in self._received()})
            for owner in owners:
                databases += self._foreign_databases(owner)
        return ActionResult({"DatabaseList": databases})

    # -- resource policies
    def get_resource_policy(self) -> ActionResult:
        """A catalog or resource without a policy is ``EntityNotFoundException``, not an empty answer:
        https://docs.aws.amazon.com/glue/latest/webapi/API_GetResourcePolicy.html
        """
        arn = self.parameters.get("ResourceArn")
        answer = self.glue_backend.get_resource_policy(resource_arn=arn)
        if not answer:
            raise EntityNotFoundError("Policy not found.")
        return ActionResult(answer)

    # -- tables
    def get_table(self) -> ActionResult:
        owner, database = self._resolve_database(self._catalog(), self.parameters.get("DatabaseName"))
        name = str(self.parameters.get("Name"))
        if owner == self.current_account:
            return ActionResult({"Table": self._follow_table_link(self.glue_backend.get_table(database, name))})
        return ActionResult({"Table": self._foreign_table(owner, database, name)})

    def get_tables(self) -> ActionResult:
        owner, database = self._resolve_database(self._catalog(), self.parameters.get("DatabaseName"))
        expression = self.parameters.get("Expression")
        if owner == self.current_account:
            tables = self.glue_backend.get_tables(database, expression)
            return ActionResult({"TableList": [self._follow_table_link(table) for table in tables]})
        self._foreign_database(owner, database)
        visible = []
        for table in glue_backends[owner][self.region].get_tables(database, expression):
            access = catalog_access.table_access(
                account=self.current_account, owner=owner, database=database, table=table, region=self.region
            )
            if access is not None:
                visible.append(_with_columns(table, access))
        return ActionResult({"TableList": visible})

    def update_table(self) -> ActionResult:
        """UpdateTable with another account's ``CatalogId`` changes that catalog's table when the caller holds
        ALTER on it (a producer evolving its entry in the central catalog); moto would update the caller's
        own catalog. https://docs.aws.amazon.com/glue/latest/webapi/API_UpdateTable.html"""
        owner = self._catalog()
        if owner == self.current_account:
            return super().update_table()
        database = str(self.parameters.get("DatabaseName"))
        table_input = dict(self.parameters.get("TableInput") or {})
        name = str(table_input.get("Name"))
        find_table(owner, self.region, database, name)
        if not catalog_access.can_alter(
            account=self.current_account, owner=owner, database=database, table=name, region=self.region
        ):
            raise AccessDeniedError(f"Insufficient Lake Formation permission(s): Required Alter on {name}")
        glue_backends[owner][self.region].update_table(database, name, table_input)
        return EmptyResult()

    # -- helpers
    def _catalog(self) -> str:
        return str(self.parameters.get("CatalogId") or self.current_account)

    def _received(self) -> list[Any]:
        return list(received_grants(self.current_account, self.region))

    def _resolve_database(self, catalog: str, name: Any) -> tuple[str, str]:
        """Follow a local database resource link to the catalog and database it points at."""
        if catalog != self.current_account:
            return catalog, str(name)
        database = self.glue_backend.get_database(name)
        target = database.input.get("TargetDatabase")
        if target:
            return str(target.get("CatalogId") or self.current_account), str(target["DatabaseName"])
        return catalog, str(name)

    def _foreign_database(self, owner: str, name: Any) -> FakeDatabase:
        database = find_database(owner, self.region, str(name))
        if not catalog_access.can_see_database(
            account=self.current_account, owner=owner, database=database.name, region=self.region
        ):
            raise AccessDeniedError(f"Insufficient Lake Formation permission(s) on {database.name}")
        return database

    def _foreign_databases(self, owner: str) -> list[dict[str, Any]]:
        names = catalog_access.visible_databases(account=self.current_account, owner=owner, region=self.region)
        backend = glue_backends[owner][self.region]
        return [backend.databases[name].as_dict() for name in sorted(names) if name in backend.databases]

    def _foreign_table(self, owner: str, database: str, name: str) -> dict[str, Any]:
        table = find_table(owner, self.region, database, name)
        access = catalog_access.table_access(
            account=self.current_account, owner=owner, database=database, table=table, region=self.region
        )
        if access is None:
            raise AccessDeniedError(f"Insufficient Lake Formation permission(s) on {name}")
        return _with_columns(table, access)

    def _follow_database_link(self, database: FakeDatabase) -> dict[str, Any]:
        link = database.as_dict()
        target = database.input.get("TargetDatabase")
        if not target:
            return link
        owner = str(target.get("CatalogId") or self.current_account)
        try:
            if owner == self.current_account:
                resolved = self.glue_backend.get_database(target["DatabaseName"]).as_dict()
            else:
                resolved = self._foreign_database(owner, target["DatabaseName"]).as_dict()
        except JsonRESTError:
            # Without access to the target, AWS answers with the properties of the link alone.
            return link
        return {**resolved, "Name": link["Name"], "CatalogId": link["CatalogId"], "TargetDatabase": target}

    def _follow_table_link(self, table: FakeTable) -> dict[str, Any]:
        link = table.as_dict()
        target = link.get("TargetTable")
        if not target:
            return link
        owner = str(target.get("CatalogId") or self.current_account)
        try:
            if owner == self.current_account:
                resolved = self.glue_backend.get_table(target["DatabaseName"], target["Name"]).as_dict()
            else:
                resolved = self._foreign_table(owner, target["DatabaseName"], target["Name"])
        except JsonRESTError:
            return link
        return {**resolved, **{key: link[key] for key in _LINK_FIELDS if key in link}, "TargetTable": target}


def _with_columns(table: FakeTable, access: catalog_access.TableAccess) -> dict[str, Any]:
    """The table as the caller may see it: column grants hide the other columns."""
    result = copy.deepcopy(table.as_dict())
    if access.columns is None:
        return result
    descriptor = result.get("StorageDescriptor") or {}
    if "Columns" in descriptor:
        descriptor["Columns"] = [col for col in descriptor["Columns"] if col["Name"] in access.columns]
    if "PartitionKeys" in result:
        result["PartitionKeys"] = [col for col in result["PartitionKeys"] if col["Name"] in access.columns]
    return result


def _is_federated(database: FakeDatabase) -> bool:
    return bool((database.input or {}).get("FederatedDatabase"))
