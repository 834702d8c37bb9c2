"""Personal API tokens: hashed at rest, named, expiring, revocable; shown once; issuance and revocation audited."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.utils import timezone
from rest_framework.test import APIClient

from meshportal.audit.models import AuditEvent
from meshportal.identity.models import ApiToken
from meshportal.identity.tokens import api_token_create, api_token_revoke
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _me(key: str) -> int:
    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_only_a_digest_of_the_key_is_stored(personas):
    token, key = api_token_create(user=personas.consumer, name="ci")
    row = ApiToken.objects.values().get(pk=token.pk)
    assert key not in str(row)
    assert row["digest"] == hashlib.sha256(key.encode()).hexdigest()
    assert _me(key) == 200


def test_a_user_has_several_named_tokens_each_working(personas):
    _, first = api_token_create(user=personas.consumer, name="laptop")
    _, second = api_token_create(user=personas.consumer, name="ci")
    assert _me(first) == _me(second) == 200
    assert list(ApiToken.objects.filter(user=personas.consumer).values_list("name", flat=True)) == ["ci", "laptop"]


def test_an_expired_token_no_longer_works(personas):
    token, key = api_token_create(user=personas.consumer, name="short", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(key) == 401


def test_a_revoked_token_no_longer_works_and_the_revocation_is_audited(personas):
    token, key = api_token_create(user=personas.consumer, name="old")
    api_token_revoke(actor=personas.consumer, token=token)
    assert _me(key) == 401
    event = AuditEvent.objects.get(event_type="identity.token_revoked")
    assert event.actor == "carol-consumer" and event.before["name"] == "old"
    issued = AuditEvent.objects.get(event_type="identity.token_issued")
    assert key not in str(issued.after) and issued.after["name"] == "old"


def test_last_used_is_recorded(personas):
    token, key = api_token_create(user=personas.consumer, name="ci")
    assert token.last_used_at is None
    _me(key)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_expiry_is_bounded(personas, settings):
    from meshportal.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        api_token_create(
            user=personas.consumer, name="forever", expires_in_days=settings.MESHPORTAL_API_TOKEN_MAX_DAYS + 1
        )


def test_the_api_issues_named_expiring_tokens_and_lists_and_revokes_mine(personas):
    client = APIClient()
    created = client.post(
        "/api/v1/auth/token/",
        {"username": "carol-consumer", "password": PASSWORD, "name": "nightly job", "expires_in_days": 7},
        format="json",
    )
    assert created.status_code == 201
    body = created.json()
    key = body["token"]
    assert body["name"] == "nightly job"
    assert timedelta(days=6) < (ApiToken.objects.get(pk=body["id"]).expires_at - timezone.now()) <= timedelta(days=7)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api_token_create(user=personas.producer, name="someone else's")
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["nightly job"]
    assert "token" not in listed[0] and key not in str(listed)
    other = ApiToken.objects.get(user=personas.producer)
    assert client.delete(f"/api/v1/auth/tokens/{other.pk}/").status_code == 404  # not mine
    assert client.delete(f"/api/v1/auth/tokens/{body['id']}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_the_profile_shows_a_new_key_once_and_never_again(personas, client_for):
    client = client_for(personas.consumer)
    response = client.post("/accounts/profile/", {"name": "laptop", "expires_in_days": 30})
    assert response.status_code == 201
    key = re.search(r'id="new-token">([^<]+)<', response.content.decode()).group(1)
    assert _me(key) == 200
    page = client.get("/accounts/profile/").content.decode()
    assert "laptop" in page and key not in page and key[:12] in page


def test_the_profile_revokes_a_token_of_mine_only(personas, client_for):
    mine, key = api_token_create(user=personas.consumer, name="mine")
    theirs, their_key = api_token_create(user=personas.producer, name="theirs")
    client = client_for(personas.consumer)
    assert client.post(f"/accounts/profile/tokens/{theirs.pk}/revoke/").status_code == 404
    assert _me(their_key) == 200
    assert client.post(f"/accounts/profile/tokens/{mine.pk}/revoke/").status_code == 302
    assert _me(key) == 401
    assert "mine" not in client.get("/accounts/profile/").content.decode().split("API tokens")[1]


def test_the_profile_lists_tokens_in_constant_queries(personas, client_for, django_assert_max_num_queries):
    client = client_for(personas.consumer)
    for n in range(5):
        api_token_create(user=personas.consumer, name=f"t{n}")
    with django_assert_max_num_queries(12):
        assert client.get("/accounts/profile/").status_code == 200


def test_tokens_are_not_in_the_django_admin(personas):
    from django.apps import apps

    assert not apps.is_installed("rest_framework.authtoken")
    assert ApiToken not in admin.site._registry
