"""Open Data Contract Standard (ODCS) v3: parse and validate a YAML contract, map it to a data product, and
export a product as a contract.

Validation uses the official ODCS JSON schema (vendored, see ``schemas/NOTICE.md``). Mapping, both ways:

========================================  ==============================================================
ODCS                                      MeshPortal
========================================  ==============================================================
``id`` (when it is a slug) / ``name``     product slug (stable address)
``name``                                  product name
``version``                               product version
``domain``                                domain (slug or name; must exist)
``team.id`` / ``team.name``               owner team (slug or name; must exist)
``description.purpose``                   summary (first line, 300 characters)
``description.usage``                     documentation (Markdown)
``description.limitations``               terms of use
``tags``                                  tags
``slaProperties`` ``latency`` (h/d)       freshness objective, hours
``slaProperties`` ``availability`` (%)    availability objective
``customProperties`` ``dataClassification``, ``criticality``   classification, criticality
``schema[0].properties[]``                columns: ``name``, ``physicalType`` (else ``logicalType``),
                                          ``description``, ``classification``, PII when ``tags`` has
                                          ``pii`` or a ``pii`` custom property is true
``servers[]`` of type ``glue``            output ports (export only)
========================================  ==============================================================
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from django.utils.text import slugify
from jsonschema import Draft201909Validator

from catalog.models import Classification, DataProduct

SCHEMA_FILE = Path(__file__).parent / "schemas" / "odcs-json-schema-v3.2.0.json"
EXPORT_API_VERSION = "v3.1.0"
MAX_YAML_BYTES = 512 * 1024
MAX_ERRORS = 25
# The largest number a contract may hold anywhere: PostgreSQL's bigint, and far beyond any SLA.
MAX_NUMBER = 2**63 - 1
MAX_FRESHNESS_HOURS = 24 * 366
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
STATUS_TO_ODCS = {"draft": "draft", "published": "active", "deprecated": "deprecated", "retired": "retired"}


class ContractInvalid(Exception):
    """The YAML is not a valid ODCS v3 contract; ``errors`` maps a location to what is wrong there."""

    def __init__(self, detail: str, errors: dict[str, list[str]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


@dataclass
class ContractData:
    """What a contract says about a data product, in MeshPortal's terms."""

    slug: str
    name: str
    version: str
    domain_ref: str = ""
    team_ref: str = ""
    summary: str = ""
    documentation: str = ""
    terms_of_use: str = ""
    tags: list[str] = field(default_factory=list)
    classification: str = ""
    criticality: str = ""
    freshness_slo_hours: int | None = None
    availability_slo: Decimal | None = None
    columns: list[dict[str, Any]] = field(default_factory=list)
    api_version: str = ""


class _NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: a small document cannot expand into a huge one ("billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not accepted in contracts", event.start_mark
            )
        return super().compose_node(parent, index)


def _require_if_discriminators(node: Any, in_if: bool = False) -> None:
    """Fix the vendored schema's conditionals on ``logicalType``: an ``if`` of the form
    ``{"properties": {"logicalType": {"const": "map"}}}`` without ``required`` also holds when ``logicalType``
    is absent (JSON Schema: ``properties`` only checks keys that are present), so a property with no logical
    type was asked for a ``map``. Requiring the discriminator key gives the intended meaning."""
    if isinstance(node, dict):
        props = node.get("properties")
        if in_if and isinstance(props, dict) and len(props) == 1 and "required" not in node:
            ((key, sub),) = props.items()
            if isinstance(sub, dict) and "const" in sub:
                node["required"] = [key]
        for key, value in node.items():
            _require_if_discriminators(value, in_if=key == "if" or (in_if and key in {"anyOf", "oneOf"}))
    elif isinstance(node, list):
        for item in node:
            _require_if_discriminators(item, in_if=in_if)


@cache
def _validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    _require_if_discriminators(schema)
    return Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)


def _jsonable(value: Any) -> Any:
    """YAML turns unquoted dates into date objects; the JSON schema expects strings."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _location(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _number_problems(value: Any, path: tuple[Any, ...], errors: dict[str, list[str]]) -> None:
    """YAML reads ``.inf``, ``.nan`` and ``1e999`` as floats that no database column, Decimal comparison or
    JSON document can hold: name each one, wherever it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            _number_problems(item, (*path, key), errors)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _number_problems(item, (*path, index), errors)
    elif isinstance(value, float) and not math.isfinite(value):
        errors.setdefault(_location(path), []).append(f"{value} is not a number MeshPortal can store.")
    elif isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
        errors.setdefault(_location(path), []).append(f"The number is too large (at most {MAX_NUMBER}).")


def parse_contract(yaml_text: str) -> dict[str, Any]:
    """The contract as a dict, or ``ContractInvalid`` listing every problem (YAML syntax or schema)."""
    if not isinstance(yaml_text, str) or not yaml_text.strip():
        raise ContractInvalid("The contract is empty.", {"yaml": ["Paste or upload an ODCS v3 YAML document."]})
    size = len(yaml_text.encode())
    if size > MAX_YAML_BYTES:
        raise ContractInvalid(
            f"The contract is {size // 1024} KB; the limit is {MAX_YAML_BYTES // 1024} KB.",
            {"yaml": [f"At most {MAX_YAML_BYTES // 1024} KB."]},
        )
    try:
        doc = yaml.load(yaml_text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContractInvalid(
            f"The contract is not valid YAML ({where}{problem}).", {"yaml": [f"{where}{problem}"]}
        ) from exc
    except RecursionError as exc:
        raise ContractInvalid("The contract is nested too deeply.", {"yaml": ["Nested too deeply."]}) from exc
    if not isinstance(doc, dict):
        raise ContractInvalid(
            "A contract is a YAML mapping (key: value) at the top level.",
            {"yaml": ["Expected a mapping at the top level."]},
        )
    doc = _jsonable(doc)
    api_version = doc.get("apiVersion")
    if not (isinstance(api_version, str) and api_version.startswith("v3.")):
        raise ContractInvalid(
            "Only ODCS v3 contracts are accepted (apiVersion v3.0.0 to v3.2.0).",
            {"apiVersion": [f"Expected v3.x, got {api_version!r}."]},
        )
    errors: dict[str, list[str]] = {}
    _number_problems(doc, (), errors)
    if errors:
        raise ContractInvalid(f"The contract holds {sum(map(len, errors.values()))} number(s) out of range.", errors)
    problems = sorted(_validator().iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for error in problems[:MAX_ERRORS]:
        message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        errors.setdefault(_location(error.absolute_path), []).append(message)
    if errors:
        more = f" (showing {MAX_ERRORS} of {len(problems)})" if len(problems) > MAX_ERRORS else ""
        raise ContractInvalid(
            f"The contract does not follow the ODCS {api_version} schema: {len(problems)} problem(s){more}.", errors
        )
    return doc


def _custom(props: list[dict[str, Any]] | None, name: str) -> Any:
    for item in props or []:
        if isinstance(item, dict) and item.get("property") == name:
            return item.get("value")
    return None


def _hours(value: Any, unit: str) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    unit = (unit or "h").lower()
    if unit in {"d", "day", "days"}:
        number *= 24
    elif unit in {"m", "min", "minute", "minutes"}:
        number /= 60
    if not math.isfinite(number):  # "inf" as a string, or 1e308 days
        return MAX_FRESHNESS_HOURS + 1
    return max(1, round(number))


def contract_to_data(doc: dict[str, Any]) -> ContractData:
    """Map a validated contract to product fields; ``ContractInvalid`` for what MeshPortal cannot hold."""
    errors: dict[str, list[str]] = {}
    name = str(doc.get("name") or doc.get("dataProduct") or doc["id"]).strip()[:200]
    slug = doc["id"] if SLUG_RE.match(str(doc["id"])) else slugify(doc.get("dataProduct") or name)[:120]
    description = doc.get("description") or {}
    team = doc.get("team")
    team_ref = str(team.get("id") or team.get("name") or "") if isinstance(team, dict) else ""
    data = ContractData(
        slug=slug,
        name=name,
        version=str(doc.get("version"))[:32],
        domain_ref=str(doc.get("domain") or ""),
        team_ref=team_ref,
        summary=str(description.get("purpose") or "").strip().split("\n")[0][:300],
        documentation=str(description.get("usage") or ""),
        terms_of_use=str(description.get("limitations") or ""),
        tags=[str(t) for t in doc.get("tags") or []],
        api_version=doc["apiVersion"],
    )
    classification = _custom(doc.get("customProperties"), "dataClassification")
    if classification is not None:
        if classification not in Classification.values:
            errors.setdefault("customProperties.dataClassification", []).append(
                f"{classification!r} is not one of {', '.join(Classification.values)}."
            )
        else:
            data.classification = classification
    criticality = _custom(doc.get("customProperties"), "criticality")
    if criticality is not None:
        if criticality not in DataProduct.Criticality.values:
            errors.setdefault("customProperties.criticality", []).append(
                f"{criticality!r} is not one of {', '.join(DataProduct.Criticality.values)}."
            )
        else:
            data.criticality = criticality
    for i, sla in enumerate(doc.get("slaProperties") or []):
        prop = str(sla.get("property", "")).lower()
        where = f"slaProperties[{i}].value"
        if prop in {"latency", "freshness"}:
            hours = _hours(sla.get("value"), str(sla.get("unit") or "h"))
            if hours is not None and hours > MAX_FRESHNESS_HOURS:
                errors.setdefault(where, []).append("A freshness objective is at most a year.")
            data.freshness_slo_hours = hours
        elif prop == "availability":
            try:
                availability = Decimal(str(sla.get("value")))
            except ArithmeticError:
                errors.setdefault(where, []).append("Expected a percentage.")
            else:
                if availability.is_finite() and 0 <= availability <= 100:
                    data.availability_slo = availability
                else:
                    errors.setdefault(where, []).append("Expected a percentage between 0 and 100.")
    schema = doc.get("schema") or []
    if len(schema) > 1:
        errors.setdefault("schema", []).append(
            f"The contract describes {len(schema)} tables; a MeshPortal data product holds one. "
            "Split it into one contract per table."
        )
    elif schema:
        for i, prop in enumerate(schema[0].get("properties") or []):
            classification = prop.get("classification") or ""
            if classification and classification not in Classification.values:
                errors.setdefault(f"schema[0].properties[{i}].classification", []).append(
                    f"{classification!r} is not one of {', '.join(Classification.values)}."
                )
            tags = [str(t).lower() for t in prop.get("tags") or []]
            data.columns.append(
                {
                    "name": prop["name"],
                    "data_type": prop.get("physicalType") or prop.get("logicalType") or "string",
                    "description": prop.get("description") or "",
                    "classification": classification if classification in Classification.values else "",
                    "is_pii": "pii" in tags or _custom(prop.get("customProperties"), "pii") is True,
                }
            )
    if errors:
        raise ContractInvalid("The contract is valid ODCS but MeshPortal cannot hold it as it is.", errors)
    return data


# --- export -----------------------------------------------------------------------------------------------

_LOGICAL_TYPES = [
    (re.compile(r"^(string|varchar|char|text)"), "string"),
    (re.compile(r"^(int|integer|bigint|smallint|tinyint|long)"), "integer"),
    (re.compile(r"^(double|float|decimal|numeric|real)"), "number"),
    (re.compile(r"^(boolean|bool)"), "boolean"),
    (re.compile(r"^timestamp"), "timestamp"),
    (re.compile(r"^date"), "date"),
    (re.compile(r"^array"), "array"),
    (re.compile(r"^(struct|object)"), "object"),
    (re.compile(r"^map"), "map"),
]


def logical_type(data_type: str) -> str | None:
    value = data_type.strip().lower()
    return next((logical for pattern, logical in _LOGICAL_TYPES if pattern.match(value)), None)


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def product_to_contract(product: DataProduct) -> dict[str, Any]:
    """The product as an ODCS document. Uses the product's prefetched tags, columns and ports when present."""
    columns = list(product.columns.all())
    properties = []
    for col in columns:
        prop = _drop_empty(
            {
                "name": col.name,
                "physicalName": col.name,
                "physicalType": col.data_type,
                "logicalType": logical_type(col.data_type),
                "description": col.description,
                "classification": col.classification,
                "tags": ["pii"] if col.is_pii else [],
            }
        )
        properties.append(prop)
    ports = list(product.output_ports.all())
    table = next((p.table_name for p in ports if p.table_name), "") or product.slug.replace("-", "_")
    servers = []
    for port in ports:
        server = {"server": port.name, "type": "glue", "account": port.catalog_id, "database": port.database_name}
        if port.s3_location.startswith("s3://"):
            server["location"] = port.s3_location
        if port.description:
            server["description"] = port.description
        servers.append(server)
    sla = []
    if product.freshness_slo_hours:
        sla.append({"property": "latency", "value": product.freshness_slo_hours, "unit": "h"})
    if product.availability_slo is not None:
        sla.append({"property": "availability", "value": float(product.availability_slo), "unit": "%"})
    custom = [{"property": "criticality", "value": product.criticality}]
    if product.classification:
        custom.insert(0, {"property": "dataClassification", "value": product.classification})
    doc = {
        "apiVersion": EXPORT_API_VERSION,
        "kind": "DataContract",
        "id": product.slug,
        "name": product.name,
        "version": product.version,
        "status": STATUS_TO_ODCS.get(product.status, product.status),
        "domain": product.domain.slug,
        "dataProduct": product.name,
        "description": _drop_empty(
            {"purpose": product.summary, "usage": product.documentation, "limitations": product.terms_of_use}
        ),
        "tags": [t.name for t in product.tags.all()],
        "team": {"id": product.owner_team.slug, "name": product.owner_team.name} if product.owner_team else None,
        "servers": servers,
        "schema": [
            _drop_empty(
                {
                    "name": table,
                    "physicalName": table,
                    "physicalType": "table",
                    "logicalType": "object",
                    "description": product.summary,
                    "properties": properties,
                }
            )
        ],
        "slaProperties": sla,
        "customProperties": custom,
    }
    return _drop_empty(doc)


def contract_yaml(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
