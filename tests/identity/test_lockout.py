"""Login throttling and lockout (django-axes) on every login path, and the audit of every login."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from meshportal.audit.models import AuditEvent
from meshportal.identity.login_audit import neutralise_username
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_TRIES = 60
LOCKED = "Too many failed logins"


def _page_login(path: str, username: str, password: str, address: str = "10.0.0.1") -> tuple[int, str]:
    response = Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})
    return response.status_code, response.content.decode()


def _api_login(username: str, password: str, address: str = "10.0.0.1") -> tuple[int, str]:
    client = APIClient(REMOTE_ADDR=address)
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    return response.status_code, response.content.decode()


def _login(door: str, username: str, password: str, address: str = "10.0.0.1") -> tuple[int, str]:
    if door == "api":
        return _api_login(username, password, address)
    return _page_login(door, username, password, address)


def _logged_in(door: str, status: int) -> bool:
    return status == 201 if door == "api" else status == 302


DOORS = ["/accounts/login/", "/admin/login/", "api"]


@pytest.mark.parametrize("door", DOORS)
def test_sixty_wrong_passwords_then_the_right_one_is_refused(personas, door, settings):
    user = personas.admin.username  # the admin login only lets platform admins in
    for _ in range(WRONG_TRIES):
        _login(door, user, "wrong-password")
    status, body = _login(door, user, PASSWORD)
    assert not _logged_in(door, status)
    assert status == 429
    if door == "api":  # by now the per-user-name throttle answers before the lockout does
        assert json.loads(body)["code"] in {"locked_out", "throttled"}
    else:
        assert LOCKED in body  # a form error on the page
    assert AuditEvent.objects.filter(event_type="identity.login_locked_out").count() == 1
    assert not AuditEvent.objects.filter(event_type="identity.login").exists()


@pytest.mark.parametrize("door", DOORS)
def test_the_lock_expires_after_the_cool_off(personas, door, settings):
    user = personas.admin.username
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(door, user, "wrong-password")
    assert not _logged_in(door, _login(door, user, PASSWORD)[0])
    earlier = AccessAttempt.objects.values_list("attempt_time", flat=True)[0] - settings.AXES_COOLOFF_TIME
    AccessAttempt.objects.update(attempt_time=earlier - timedelta(seconds=1))
    cache.clear()  # the cool-off outlasts the token endpoint's one-minute throttle windows too
    assert _logged_in(door, _login(door, user, PASSWORD)[0])


@pytest.mark.parametrize("door", DOORS)
def test_another_user_at_another_address_is_unaffected(personas, door, settings):
    personas.producer.is_platform_admin = personas.producer.is_staff = True
    personas.producer.save()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(door, personas.admin.username, "wrong-password", address="10.0.0.1")
    assert not _logged_in(door, _login(door, personas.admin.username, PASSWORD, address="10.0.0.1")[0])
    assert _logged_in(door, _login(door, personas.producer.username, PASSWORD, address="10.0.0.2")[0])


def test_the_account_is_locked_from_every_address(personas, settings):
    """Per user name: a guess spread over many addresses still stops."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        _page_login("/accounts/login/", "carol-consumer", "wrong", address=f"10.0.1.{n}")
    status, body = _page_login("/accounts/login/", "carol-consumer", PASSWORD, address="10.0.2.1")
    assert status == 429 and LOCKED in body


def test_the_address_is_locked_for_every_account(personas, settings):
    """Per address: one address spraying a password over many accounts stops."""
    for n in range(settings.AXES_FAILURE_LIMIT):
        _page_login("/accounts/login/", f"user-{n}", "wrong", address="10.0.3.1")
    status, body = _page_login("/accounts/login/", "carol-consumer", PASSWORD, address="10.0.3.1")
    assert status == 429 and LOCKED in body


def test_a_spoofed_forwarded_for_does_not_escape_the_address_lock(personas, settings):
    settings.MESHPORTAL_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The client forges the left part; the proxy (count 1) appends the real address.
        Client(REMOTE_ADDR="10.9.9.9").post(
            "/accounts/login/",
            {"username": f"user-{n}", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )
    response = Client(REMOTE_ADDR="10.9.9.9").post(
        "/accounts/login/", {"username": "carol-consumer", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 429
    event = AuditEvent.objects.filter(event_type="identity.login_failed").first()
    assert event.after["client_address"] == "198.51.100.7"


def test_the_forwarded_header_is_ignored_unless_configured(personas, settings):
    settings.MESHPORTAL_TRUSTED_PROXY_HEADER = ""
    Client(REMOTE_ADDR="10.4.4.4").post(
        "/accounts/login/", {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert AuditEvent.objects.get(event_type="identity.login_failed").after["client_address"] == "10.4.4.4"


@pytest.mark.parametrize(
    ("door", "method"), [("/accounts/login/", "password"), ("/admin/login/", "admin"), ("api", "api_token")]
)
def test_every_login_and_failure_is_audited_on_every_path(personas, door, method):
    _login(door, personas.admin.username, "wrong-password")
    _login(door, personas.admin.username, PASSWORD)
    failed = AuditEvent.objects.get(event_type="identity.login_failed")
    assert failed.after == {"method": method, "client_address": "10.0.0.1", "username": "ada-admin"}
    login = AuditEvent.objects.get(event_type="identity.login")
    assert login.actor == "ada-admin" and login.after == {"method": method, "client_address": "10.0.0.1"}


def test_the_attempted_user_name_is_stored_neutralised(db):
    hostile = '=HYPERLINK("http://x")\r\n\x07\u202e<script>alert(1)</script>'
    _page_login("/accounts/login/", hostile, "x")
    event = AuditEvent.objects.get(event_type="identity.login_failed")
    stored = event.after["username"]
    assert event.object_repr == stored
    assert not any(ch in stored for ch in "\r\n\x07\u202e")
    assert stored == '=HYPERLINK("http://x")<script>alert(1)</script>'  # data: escaped on output, never HTML here


def test_an_attempted_user_name_is_capped_in_length():
    assert len(neutralise_username("a" * 5000)) == 150
    assert neutralise_username(None) == ""


def test_the_api_answers_a_lockout_with_a_json_error(personas, settings):
    answers = [_api_login("carol-consumer", "wrong") for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert [status for status, _ in answers[:-1]] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    status, body = answers[-1]
    assert status == 429
    assert json.loads(body) == {
        "code": "locked_out",
        "detail": "Too many failed logins: this account or address is locked for a while. Try again later.",
    }


def test_the_token_endpoint_throttles_per_user_name_across_addresses(personas, settings):
    """Item 9: even right passwords from many addresses: the user name's rate (10/min) applies."""
    statuses = [_api_login("carol-consumer", PASSWORD, address=f"10.7.0.{n}")[0] for n in range(11)]
    assert statuses == [201] * 10 + [429]
    other = _api_login("pat-producer", PASSWORD, address="10.7.0.1")
    assert other[0] == 201
