"""Data contracts: Open Data Contract Standard (ODCS) v3 import/export and Open Data Product Standard (ODPS) v1.0
export. The JSON schemas are vendored under ``schemas/`` (see its NOTICE.md)."""

from catalog.contracts.odcs import (
    MAX_YAML_BYTES,
    PORTAL_OWNED_FIELDS,
    ContractData,
    ContractInvalid,
    contract_to_data,
    contract_yaml,
    merge_portal_fields,
    parse_contract,
    product_to_contract,
    validate_contract,
)
from catalog.contracts.odps import odps_validator, product_to_odps
from catalog.contracts.types import glue_logical_type

__all__ = [
    "MAX_YAML_BYTES",
    "PORTAL_OWNED_FIELDS",
    "ContractData",
    "ContractInvalid",
    "contract_to_data",
    "contract_yaml",
    "glue_logical_type",
    "merge_portal_fields",
    "odps_validator",
    "parse_contract",
    "product_to_contract",
    "product_to_odps",
    "validate_contract",
]
