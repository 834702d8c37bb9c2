from __future__ import annotations

import pytest
from django.test import Client

from meshportal.audit.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert b"Log in to MeshPortal" in response.content


def test_login_logs_in_and_is_audited(personas):
    client = Client()
    response = client.post("/accounts/login/", {"username": "carol-consumer", "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(event_type="identity.login")
    assert event.actor == "carol-consumer" and event.after == {"method": "password", "client_address": "127.0.0.1"}


def test_failed_login_shows_error_and_is_audited(personas):
    response = Client().post("/accounts/login/", {"username": "carol-consumer", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert AuditEvent.objects.filter(event_type="identity.login_failed").count() == 1


def test_logout_requires_post_and_is_audited(personas, client_for):
    client = client_for(personas.consumer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert AuditEvent.objects.filter(event_type="identity.logout", actor="carol-consumer").exists()


def test_pages_redirect_anonymous_users_to_login(db):
    response = Client().get("/accounts/profile/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_django_admin_is_for_platform_admins_only(personas, client_for):
    assert client_for(personas.admin).get("/admin/").status_code == 200
    for name in ("consumer", "producer", "steward", "auditor"):
        response = client_for(getattr(personas, name)).get("/admin/")
        assert response.status_code == 302, name  # sent to the admin login


def test_navigation_is_shown_by_role(personas, client_for):
    consumer_page = client_for(personas.consumer).get("/accounts/profile/").content.decode()
    admin_page = client_for(personas.admin).get("/accounts/profile/").content.decode()
    auditor_page = client_for(personas.auditor).get("/accounts/profile/").content.decode()
    assert ">Audit<" not in consumer_page and ">Admin<" not in consumer_page
    assert ">Audit<" in auditor_page and ">Admin<" not in auditor_page
    assert ">Admin<" in admin_page
