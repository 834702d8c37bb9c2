"""Standing gate: no answer carries a value its schema's enum does not allow (issue 18: ``""`` for an unset
classification or end reason broke generated clients).

``response_enum_conformance`` is a schemathesis check: it walks each JSON answer with the operation's
documented response schema (``$ref``, ``allOf``, ``oneOf``/``anyOf``, ``nullable``, objects, arrays) and
names every value outside an ``enum``. The schemathesis gate (``test_api_contract.py``) runs against an almost
empty database, so blanks never show there; here every GET operation is called over a mesh whose product,
columns and grant hold blank choices.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.utils import timezone
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.core.failures import Failure

from access_requests.models import Grant
from catalog.models import Column
from tests.access_requests.helpers import ask, mesh
from tests.gates.test_api_contract import LIVE_SCHEMA, _keep_the_test_connection, admin_token, schema  # noqa: F401

pytestmark = pytest.mark.django_db


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = LIVE_SCHEMA
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def enum_violations(value: Any, node: dict[str, Any], where: str = "$") -> list[str]:
    node = _resolve(node)
    if value is None and node.get("nullable"):
        return []
    problems: list[str] = []
    if "enum" in node and value not in node["enum"]:
        problems.append(f"{where}: {value!r} is not one of {node['enum']}")
    for sub in node.get("allOf", []):
        problems += enum_violations(value, sub, where)
    alternatives = node.get("oneOf") or node.get("anyOf")
    if alternatives:
        each = [enum_violations(value, sub, where) for sub in alternatives]
        if all(each):
            problems += [f"{where}: {value!r} matches no alternative ({'; '.join(p[0] for p in each)})"]
    if isinstance(value, dict):
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += enum_violations(item, properties[key], f"{where}.{key}")
            elif isinstance(extra, dict):
                problems += enum_violations(item, extra, f"{where}.{key}")
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        for index, item in enumerate(value):
            problems += enum_violations(item, node["items"], f"{where}[{index}]")
    return problems


@schemathesis.check
def response_enum_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every value in a JSON answer that its schema constrains to an enum is one of the enum's values."""
    operation = LIVE_SCHEMA["paths"][case.operation.path][case.operation.method.lower()]
    documented = operation["responses"].get(str(response.status_code), {})
    media = documented.get("content", {}).get("application/json")
    if media is None or not response.content:
        return None
    problems = enum_violations(response.json(), media["schema"])
    if problems:
        raise Failure(
            operation=case.operation.label,
            title="Response value outside its enum",
            message="\n".join(problems[:20]),
        )
    return None


def test_the_enum_check_catches_a_blank_the_schema_does_not_allow():
    enum = {"type": "string", "enum": ["public", "internal"]}
    assert enum_violations({"classification": ""}, {"properties": {"classification": enum}}) == [
        "$.classification: '' is not one of ['public', 'internal']"
    ]
    blank = {"oneOf": [enum, {"$ref": "#/components/schemas/BlankEnum"}]}
    assert enum_violations("", blank) == []
    assert enum_violations(["internal", "secret"], {"items": blank})[0].startswith("$[1]: 'secret' matches no")
    assert enum_violations(None, {"allOf": [enum], "nullable": True}) == []


def _path_parameters(path: str, objects: dict[str, Any]) -> dict[str, Any]:
    prefix = path.split("/")[3]  # /api/v1/<prefix>/...
    parameters: dict[str, Any] = {}
    if "{slug}" in path:
        parameters["slug"] = objects[f"{prefix}:slug"]
    if "{id}" in path:
        parameters["id"] = objects.get(f"{prefix}:id", 0)  # none of that kind: a 404 in the error shape
    return parameters


def test_every_get_answer_keeps_to_its_enums_over_blank_choices(personas, admin_token):  # noqa: F811
    m = mesh(personas, classification="")
    Column.objects.filter(product=m.product, name="amount").update(classification="")
    request = ask(personas.consumer, m.port)
    grant = Grant.objects.create(
        request=request,
        product=m.product,
        port=m.port,
        principal_arn=request.principal_arn,
        consumer_account=m.consumer_account,
        permissions=["SELECT"],
        status=Grant.Status.ACTIVE,
        approved_at=timezone.now(),
        granted_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=30),
    )
    assert (m.product.classification, grant.end_reason) == ("", "")
    objects = {
        "products:slug": m.product.slug,
        "domains:slug": m.product.domain.slug,
        "teams:slug": m.product.owner_team.slug,
        "access-requests:id": request.pk,
        "grants:id": grant.pk,
        "accounts:id": m.producer_account.pk,
        "ports:id": m.port.pk,
    }
    called = []
    for path, item in LIVE_SCHEMA["paths"].items():
        if "get" not in item:
            continue
        case = schema[path]["GET"].Case(path_parameters=_path_parameters(path, objects))
        json_only = "application/json" in item["get"]["responses"]["200"].get("content", {})
        # schemathesis parses a YAML answer (the contract export, documented as YAML text) into an object
        # and then finds it is not a string; its JSON errors are still checked by the schemathesis gate.
        checks = [not_a_server_error, response_enum_conformance]
        case.call_and_validate(
            headers={"Authorization": f"Token {admin_token}"},
            checks=[*checks, response_schema_conformance] if json_only else checks,
        )
        called.append(path)
    assert {"/api/v1/products/", "/api/v1/products/{slug}/columns/", "/api/v1/grants/", "/api/v1/entitlements/"} <= (
        set(called)
    )
