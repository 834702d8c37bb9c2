"""Open Data Contract Standard (ODCS) v3: parse and validate a YAML contract against the official schema of its
own ``apiVersion``, map it to a data product, and export a product as a contract without losing what it said.

Validation uses the official ODCS JSON schemas, one per version (vendored, see ``schemas/NOTICE.md``).

Import reads (everything else is kept in the stored document, untouched):

========================================  ==============================================================
ODCS                                      MeshPortal
========================================  ==============================================================
``id``                                    ``DataProduct.contract_id`` (stable; same id = same product);
                                          also the slug when it is one, else a slug of the name
``name``                                  product name
``version``                               product version
``domain``                                domain (slug or name), unless the import maps it
``team.id`` / ``team.name`` (object),     owner team (slug or name), unless the import maps it
customProperties ``owningTeam``
``description.purpose``                   summary (first line, 300 characters)
``description.usage``                     documentation (Markdown)
``description.limitations``               terms of use
``tags``                                  tags
``slaProperties`` ``latency`` (h/d)       freshness objective, hours
``slaProperties`` ``availability`` (%)    availability objective
``customProperties`` ``dataClassification``, ``criticality``   classification, criticality
``schema[].properties[]``                 columns (every table's, once per name): ``name``,
                                          ``physicalType`` (else ``logicalType``), ``description``,
                                          ``classification``, PII when ``tags`` has ``pii`` or a ``pii``
                                          custom property is true
========================================  ==============================================================

Export starts from the stored document of the latest import and writes back only what the portal owns
(``PORTAL_OWNED_FIELDS``) and only where the portal's value differs from what the contract said; a product
without a contract is exported from scratch as ``EXPORT_API_VERSION``.
"""

from __future__ import annotations

import copy
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

from catalog.contracts.types import glue_type_fields
from catalog.models import Classification, DataProduct

SCHEMAS_DIR = Path(__file__).parent / "schemas"
# Each ODCS version's official schema; a contract is validated against its own apiVersion's.
SCHEMA_FILES = {
    "v3.0.0": "odcs-json-schema-v3.0.0.json",
    "v3.0.1": "odcs-json-schema-v3.0.1.json",
    "v3.0.2": "odcs-json-schema-v3.0.2.json",
    "v3.1.0": "odcs-json-schema-v3.1.0.json",
    "v3.2.0": "odcs-json-schema-v3.2.0.json",
}
EXPORT_API_VERSION = "v3.2.0"
MAX_YAML_BYTES = 512 * 1024
MAX_ERRORS = 25
# The largest number a contract may hold anywhere: PostgreSQL's bigint, and far beyond any SLA.
MAX_NUMBER = 2**63 - 1
MAX_FRESHNESS_HOURS = 24 * 366
MAX_CONTRACT_ID = 255
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")
STATUS_TO_ODCS = {"draft": "draft", "published": "active", "deprecated": "deprecated", "retired": "retired"}
OWNING_TEAM_PROPERTY = "owningTeam"
# What the portal writes into an exported contract (JSON-path-like, documented in the README). Everything else
# is the imported document, unchanged.
PORTAL_OWNED_FIELDS = (
    "name",
    "version",
    "status (once published: active, deprecated, retired)",
    "domain",
    "description.purpose",
    "description.usage",
    "description.limitations",
    "tags",
    "team.id",
    "team.name",
    "customProperties[owningTeam]",
    "customProperties[dataClassification]",
    "customProperties[criticality]",
    "slaProperties[latency]",
    "slaProperties[availability]",
    "schema[].properties[].classification",
    "schema[].properties[].tags (the pii tag)",
    "schema[0].properties (columns the portal has and the contract lacks are appended)",
    "schema[].properties (columns the portal no longer has are removed)",
    "servers (one glue server per output port the contract does not name)",
)


class ContractInvalid(Exception):
    """The YAML is not a valid ODCS v3 contract; ``errors`` maps a location to what is wrong there."""

    def __init__(self, detail: str, errors: dict[str, list[str]]) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


@dataclass
class ContractTable:
    """One ``schema`` object of a contract: a table (or topic, view...) and the columns it lists."""

    name: str
    physical_name: str
    physical_type: str
    column_names: list[str] = field(default_factory=list)


@dataclass
class ContractData:
    """What a contract says about a data product, in MeshPortal's terms."""

    contract_id: str
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
    tables: list[ContractTable] = field(default_factory=list)
    api_version: str = ""


# LibYAML (C) when PyYAML was built with it: a 200 KB contract loads in a tenth of the pure-Python time.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse_aliases(yaml_text: str) -> None:
    """YAML without aliases: a small document cannot expand into a huge one ("billion laughs"). Anchors alone
    (``&name``) are harmless and accepted; the first alias (``*name``) refuses the document, before any of it
    is composed."""
    for event in yaml.parse(yaml_text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
            raise ContractInvalid(
                f"YAML aliases (*name) are not accepted in contracts ({where}): write the repeated part out in "
                "full. Anchors alone (&name) are fine.",
                {"yaml": [f"{where}: an alias (*{event.anchor}); aliases are not accepted."]},
            )


def _require_if_discriminators(node: Any, in_if: bool = False) -> None:
    """Fix the vendored schemas' conditionals on ``logicalType``: an ``if`` of the form
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


def schema_version_for(api_version: str) -> str | None:
    """The vendored schema a contract of ``api_version`` is validated against: its own version's, or for a
    patch release without a published schema of its own, the latest published one of the same minor version."""
    if api_version in SCHEMA_FILES:
        return api_version
    match = re.match(r"^(v\d+\.\d+)\.\d+$", api_version)
    same_minor = [v for v in SCHEMA_FILES if match and v.startswith(match[1] + ".")]
    return max(same_minor, key=lambda v: int(v.rsplit(".", 1)[1])) if same_minor else None


@cache
def validator_for(schema_version: str) -> Draft201909Validator:
    schema = json.loads((SCHEMAS_DIR / SCHEMA_FILES[schema_version]).read_text(encoding="utf-8"))
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


def load_yaml(yaml_text: str) -> Any:
    """The YAML document as Python data, or ``ContractInvalid`` saying what is wrong and where."""
    try:
        _refuse_aliases(yaml_text)
        return yaml.load(yaml_text, Loader=_SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContractInvalid(
            f"The contract is not valid YAML ({where}{problem}).", {"yaml": [f"{where}{problem}"]}
        ) from exc
    except RecursionError as exc:
        raise ContractInvalid("The contract is nested too deeply.", {"yaml": ["Nested too deeply."]}) from exc


def validate_contract(doc: dict[str, Any]) -> str:
    """Check ``doc`` against the official schema of its own ``apiVersion``; the schema version used, or
    ``ContractInvalid`` naming that version and every problem."""
    api_version = doc.get("apiVersion")
    schema_version = schema_version_for(api_version) if isinstance(api_version, str) else None
    if schema_version is None:
        supported = ", ".join(SCHEMA_FILES)
        raise ContractInvalid(
            f"Only ODCS v3 contracts are accepted (apiVersion {supported}, or a later patch of v3.0 to v3.2).",
            {"apiVersion": [f"Expected one of {supported}, got {api_version!r}."]},
        )
    errors: dict[str, list[str]] = {}
    _number_problems(doc, (), errors)
    if errors:
        raise ContractInvalid(f"The contract holds {sum(map(len, errors.values()))} number(s) out of range.", errors)
    problems = sorted(
        validator_for(schema_version).iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message)
    )
    for error in problems[:MAX_ERRORS]:
        message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        errors.setdefault(_location(error.absolute_path), []).append(message)
    if errors:
        more = f" (showing {MAX_ERRORS} of {len(problems)})" if len(problems) > MAX_ERRORS else ""
        raise ContractInvalid(
            f"The contract (apiVersion {api_version}) does not follow the official ODCS {schema_version} schema: "
            f"{len(problems)} problem(s){more}.",
            errors,
        )
    return schema_version


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
    doc = load_yaml(yaml_text)
    if not isinstance(doc, dict):
        raise ContractInvalid(
            "A contract is a YAML mapping (key: value) at the top level.",
            {"yaml": ["Expected a mapping at the top level."]},
        )
    doc = _jsonable(doc)
    validate_contract(doc)
    return doc


def _custom(props: Any, name: str) -> Any:
    for item in props if isinstance(props, list) else []:
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


def team_ref(doc: dict[str, Any]) -> str:
    """The owner team a contract names: ``team.id``/``team.name`` (the v3.1+ team object) or the portal's own
    ``owningTeam`` custom property (where the contract's ``team`` is a v3.0 member list)."""
    owning = _custom(doc.get("customProperties"), OWNING_TEAM_PROPERTY)
    if isinstance(owning, str) and owning:
        return owning
    team = doc.get("team")
    return str(team.get("id") or team.get("name") or "") if isinstance(team, dict) else ""


def _column_classification(value: Any) -> str:
    """A column's classification when it is one MeshPortal knows; other values stay in the document only."""
    text = str(value or "").lower()
    return text if text in Classification.values else ""


def _columns_and_tables(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], list[ContractTable]]:
    """Every table's columns, each name once (a column several tables share is PII if any of them says so, and
    takes the most sensitive classification), and the tables themselves."""
    columns: dict[str, dict[str, Any]] = {}
    tables = []
    for obj in doc.get("schema") or []:
        table = ContractTable(
            name=str(obj.get("name") or ""),
            physical_name=str(obj.get("physicalName") or obj.get("name") or ""),
            physical_type=str(obj.get("physicalType") or ""),
        )
        tables.append(table)
        for prop in obj.get("properties") or []:
            name = str(prop.get("name") or prop.get("physicalName") or "")[:255]
            if not name:
                continue
            table.column_names.append(name)
            tags = [str(t).lower() for t in prop.get("tags") or []]
            column: dict[str, Any] = {
                "name": name,
                "data_type": str(prop.get("physicalType") or prop.get("logicalType") or "string")[:255],
                "description": str(prop.get("description") or ""),
                "classification": _column_classification(prop.get("classification")),
                "is_pii": "pii" in tags or _custom(prop.get("customProperties"), "pii") is True,
            }
            seen = columns.get(name)
            if seen is None:
                columns[name] = column
                continue
            seen["is_pii"] = seen["is_pii"] or column["is_pii"]
            if Classification.rank(column["classification"]) > Classification.rank(seen["classification"]):
                seen["classification"] = column["classification"]
    return list(columns.values()), tables


def contract_to_data(doc: dict[str, Any]) -> ContractData:
    """Map a validated contract to product fields; ``ContractInvalid`` for what MeshPortal cannot hold."""
    errors: dict[str, list[str]] = {}
    contract_id = str(doc["id"]).strip()
    if not contract_id or len(contract_id) > MAX_CONTRACT_ID:
        errors.setdefault("id", []).append(f"A contract id of 1 to {MAX_CONTRACT_ID} characters.")
    name = str(doc.get("name") or doc.get("dataProduct") or contract_id).strip()[:200]
    slug = contract_id if SLUG_RE.match(contract_id) else (slugify(name)[:111].strip("-") or "contract")
    description: dict[str, Any] = doc["description"] if isinstance(doc.get("description"), dict) else {}
    columns, tables = _columns_and_tables(doc)
    data = ContractData(
        contract_id=contract_id,
        slug=slug,
        name=name,
        version=str(doc.get("version"))[:32],
        domain_ref=str(doc.get("domain") or ""),
        team_ref=team_ref(doc),
        summary=str(description.get("purpose") or "").strip().split("\n")[0][:300],
        documentation=str(description.get("usage") or ""),
        terms_of_use=str(description.get("limitations") or ""),
        tags=[str(t) for t in doc.get("tags") or []],
        api_version=doc["apiVersion"],
        columns=columns,
        tables=tables,
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
                availability = Decimal(str(sla.get("value")).rstrip("%").strip())
            except ArithmeticError:
                errors.setdefault(where, []).append("Expected a percentage.")
            else:
                if availability.is_finite() and 0 <= availability <= 100:
                    data.availability_slo = availability
                else:
                    errors.setdefault(where, []).append("Expected a percentage between 0 and 100.")
    if errors:
        raise ContractInvalid("The contract is valid ODCS but MeshPortal cannot hold it as it is.", errors)
    return data


# --- export -----------------------------------------------------------------------------------------------


def _drop_empty(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v not in (None, "", [], {})}


def _glue_servers(product: DataProduct, known: set[str]) -> list[dict[str, Any]]:
    servers = []
    for port in product.output_ports.all():
        if port.name in known:
            continue
        server = {"server": port.name, "type": "glue", "account": port.catalog_id, "database": port.database_name}
        if port.s3_location.startswith("s3://"):
            server["location"] = port.s3_location
        if port.description:
            server["description"] = port.description
        servers.append(server)
    return servers


def _property_for(column: Any, api_version: str) -> dict[str, Any]:
    return _drop_empty(
        {
            "name": column.name,
            "physicalName": column.name,
            "physicalType": column.data_type,
            **glue_type_fields(column.data_type, api_version),
            "description": column.description,
            "classification": column.classification,
            "tags": ["pii"] if column.is_pii else [],
        }
    )


def _fresh_contract(product: DataProduct) -> dict[str, Any]:
    """A contract for a product that was never imported from one."""
    columns = list(product.columns.all())
    ports = list(product.output_ports.all())
    table = next((p.table_name for p in ports if p.table_name), "") or product.slug.replace("-", "_")
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
        "id": product.contract_id or product.slug,
        "name": product.name,
        "version": product.version,
        "status": STATUS_TO_ODCS.get(product.status, product.status),
        "domain": product.domain.slug,
        "description": _drop_empty(
            {"purpose": product.summary, "usage": product.documentation, "limitations": product.terms_of_use}
        ),
        "tags": [t.name for t in product.tags.all()],
        "team": {"id": product.owner_team.slug, "name": product.owner_team.name} if product.owner_team else None,
        "servers": _glue_servers(product, set()),
        "schema": [
            _drop_empty(
                {
                    "name": table,
                    "physicalName": table,
                    "physicalType": "table",
                    "logicalType": "object",
                    "description": product.summary,
                    "properties": [_property_for(col, EXPORT_API_VERSION) for col in columns],
                }
            )
        ],
        "slaProperties": sla,
        "customProperties": custom,
    }
    return _drop_empty(doc)


def _set_custom(doc: dict[str, Any], name: str, value: Any) -> None:
    """Set (or, for ``None``, remove) the top-level custom property ``name``, keeping the others in order."""
    props = [p for p in doc.get("customProperties") or [] if not (isinstance(p, dict) and p.get("property") == name)]
    index = next(
        (
            i
            for i, p in enumerate(doc.get("customProperties") or [])
            if isinstance(p, dict) and p.get("property") == name
        ),
        len(props),
    )
    if value is not None:
        props.insert(index, {"property": name, "value": value})
    if props:
        doc["customProperties"] = props
    else:
        doc.pop("customProperties", None)


def _set_sla(doc: dict[str, Any], names: set[str], entry: dict[str, Any] | None) -> None:
    """Replace the SLA entry whose property is one of ``names`` (keeping its other keys), or remove it."""
    slas = doc.get("slaProperties") or []
    index = next((i for i, s in enumerate(slas) if str(s.get("property", "")).lower() in names), None)
    if index is None:
        if entry is not None:
            doc["slaProperties"] = [*slas, entry]
        return
    if entry is None:
        del slas[index]
        if not slas:
            doc.pop("slaProperties", None)
        return
    kept = {k: v for k, v in slas[index].items() if k not in {"value", "unit", "valueExt"}}
    slas[index] = {**kept, **entry}


def _refers_to(ref: str, slug: str, name: str) -> bool:
    return bool(ref) and (ref == slug or ref.lower() == name.lower())


def _merge_owner(doc: dict[str, Any], product: DataProduct, said: ContractData) -> None:
    team = product.owner_team
    if team is None or _refers_to(said.team_ref, team.slug, team.name):
        return
    if isinstance(doc.get("team"), dict):
        if "id" in doc["team"]:
            doc["team"]["id"] = team.slug
        doc["team"]["name"] = team.name
        _set_custom(doc, OWNING_TEAM_PROPERTY, None)
    elif "team" not in doc and not doc["apiVersion"].startswith("v3.0."):
        doc["team"] = {"name": team.name}
    else:  # a v3.0 member list: ODCS v3.0 has no field for the owning team itself
        _set_custom(doc, OWNING_TEAM_PROPERTY, team.slug)


def _merge_columns(doc: dict[str, Any], product: DataProduct, said: ContractData) -> None:
    said_columns = {c["name"]: c for c in said.columns}
    columns = list(product.columns.all())
    by_name = {c.name: c for c in columns}
    for obj in doc.get("schema") or []:
        if "properties" in obj:
            # A column the contract listed and the portal no longer has (a re-harvest dropped it) goes too.
            obj["properties"] = [
                p
                for p in obj["properties"]
                if (name := str(p.get("name") or p.get("physicalName") or "")[:255]) in by_name
                or name not in said_columns
            ]
        for prop in obj.get("properties") or []:
            name = str(prop.get("name") or prop.get("physicalName") or "")[:255]
            column, before = by_name.get(name), said_columns.get(name)
            if column is None or before is None:
                continue
            if column.classification != before["classification"]:
                if column.classification:
                    prop["classification"] = column.classification
                else:
                    prop.pop("classification", None)
            if column.is_pii != before["is_pii"]:
                tags = [t for t in prop.get("tags") or [] if str(t).lower() != "pii"]
                prop["tags"] = [*tags, "pii"] if column.is_pii else tags
                if not prop["tags"]:
                    del prop["tags"]
    new = [c for c in columns if c.name not in said_columns]
    if new:
        if not doc.get("schema"):
            table = product.slug.replace("-", "_")
            doc["schema"] = [{"name": table, "physicalName": table, "physicalType": "table", "logicalType": "object"}]
        first = doc["schema"][0]
        first["properties"] = [*(first.get("properties") or []), *(_property_for(c, doc["apiVersion"]) for c in new)]


def merge_portal_fields(original: dict[str, Any], product: DataProduct) -> dict[str, Any]:
    """The imported document with what the portal owns written back where it differs from what the contract
    said (``PORTAL_OWNED_FIELDS``); every other field, unknown ones included, is returned unchanged."""
    doc = copy.deepcopy(original)
    said = contract_to_data(original)
    if product.name != said.name:
        doc["name"] = product.name
    if product.version != said.version:
        doc["version"] = product.version
    if product.status != DataProduct.Status.DRAFT:  # a draft keeps the status its contract states
        doc["status"] = STATUS_TO_ODCS.get(product.status, product.status)
    description = doc["description"] if isinstance(doc.get("description"), dict) else {}
    for key, value, before in (
        ("purpose", product.summary, said.summary),
        ("usage", product.documentation, said.documentation),
        ("limitations", product.terms_of_use, said.terms_of_use),
    ):
        if value != before:
            if value:
                description[key] = value
            else:
                description.pop(key, None)
    if description:
        doc["description"] = description
    said_tags = sorted({slugify(t)[:50] for t in said.tags} - {""})
    tags = sorted(t.name for t in product.tags.all())
    if tags != said_tags:
        doc["tags"] = tags
        if not tags:
            del doc["tags"]
    if not _refers_to(said.domain_ref, product.domain.slug, product.domain.name):
        doc["domain"] = product.domain.slug
    _merge_owner(doc, product, said)
    if product.classification != said.classification:
        _set_custom(doc, "dataClassification", product.classification or None)
    if product.criticality != (said.criticality or DataProduct.Criticality.MEDIUM):
        _set_custom(doc, "criticality", product.criticality)
    if product.freshness_slo_hours != said.freshness_slo_hours:
        hours = product.freshness_slo_hours
        _set_sla(doc, {"latency", "freshness"}, {"property": "latency", "value": hours, "unit": "h"} if hours else None)
    if product.availability_slo != said.availability_slo:
        availability = product.availability_slo
        entry = (
            {"property": "availability", "value": float(availability), "unit": "%"}
            if availability is not None
            else None
        )
        _set_sla(doc, {"availability"}, entry)
    _merge_columns(doc, product, said)
    known = {str(s.get("server")) for s in doc.get("servers") or [] if isinstance(s, dict)}
    if servers := _glue_servers(product, known):
        doc["servers"] = [*(doc.get("servers") or []), *servers]
    return doc


def product_to_contract(product: DataProduct) -> dict[str, Any]:
    """The product as an ODCS document: its latest imported contract with what the portal owns merged in, or a
    new contract when it has none. Uses the product's prefetched tags, columns, ports and contracts when present."""
    latest = next(iter(product.contracts.all()), None)
    if latest is not None:
        # Validated when it was imported; contracts stored before per-version validation may no longer map.
        original = load_yaml(latest.yaml_text)
        if isinstance(original, dict) and original.get("id") is not None:
            try:
                return merge_portal_fields(_jsonable(original), product)
            except (ContractInvalid, KeyError):
                pass  # start afresh from what the portal knows
    return _fresh_contract(product)


def contract_yaml(doc: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(doc, Dumper=dumper, sort_keys=False, allow_unicode=True, width=120)
