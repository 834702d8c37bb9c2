"""Open Data Product Standard (ODPS) v1.0 descriptor of a data product (export only).

Upstream products become input ports, output ports keep their names, and each port names the product's ODCS
contract (its ``id``: the imported contract's id, else the product slug) so a reader can fetch it from
``/api/v1/products/<slug>/contract/``.
"""

from __future__ import annotations

import json
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator

from catalog.contracts.odcs import STATUS_TO_ODCS
from catalog.models import DataProduct

SCHEMA_FILE = Path(__file__).parent / "schemas" / "odps-json-schema-v1.0.0.json"
API_VERSION = "v1.0.0"


@cache
def odps_validator() -> Draft201909Validator:
    return Draft201909Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def product_to_odps(product: DataProduct) -> dict[str, Any]:
    """Uses the product's prefetched tags, ports and upstream products when present."""
    description = {
        k: v
        for k, v in {
            "purpose": product.summary,
            "usage": product.documentation,
            "limitations": product.terms_of_use,
        }.items()
        if v
    }
    custom = [
        {"property": "criticality", "value": product.criticality},
        {"property": "consumerCount", "value": product.consumer_count},
    ]
    if product.classification:
        custom.insert(0, {"property": "dataClassification", "value": product.classification})
    if product.owner_team:
        custom.insert(0, {"property": "ownerTeam", "value": product.owner_team.slug})
    if product.freshness_slo_hours:
        custom.append({"property": "freshnessObjectiveHours", "value": product.freshness_slo_hours})
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "DataProduct",
        "id": product.slug,
        "name": product.name,
        "version": product.version,
        "status": STATUS_TO_ODCS.get(product.status, product.status),
        "domain": product.domain.slug,
        "tags": [t.name for t in product.tags.all()],
        "inputPorts": [
            {"name": up.slug, "version": up.version, "contractId": up.contract_id or up.slug}
            for up in product.upstream.all()
        ],
        "outputPorts": [
            {
                "name": port.name,
                "description": port.description or str(port),
                "type": port.kind,
                "version": product.version,
                "contractId": product.contract_id or product.slug,
            }
            for port in product.output_ports.all()
        ],
        "customProperties": custom,
        "productCreatedTs": product.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if description:
        doc["description"] = description
    return {k: v for k, v in doc.items() if v != []}
