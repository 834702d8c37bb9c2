"""The same length limits through every door: an HTML form refuses what the API refuses (issue 15, item 9)."""

from __future__ import annotations

import pytest

from access_requests import services
from access_requests.models import PURPOSE_MAX_LENGTH, REASON_MAX_LENGTH, AccessRequest
from meshportal.audit.models import AuditEvent
from tests.access_requests.helpers import ask, mesh
from tests.access_requests.test_api import body
from tests.access_requests.test_views import form_data

pytestmark = pytest.mark.django_db

LONG_PURPOSE = "p" * (PURPOSE_MAX_LENGTH + 1)
LONG_REASON = "r" * (REASON_MAX_LENGTH + 1)


def test_an_over_long_purpose_is_refused_by_the_form_and_by_the_api(personas, client_for, api_for):
    m = mesh(personas)
    page = client_for(personas.consumer).post(f"/requests/new/?port={m.port.pk}", form_data(purpose=LONG_PURPOSE))
    assert page.status_code in (200, 400) and "purpose" in page.context["form"].errors
    api = api_for(personas.consumer).post("/api/v1/access-requests/", body(m.port, purpose=LONG_PURPOSE), format="json")
    assert api.status_code == 400 and "purpose" in api.json()["errors"]
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_an_over_long_decision_comment_is_refused_by_the_page_and_by_the_api(personas, client_for, api_for, action):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    events = AuditEvent.objects.count()
    response = client_for(personas.producer).post(
        f"/requests/{request.pk}/{action}/", {"comment": LONG_REASON}, follow=True
    )
    assert f"at most {REASON_MAX_LENGTH} characters" in response.content.decode()
    field = "comment" if action == "approve" else "reason"
    api = api_for(personas.producer).post(
        f"/api/v1/access-requests/{request.pk}/{action}/", {field: LONG_REASON}, format="json"
    )
    assert api.status_code == 400
    request.refresh_from_db()
    assert request.status == "pending" and AuditEvent.objects.count() == events


def test_an_over_long_revocation_reason_is_refused_by_the_page_and_by_the_api(personas, client_for, api_for):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    services.grant_mark_applied(grant=request.grant)
    response = client_for(personas.producer).post(
        f"/requests/grants/{request.grant.pk}/revoke/", {"reason": LONG_REASON}, follow=True
    )
    assert f"at most {REASON_MAX_LENGTH} characters" in response.content.decode()
    api = api_for(personas.producer).post(
        f"/api/v1/grants/{request.grant.pk}/revoke/", {"reason": LONG_REASON}, format="json"
    )
    assert api.status_code == 400
    request.grant.refresh_from_db()
    assert request.grant.status == "active"
