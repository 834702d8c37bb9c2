"""Every date filter answers an instant that has no UTC form with a 400 (API, export) or a form error (pages),
never a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXTREMES = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-01:00"]
API = [
    ("api-grant-list", "expires_before"),
    ("api-audit-event-list", "since"),
    ("api-audit-event-list", "until"),
    ("api-entitlement-list", "as_of"),
]
PAGES = [
    ("access_requests:grants", "expires_before"),
    ("audit:events", "since"),
    ("audit:events", "until"),
    ("audit:entitlements", "as_of"),
]
EXPORTS = [("audit:export-csv", "since"), ("audit:export-json", "until")]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize(("name", "param"), API)
def test_api_answers_400_naming_the_filter(personas, api_for, name, param, value):
    response = api_for(personas.admin).get(reverse(name), {param: value})
    assert response.status_code == 400
    assert "out of range" in str(response.json()), response.json()
    assert param in str(response.json())


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize(("name", "param"), PAGES)
def test_page_shows_a_form_error(personas, client_for, name, param, value):
    response = client_for(personas.admin).get(reverse(name), {param: value})
    assert response.status_code == 200
    assert response.context["filter"].errors[param] == [
        "This date-time is out of range: in UTC it must fall between 0001-01-01 and 9999-12-31."
    ]


@pytest.mark.parametrize("value", EXTREMES)
@pytest.mark.parametrize(("name", "param"), EXPORTS)
def test_export_answers_400(personas, client_for, name, param, value):
    response = client_for(personas.auditor).get(reverse(name), {param: value})
    assert response.status_code == 400 and b"out of range" in response.content


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"])
def test_extreme_instants_that_exist_in_utc_are_accepted(personas, api_for, value):
    assert api_for(personas.admin).get(reverse("api-entitlement-list"), {"as_of": value}).status_code == 200
