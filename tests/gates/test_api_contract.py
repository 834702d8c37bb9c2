"""Standing quality gate: schemathesis drives every operation in /api/schema/ with generated input (including
the shapes in ``strategies.py``).

No response may be a 5xx, and every response must match the documented schema (status code, content
type and body). New endpoints join automatically because the operations come from the live schema.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from meshportal.wsgi import application
from tests.gates import strategies

strategies.register()


def _live_schema() -> dict:
    """The document /api/schema/ serves, from the generator it uses: the endpoint needs a signed-in user, and
    there is no database at collection time. ``test_schema_endpoint_needs_login_and_serves_this_document``
    checks that the two agree."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True), None, {}))


LIVE_SCHEMA = _live_schema()
schema = schemathesis.openapi.from_dict(LIVE_SCHEMA)
schema.app = application
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """schemathesis calls the WSGI app directly, whose request signals would close the database connection
    that holds the test's transaction (Django's test client disconnects them the same way)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db):
    from meshportal.identity.tokens import api_token_create
    from tests.factories import UserFactory

    admin = UserFactory(username="schema-admin", is_platform_admin=True, is_staff=True, is_superuser=True)
    return api_token_create(user=admin, name="schemathesis")[1]


def test_schema_endpoint_needs_login_and_serves_this_document(admin_token):
    from rest_framework.test import APIClient

    assert APIClient().get("/api/schema/?format=json").status_code == 401
    response = APIClient().get("/api/schema/?format=json", headers={"Authorization": f"Token {admin_token}"})
    assert response.status_code == 200 and json.loads(response.content) == LIVE_SCHEMA


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_errors_and_matches_its_schema(case, admin_token):
    if case.path == "/api/v1/auth/token/":
        case.call_and_validate(checks=CHECKS)
        return
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)
