"""Glue/Hive column types as ODCS ``logicalType`` values, for the ODCS version a contract is written in.

The Glue types are Hive's (https://docs.aws.amazon.com/athena/latest/ug/data-types.html and
https://cwiki.apache.org/confluence/display/Hive/LanguageManual+Types). ODCS logical types per version
(``SchemaBaseProperty.logicalType`` in each vendored schema):

* v3.0.x: string, date, number, integer, object, array, boolean (a timestamp is a ``date``);
* v3.1.x: adds ``timestamp`` and ``time``;
* v3.2.x: adds ``map``.

The Glue type itself always goes to ``physicalType`` unchanged; ``logicalType`` is the closest portable type.
``interval`` has no ODCS type of its own: it is written as a string (its ISO 8601 duration text), never as
an integer (the unit would be lost).
"""

from __future__ import annotations

import re
from typing import Any

# (pattern on the lower-cased Glue type, its logical type in the newest ODCS version)
_GLUE_TO_LOGICAL: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(string|varchar|char|text)\b"), "string"),
    (re.compile(r"^(tinyint|smallint|int|integer|bigint|long)\b"), "integer"),
    (re.compile(r"^(float|double|real|decimal|numeric)\b"), "number"),
    (re.compile(r"^(boolean|bool)\b"), "boolean"),
    (re.compile(r"^timestamp\b"), "timestamp"),
    (re.compile(r"^date\b"), "date"),
    (re.compile(r"^time\b"), "time"),
    (re.compile(r"^interval\b"), "string"),
    (re.compile(r"^(binary|varbinary)\b"), "string"),
    (re.compile(r"^array\s*<"), "array"),
    (re.compile(r"^struct\s*<"), "object"),
    (re.compile(r"^map\s*<"), "map"),
    (re.compile(r"^uniontype\s*<"), "object"),
)

# The logical types each ODCS minor version defines, and what a newer type becomes in an older version.
_LOGICAL_TYPES_BY_MINOR: dict[tuple[int, int], frozenset[str]] = {
    (3, 0): frozenset({"string", "date", "number", "integer", "object", "array", "boolean"}),
    (3, 1): frozenset({"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean"}),
    (3, 2): frozenset(
        {"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean", "map"}
    ),
}
_DOWNGRADE = {"map": "object", "timestamp": "date", "time": "string"}
_VERSION_RE = re.compile(r"^v?(\d+)\.(\d+)")


def _minor(api_version: str) -> tuple[int, int]:
    match = _VERSION_RE.match(api_version)
    minor = (int(match[1]), int(match[2])) if match else (3, 2)
    return minor if minor in _LOGICAL_TYPES_BY_MINOR else max(_LOGICAL_TYPES_BY_MINOR)


def glue_logical_type(glue_type: str, api_version: str) -> str | None:
    """The ODCS logical type of a Glue/Hive column type under ``api_version``; ``None`` for a type ODCS cannot
    say anything useful about (the contract then carries the ``physicalType`` alone)."""
    value = glue_type.strip().lower()
    logical = next((logical for pattern, logical in _GLUE_TO_LOGICAL if pattern.match(value)), None)
    allowed = _LOGICAL_TYPES_BY_MINOR[_minor(api_version)]
    while logical is not None and logical not in allowed:
        logical = _DOWNGRADE.get(logical)
    return logical


def _map_arguments(glue_type: str) -> tuple[str, str] | None:
    """``K`` and ``V`` of ``map<K,V>`` (split at the top-level comma: ``V`` may itself hold commas)."""
    value = glue_type.strip()
    open_at = value.find("<")
    if open_at < 0 or not value.endswith(">"):
        return None
    inner, depth = value[open_at + 1 : -1], 0
    for index, char in enumerate(inner):
        depth += {"<": 1, ">": -1, "(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            return inner[:index].strip(), inner[index + 1 :].strip()
    return None


def glue_type_fields(glue_type: str, api_version: str) -> dict[str, Any]:
    """The ODCS property fields that describe a Glue/Hive column type under ``api_version``: ``logicalType``
    and, for a v3.2 ``map``, the ``map`` key/value definitions that version requires (RFC 0030)."""
    logical = glue_logical_type(glue_type, api_version)
    fields: dict[str, Any] = {"logicalType": logical} if logical else {}
    if logical == "map" and (arguments := _map_arguments(glue_type)):
        key, value = arguments
        fields["map"] = {
            "key": {"physicalType": key, **glue_type_fields(key, api_version)},
            "value": {"physicalType": value, **glue_type_fields(value, api_version)},
        }
    elif logical == "map":  # a bare "map" without its types: say no more than the version allows
        fields["logicalType"] = "object"
    return fields
