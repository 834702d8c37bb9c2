"""Catalog services: every write to domains, data products, schemas, ports, contracts and harvests.

Keyword-only, typed, one transaction each, with its audit event (STYLE.md §2, §5). Split by subject:
``domains``, ``products`` (create, update, lifecycle, quality), ``schema`` (columns, governance override),
``ports`` (output ports), ``contracts`` (ODCS import) and ``harvest`` (Glue harvest and schema proposals);
``common`` holds the limits, validation and checks they share.
"""

from catalog.services.common import MAX_DOCUMENTATION_BYTES
from catalog.services.contracts import ContractImport, PortOutcome, TableOutcome, contract_import
from catalog.services.domains import domain_create, domain_update
from catalog.services.harvest import (
    harvest_run,
    harvest_start,
    schema_apply_harvest,
    schema_discard_harvest,
)
from catalog.services.ports import port_create, port_record_reading, port_table_changed
from catalog.services.products import (
    product_create,
    product_deprecate,
    product_publish,
    product_record_quality,
    product_retire,
    product_update,
)
from catalog.services.schema import column_update_many, columns_replace, governance_override, schema_diff

__all__ = [
    "MAX_DOCUMENTATION_BYTES",
    "ContractImport",
    "PortOutcome",
    "TableOutcome",
    "column_update_many",
    "columns_replace",
    "contract_import",
    "domain_create",
    "domain_update",
    "governance_override",
    "harvest_run",
    "harvest_start",
    "port_create",
    "port_record_reading",
    "port_table_changed",
    "product_create",
    "product_deprecate",
    "product_publish",
    "product_record_quality",
    "product_retire",
    "product_update",
    "schema_apply_harvest",
    "schema_diff",
    "schema_discard_harvest",
]
