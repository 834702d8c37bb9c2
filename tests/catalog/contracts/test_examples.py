"""The official ODCS examples (``examples/NOTICE.md``) survive import and export: nothing but the fields the portal
owns changes, the export is valid under its own ``apiVersion``, and datacontract-cli lints every export green."""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from catalog import services
from catalog.contracts import ContractInvalid, contract_yaml, parse_contract, product_to_contract
from catalog.contracts.odcs import OWNING_TEAM_PROPERTY, SCHEMA_FILES, _jsonable, load_yaml
from catalog.selectors import product_detail_for_user
from meshportal.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES_DIR = Path(__file__).parent / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("v3.*/*.odcs.yaml"))
INVALID = sorted(EXAMPLES_DIR.glob("invalid-for-declared-version/*.odcs.yaml"))


def _example_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name.removesuffix('.odcs.yaml')}"


def without_portal_owned(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` less what the portal writes on export (``catalog.contracts.odcs.PORTAL_OWNED_FIELDS``) where these
    tests change it: the domain and team are mapped at import, and the PII scan may flag columns."""
    doc = copy.deepcopy(doc)
    doc.pop("domain", None)
    if isinstance(doc.get("team"), dict):
        doc["team"].pop("name", None)
        doc["team"].pop("id", None)
        if not doc["team"]:
            del doc["team"]  # the portal names the owner team where the contract named none
    custom = [p for p in doc.get("customProperties") or [] if p.get("property") != OWNING_TEAM_PROPERTY]
    doc.pop("customProperties", None)
    if custom:
        doc["customProperties"] = custom
    for obj in doc.get("schema") or []:
        for prop in obj.get("properties") or []:
            tags = [t for t in prop.pop("tags", []) if t != "pii"]
            if tags:
                prop["tags"] = tags
    return doc


def _tools_python() -> Path | None:
    venv = Path(os.environ.get("MESHPORTAL_TOOLS_VENV") or ROOT / ".venv-tools")
    python = venv / "bin" / "python"
    return python if python.exists() else None


def _round_trip(path: Path, personas: Any, domain: Any, team: Any) -> tuple[dict[str, Any], str]:
    """Import the example (mapping its domain and team), export the product; the example and the export."""
    text = path.read_text(encoding="utf-8")
    with transaction.atomic():  # each example on its own: several share an id, which would update one product
        result = services.contract_import(actor=personas.producer, yaml_text=text, domain=domain, owner_team=team)
        product = product_detail_for_user(user=personas.producer, slug=result.product.slug)
        exported_text = contract_yaml(product_to_contract(product))
        transaction.set_rollback(True)
    return _jsonable(load_yaml(text)), exported_text


def test_there_are_official_examples_of_every_version():
    versions = {load_yaml(p.read_text(encoding="utf-8"))["apiVersion"] for p in EXAMPLES}
    assert {"v3.0.0", "v3.0.2", "v3.1.0", "v3.2.0"} <= versions <= set(SCHEMA_FILES)
    assert len(EXAMPLES) + len(INVALID) >= 55


def test_every_official_example_round_trips_without_loss_and_lints_green(personas, domain, team, tmp_path):
    """One test for all examples (the 200 KB ones take seconds to validate), listing every example that fails;
    then datacontract-cli lints all the exports in one process."""
    losses: dict[str, Any] = {}
    files = []
    for path in EXAMPLES:
        original, exported_text = _round_trip(path, personas, domain, team)
        try:
            exported = parse_contract(exported_text)  # valid under its own apiVersion's official schema
        except ContractInvalid as exc:
            losses[_example_id(path)] = exc.errors
            continue
        if exported["apiVersion"] != original["apiVersion"] or exported["id"] != original["id"]:
            losses[_example_id(path)] = "apiVersion or id changed"
        elif without_portal_owned(exported) != without_portal_owned(original):
            losses[_example_id(path)] = "differs beyond the portal-owned fields"
        target = tmp_path / f"{path.parent.name}_{path.name}"
        target.write_text(exported_text, encoding="utf-8")
        files.append(str(target))
    assert losses == {}
    python = _tools_python()
    if python is None:
        if os.environ.get("CI"):
            pytest.fail("CI: the tools virtualenv (requirements/tools.txt) is missing; scripts/test builds it")
        pytest.skip("no tools virtualenv: scripts/test builds .venv-tools from requirements/tools.txt")
    # One process for every file: datacontract-cli takes a second to start.
    done = subprocess.run(
        [str(python), str(ROOT / "scripts" / "odcs-lint.py"), *files],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in {0, 3}, done.stderr[-2000:]  # 3: some lint failed (listed on stdout)
    assert json.loads(done.stdout) == {}


def test_round_trip_comparison_sees_a_lost_field():
    """The comparison above is not blind: dropping or changing any field the portal does not own shows."""
    doc = _jsonable(load_yaml((EXAMPLES_DIR / "v3.2.0" / "all_full-example.odcs.yaml").read_text(encoding="utf-8")))
    lost = copy.deepcopy(doc)
    lost["schema"][0]["properties"][0].pop("physicalName", None)
    assert without_portal_owned(lost) != without_portal_owned(doc)
    renamed = copy.deepcopy(doc)
    renamed["servers"] = renamed.get("servers", [])[1:]
    assert without_portal_owned(renamed) != without_portal_owned(doc)


@pytest.mark.parametrize("path", INVALID, ids=_example_id)
def test_example_invalid_for_its_declared_version_is_refused_naming_the_version(path, personas, domain, team):
    with pytest.raises(ValidationFailed) as exc:
        services.contract_import(
            actor=personas.producer, yaml_text=path.read_text(encoding="utf-8"), domain=domain, owner_team=team
        )
    assert "official ODCS v3.0.2 schema" in exc.value.detail
