from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from meshportal.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_token_endpoint_exchanges_credentials_for_a_working_token(personas):
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": "carol-consumer", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    token = response.json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "carol-consumer"
    assert me.json()["roles"] == ["consumer"]
    assert AuditEvent.objects.filter(event_type="identity.token_issued", actor="carol-consumer").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"username": "carol-consumer", "password": "wrong"},
        {"username": "nobody", "password": "x"},
    ],
)
def test_bad_credentials_get_a_clear_400(personas, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "detail": "Unable to log in with the provided username and password.",
    }
    assert AuditEvent.objects.filter(event_type="identity.login_failed").count() == 1


def test_missing_fields_get_field_errors(db):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"username", "password"}


def test_malformed_json_is_a_400_not_a_500(db):
    response = APIClient().post("/api/v1/auth/token/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_api_requires_authentication(db):
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_lists_roles_for_each_persona(personas, api_for):
    expected = {
        "consumer": ["consumer"],
        "producer": ["consumer", "producer"],
        "steward": ["consumer", "steward"],
        "admin": ["consumer", "platform_admin"],
        "auditor": ["consumer", "auditor"],
    }
    for name, roles in expected.items():
        assert api_for(getattr(personas, name)).get("/api/v1/me/").json()["roles"] == roles, name


def test_team_list_counts_members_in_constant_queries(personas, api_for, django_assert_num_queries):
    client = api_for(personas.consumer)
    with django_assert_num_queries(2):  # count + page
        response = client.get("/api/v1/teams/")
    assert response.json()["results"][0]["member_count"] == 1
