"""Data contracts: Open Data Contract Standard (ODCS) v3 import/export and Open Data Product Standard (ODPS) v1.0
export. The JSON schemas are vendored under ``schemas/`` (see its NOTICE.md)."""

from catalog.contracts.odcs import (
    MAX_YAML_BYTES,
    ContractData,
    ContractInvalid,
    contract_to_data,
    contract_yaml,
    parse_contract,
    product_to_contract,
)
from catalog.contracts.odps import odps_validator, product_to_odps

__all__ = [
    "MAX_YAML_BYTES",
    "ContractData",
    "ContractInvalid",
    "contract_to_data",
    "contract_yaml",
    "odps_validator",
    "parse_contract",
    "product_to_contract",
    "product_to_odps",
]
