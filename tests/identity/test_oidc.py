"""Single sign-on against a fake OpenID Connect provider over real HTTP."""

from __future__ import annotations

import importlib
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from meshportal.audit.models import AuditEvent
from meshportal.identity.models import User
from tests.identity.fake_oidc import FakeOIDCProvider

pytestmark = pytest.mark.django_db

CLAIMS = {
    "sub": "u-123",
    "preferred_username": "olga",
    "email": "olga@example.com",
    "given_name": "Olga",
    "family_name": "Oidc",
    "groups": ["mesh-auditors", "staff"],
}


def _mount_urls() -> None:
    """meshportal.urls mounts the OIDC routes only when OIDC_ENABLED: build the URLconf again."""
    from django.urls import clear_url_caches

    import meshportal.urls

    importlib.reload(meshportal.urls)
    clear_url_caches()


@pytest.fixture
def provider(settings):
    with FakeOIDCProvider("meshportal", "s3cret", CLAIMS) as op:
        for key, value in op.settings().items():
            setattr(settings, key, value)
        settings.OIDC_ENABLED = True
        settings.OIDC_AUDITOR_GROUPS = ["mesh-auditors"]
        settings.OIDC_ADMIN_GROUPS = ["mesh-admins"]
        settings.AUTHENTICATION_BACKENDS = [
            "django.contrib.auth.backends.ModelBackend",
            "meshportal.identity.oidc.MeshPortalOIDCBackend",
        ]
        _mount_urls()
        yield op
        settings.OIDC_ENABLED = False
        _mount_urls()


def _sign_in(client: Client, provider: FakeOIDCProvider):
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    location = urlparse(start["Location"])
    assert location.netloc == urlparse(provider.url).netloc
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    callback = urlparse(provider.authorize(query))
    return client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})


def test_sso_login_creates_the_user_maps_groups_and_audits(provider):
    client = Client()
    response = _sign_in(client, provider)
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="olga")
    assert user.email == "olga@example.com" and user.is_auditor and not user.is_platform_admin
    assert client.get("/accounts/profile/").status_code == 200
    login = AuditEvent.objects.get(event_type="identity.login")
    assert login.actor == "olga" and login.after == {"method": "oidc", "client_address": "127.0.0.1"}
    assert AuditEvent.objects.filter(event_type="identity.user_created", actor="system:oidc").exists()


def test_second_sso_login_reuses_the_user(provider):
    _sign_in(Client(), provider)
    _sign_in(Client(), provider)
    assert User.objects.filter(username="olga").count() == 1
    assert AuditEvent.objects.filter(event_type="identity.login").count() == 2


def test_tampered_state_is_refused(provider):
    client = Client()
    start = client.get("/oidc/authenticate/")
    query = {k: v[0] for k, v in parse_qs(urlparse(start["Location"]).query).items()}
    query["state"] = "forged"
    callback = urlparse(provider.authorize(query))
    response = client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()})
    assert not User.objects.filter(username="olga").exists()
    assert response.status_code in (302, 400)
    assert client.get("/accounts/profile/").status_code == 302  # still anonymous


def test_login_page_offers_sso_only_when_enabled(provider, settings):
    assert b"Log in with" in Client().get("/accounts/login/").content
    settings.OIDC_ENABLED = False
    assert b"Log in with" not in Client().get("/accounts/login/").content


def test_sso_never_takes_over_a_local_account_with_the_same_name(provider):
    from tests.factories import UserFactory

    local_admin = UserFactory(username="olga", is_platform_admin=True, is_staff=True, is_superuser=True)
    response = _sign_in(Client(), provider)
    assert response.status_code == 302
    sso_user = User.objects.get(oidc_subject="u-123")
    assert sso_user.pk != local_admin.pk and sso_user.username == "olga.sso"
    assert not sso_user.is_platform_admin


def test_oidc_routes_exist_only_when_sso_is_enabled(provider, settings):
    assert Client().get("/oidc/authenticate/").status_code == 302
    settings.OIDC_ENABLED = False
    _mount_urls()
    client = Client()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404
    assert "sessionid" not in client.cookies
