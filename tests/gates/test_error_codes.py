"""Errors are part of the interface (STYLE.md §10): each app raises its domain errors with a member of its own
error-code enum, never a free string, so a code cannot be misspelt, and one file lists what the API may say.

Read from the source (no imports), like a lint rule: a ``code="..."`` string literal in an app fails here, and
so does ``code=SomeErrorCode.X`` where ``SomeErrorCode`` is not the app's enum or ``X`` is not a member of it.
"""

from __future__ import annotations

import ast
from enum import StrEnum
from pathlib import Path

import pytest
from django.conf import settings

from access_requests.errors import AccessRequestErrorCode
from catalog.errors import CatalogErrorCode
from meshportal.aws.errors import AwsRegistryErrorCode
from meshportal.core.errors import CoreErrorCode
from meshportal.identity.errors import IdentityErrorCode
from meshportal.notifications.errors import NotificationErrorCode
from provisioning.errors import ProvisioningErrorCode

ROOT = Path(settings.BASE_DIR)

APPS: dict[str, type[StrEnum]] = {
    "catalog": CatalogErrorCode,
    "access_requests": AccessRequestErrorCode,
    "meshportal/identity": IdentityErrorCode,
    "meshportal/aws": AwsRegistryErrorCode,
    "meshportal/notifications": NotificationErrorCode,
    "meshportal/core": CoreErrorCode,
    "provisioning": ProvisioningErrorCode,
}
# Not ours to name: the AWS gateway carries AWS's own error codes (AccessDeniedException, …) as AWS spells them.
NOT_DOMAIN_CODES = ("meshportal/aws/gateway/",)


def _app_sources(app: str) -> list[Path]:
    return [
        path
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts and not str(path.relative_to(ROOT)).startswith(NOT_DOMAIN_CODES)
    ]


def _code_values(tree: ast.AST) -> list[ast.expr]:
    """Every expression passed as ``code=`` (to an error class, or to a helper that raises one)."""
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "code"]


@pytest.mark.parametrize("app", list(APPS))
def test_every_error_code_an_app_raises_is_a_member_of_its_enum(app):
    enum = APPS[app]
    problems = []
    for path in _app_sources(app):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(), filename=where)
        for value in _code_values(tree):
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                problems.append(f"{where}:{value.lineno}: code={value.value!r} is a free string; use {enum.__name__}")
            elif (
                isinstance(value, ast.Attribute)
                and isinstance(value.value, ast.Name)
                and value.value.id.endswith("ErrorCode")
                and (value.value.id != enum.__name__ or value.attr not in enum.__members__)
            ):
                problems.append(f"{where}:{value.lineno}: {value.value.id}.{value.attr} is not a {enum.__name__}")
    assert problems == []


@pytest.mark.parametrize("enum", list(APPS.values()), ids=lambda e: e.__name__)
def test_error_code_values_are_stable_snake_case_and_unique_across_apps(enum):
    for member in enum:
        assert member.value == member.name.lower(), member
    others = {v for e in APPS.values() if e is not enum for v in e._value2member_map_}
    shared = set(enum._value2member_map_) & others
    # Two apps may refuse for the same reason (a duplicate slug, an end date too late); the value then means the
    # same thing in both, which is what an API client needs. Keep such overlaps deliberate and few.
    assert len(shared) <= 2, shared
