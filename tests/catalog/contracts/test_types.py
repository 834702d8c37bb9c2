"""Glue/Hive column types as ODCS logical types, valid under each ODCS version (catalog/contracts/types.py)."""

from __future__ import annotations

import json

import pytest

from catalog.contracts.odcs import SCHEMA_FILES, SCHEMAS_DIR
from catalog.contracts.types import glue_logical_type, glue_type_fields

# Glue/Hive type -> logical type under v3.0.x, v3.1.0, v3.2.0
CASES = [
    ("string", "string", "string", "string"),
    ("char(10)", "string", "string", "string"),
    ("varchar(255)", "string", "string", "string"),
    ("tinyint", "integer", "integer", "integer"),
    ("smallint", "integer", "integer", "integer"),
    ("int", "integer", "integer", "integer"),
    ("integer", "integer", "integer", "integer"),
    ("bigint", "integer", "integer", "integer"),
    ("float", "number", "number", "number"),
    ("double", "number", "number", "number"),
    ("decimal(10,2)", "number", "number", "number"),
    ("decimal", "number", "number", "number"),
    ("boolean", "boolean", "boolean", "boolean"),
    ("date", "date", "date", "date"),
    ("timestamp", "date", "timestamp", "timestamp"),
    ("timestamp with time zone", "date", "timestamp", "timestamp"),
    ("interval day to second", "string", "string", "string"),
    ("interval year to month", "string", "string", "string"),
    ("binary", "string", "string", "string"),
    ("array<string>", "array", "array", "array"),
    ("array<struct<a:int>>", "array", "array", "array"),
    ("struct<street:string,zip:int>", "object", "object", "object"),
    ("map<string,int>", "object", "object", "map"),
    ("MAP<STRING, ARRAY<INT>>", "object", "object", "map"),
    ("uniontype<int,string>", "object", "object", "object"),
    ("geometry", None, None, None),
]


def _allowed_logical_types(version: str) -> set[str]:
    schema = json.loads((SCHEMAS_DIR / SCHEMA_FILES[version]).read_text(encoding="utf-8"))
    return set(schema["$defs"]["SchemaBaseProperty"]["properties"]["logicalType"]["enum"])


@pytest.mark.parametrize(("glue_type", "v30", "v31", "v32"), CASES)
def test_glue_type_maps_to_a_logical_type_valid_in_each_version(glue_type, v30, v31, v32):
    for version, expected in (("v3.0.2", v30), ("v3.1.0", v31), ("v3.2.0", v32)):
        logical = glue_logical_type(glue_type, version)
        assert logical == expected, (glue_type, version)
        assert logical is None or logical in _allowed_logical_types(version)


def test_every_version_has_the_logical_types_the_mapping_assumes():
    assert "map" not in _allowed_logical_types("v3.1.0")
    assert "timestamp" not in _allowed_logical_types("v3.0.2")
    assert {"map", "timestamp", "time"} <= _allowed_logical_types("v3.2.0")


@pytest.mark.parametrize(
    ("glue_type", "version", "expected"),
    [
        ("map<string,int>", "v3.1.0", {"logicalType": "object"}),
        (
            "map<string,int>",
            "v3.2.0",
            {
                "logicalType": "map",
                "map": {
                    "key": {"physicalType": "string", "logicalType": "string"},
                    "value": {"physicalType": "int", "logicalType": "integer"},
                },
            },
        ),
        (
            "map<string,map<string,decimal(10,2)>>",
            "v3.2.0",
            {
                "logicalType": "map",
                "map": {
                    "key": {"physicalType": "string", "logicalType": "string"},
                    "value": {
                        "physicalType": "map<string,decimal(10,2)>",
                        "logicalType": "map",
                        "map": {
                            "key": {"physicalType": "string", "logicalType": "string"},
                            "value": {"physicalType": "decimal(10,2)", "logicalType": "number"},
                        },
                    },
                },
            },
        ),
        ("geometry", "v3.2.0", {}),
    ],
)
def test_glue_type_fields_carry_what_the_version_requires(glue_type, version, expected):
    assert glue_type_fields(glue_type, version) == expected
