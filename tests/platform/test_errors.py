from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_page_gets_the_styled_404(personas, client_for):
    response = client_for(personas.consumer).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Not found" in response.content and b"<nav" in response.content


def test_unknown_api_path_gets_json_404(personas, api_for):
    response = api_for(personas.consumer).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_forbidden_page_gets_the_styled_403(personas, client_for):
    response = client_for(personas.consumer).get("/audit/")
    assert response.status_code == 403
    assert b"Not allowed" in response.content


def test_csrf_failure_is_a_styled_403(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.consumer)
    response = client.post("/accounts/profile/")
    assert response.status_code == 403
    assert b"Form expired" in response.content


def test_server_error_page_is_styled_and_shows_request_id(rf):
    from meshportal.core.views import server_error

    request = rf.get("/boom")
    request.request_id = "abc123"
    response = server_error(request)
    assert response.status_code == 500
    assert b"Something went wrong" in response.content and b"abc123" in response.content


def test_error_pages_exist_for_400_403_404_500():
    from django.template.loader import get_template

    for code in (400, 403, 404, 500):
        assert get_template(f"{code}.html")
