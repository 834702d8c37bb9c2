"""Headers and exposure: the Content-Security-Policy, templates it can hold, the API schema behind login, and
no session for anonymous visitors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client

pytestmark = pytest.mark.django_db

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


@pytest.mark.parametrize("path", ["/accounts/login/", "/catalog/", "/api/v1/me/", "/admin/login/"])
def test_every_response_carries_a_policy_of_the_portals_own_files(personas, client_for, path):
    policy = _policy(client_for(personas.producer).get(path, follow=True))
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


INLINE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"<style\b", re.IGNORECASE), "<style> element"),
    (re.compile(r"\sstyle=", re.IGNORECASE), "style attribute"),
    (re.compile(r"\son[a-z]+=", re.IGNORECASE), "event-handler attribute"),
    (re.compile(r"\shx-on", re.IGNORECASE), "hx-on attribute (evaluated as script)"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_templates_hold_nothing_the_policy_refuses():
    found = [
        f"{path.relative_to(settings.BASE_DIR)}: {what}"
        for directory in TEMPLATE_DIRS
        for path in directory.rglob("*.html")
        for pattern, what in INLINE
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


def test_htmx_adds_no_inline_indicator_style(client):
    assert (
        b"""<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>"""
        in client.get("/accounts/login/").content
    )


def test_api_schema_and_docs_need_login(personas, client_for, api_for):
    assert api_for(None).get("/api/schema/").status_code == 401
    docs = Client().get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    assert Client().get("/api/docs/?script=").status_code == 302
    assert api_for(personas.consumer).get("/api/schema/?format=json").status_code == 200
    signed_in = client_for(personas.consumer)
    page = signed_in.get("/api/docs/")
    assert page.status_code == 200 and b"<style>" not in page.content
    assert signed_in.get("/api/docs/?script=").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/accounts/login/", None),
        ("get", "/accounts/login/?next=/catalog/", None),
        ("post", "/accounts/login/", {"username": "nobody", "password": "wrong"}),
        ("post", "/accounts/logout/", {}),
        ("get", "/catalog/", None),
        ("get", "/api/docs/", None),
        ("get", "/admin/login/", None),
        ("get", "/oidc/authenticate/", None),
        ("get", "/no-such-page/", None),
    ],
)
def test_anonymous_requests_create_no_session(client, method, path, data):
    response = getattr(client, method)(path, data or {})
    assert response.status_code < 500
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()
