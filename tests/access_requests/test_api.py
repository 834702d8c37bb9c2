"""The REST front door: same services, errors as {code, detail, errors} 4xx, lists narrowed to the caller."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from access_requests import services
from access_requests.models import AccessRequest
from tests.access_requests.helpers import ROLE, ask, mesh

pytestmark = pytest.mark.django_db


def body(the_port, **overrides):
    data = {
        "port": the_port.pk,
        "principal_arn": ROLE,
        "permissions": ["SELECT"],
        "columns": ["order_id"],
        "purpose": "churn model",
        "requested_until": (date.today() + timedelta(days=10)).isoformat(),
        "accept_terms": True,
    }
    data.update(overrides)
    return data


def test_create_answers_201_with_the_policy_decision(personas, api_for):
    m = mesh(personas, policy="auto")
    response = api_for(personas.consumer).post("/api/v1/access-requests/", body(m.port), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "approved" and data["decision_reason"].startswith("auto-approved")
    assert data["grant"]["status"] == "pending" and data["approvals"][0]["approver"] is None


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"principal_arn": "arn:aws:iam::1:role/x"}, 400, "malformed_arn"),
        ({"principal_arn": "arn:aws:iam::999999999999:role/x"}, 400, "unknown_account"),
        ({"requested_until": (date.today() + timedelta(days=999)).isoformat()}, 400, "end_date_too_late"),
        ({"columns": ["ghost"]}, 400, "unknown_columns"),
        ({"accept_terms": False}, 400, "terms_not_accepted"),
        ({"port": 999999}, 400, "invalid"),
    ],
)
def test_bad_input_is_a_4xx_with_a_code_and_nothing_is_created(personas, api_for, overrides, status, code):
    m = mesh(personas)
    response = api_for(personas.consumer).post("/api/v1/access-requests/", body(m.port, **overrides), format="json")
    assert response.status_code == status
    assert response.json()["code"] == code and response.json()["detail"]
    assert not AccessRequest.objects.exists()


def test_draft_product_is_refused(personas, api_for):
    m = mesh(personas, status="draft")
    # to a consumer a draft does not exist: the port is unknown, and nothing about the product leaks
    response = api_for(personas.consumer).post("/api/v1/access-requests/", body(m.port), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["port"] == ["No output port with this id."]
    assert m.product.name not in response.content.decode()
    # the owning team sees its draft, and is told it cannot be requested yet
    response = api_for(personas.producer).post("/api/v1/access-requests/", body(m.port), format="json")
    assert response.status_code == 400 and response.json()["code"] == "product_not_available"


def test_duplicate_is_a_409_pointing_at_the_first(personas, api_for):
    m = mesh(personas)
    client = api_for(personas.consumer)
    first = client.post("/api/v1/access-requests/", body(m.port), format="json").json()
    response = client.post("/api/v1/access-requests/", body(m.port), format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_request"
    assert response.json()["existing_request_id"] == first["id"]


def test_list_shows_each_persona_only_what_they_may_see(personas, api_for):
    m = mesh(personas)
    ask(personas.consumer, m.port)
    seen = {
        name: api_for(user).get("/api/v1/access-requests/").json()["count"] for name, user in personas.all().items()
    }
    assert seen == {"consumer": 1, "producer": 1, "steward": 1, "admin": 1, "auditor": 1, "outsider": 0}
    assert api_for(None).get("/api/v1/access-requests/").status_code == 401


def test_list_filters_by_status(personas, api_for):
    m = mesh(personas)
    ask(personas.consumer, m.port)
    client = api_for(personas.admin)
    assert client.get("/api/v1/access-requests/?status=pending").json()["count"] == 1
    assert client.get("/api/v1/access-requests/?status=granted").json()["count"] == 0
    assert client.get("/api/v1/access-requests/?status=bogus").status_code == 400


def test_approve_reject_withdraw_through_the_api(personas, api_for):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    url = f"/api/v1/access-requests/{request.pk}"
    producer_stage, steward_stage = {"stage": "producer"}, {"stage": "steward"}
    own = api_for(personas.consumer).post(f"{url}/approve/", producer_stage, format="json")
    assert own.status_code == 403 and own.json()["code"] == "own_request"
    assert api_for(personas.outsider).post(f"{url}/approve/", producer_stage, format="json").status_code == 404
    assert api_for(personas.producer).post(f"{url}/approve/", {}, format="json").status_code == 400  # no stage
    stage = api_for(personas.producer).post(f"{url}/approve/", {**producer_stage, "comment": "fine"}, format="json")
    assert stage.status_code == 200 and stage.json()["pending_stage"] == "steward"
    no_reason = api_for(personas.steward).post(f"{url}/reject/", {**steward_stage, "reason": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    done = api_for(personas.steward).post(f"{url}/approve/", steward_stage, format="json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    again = api_for(personas.admin).post(f"{url}/approve/", steward_stage, format="json")
    assert again.status_code == 409 and again.json()["code"] == "stale_decision"
    assert again.json()["current"]["status"] == "approved"
    withdrawn = api_for(personas.consumer).post(f"{url}/withdraw/", format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["grant"]["status"] == "revoking"


def test_grants_revoke_retry_extend_through_the_api(personas, api_for):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    services.access_request_approve(request=request, actor=personas.producer, comment="")
    grant = AccessRequest.objects.get(pk=request.pk).grant
    services.grant_mark_failed(grant=grant, error="boom", retryable=True)
    retry = api_for(personas.consumer).post(f"/api/v1/grants/{grant.pk}/retry/", format="json")
    assert retry.status_code == 200 and retry.json()["status"] == "pending"
    services.grant_mark_applied(grant=grant)
    extend = api_for(personas.consumer).post(
        f"/api/v1/grants/{grant.pk}/extend/",
        {"requested_until": (date.today() + timedelta(days=90)).isoformat()},
        format="json",
    )
    assert extend.status_code == 201 and extend.json()["extension_of"] == request.pk
    assert (
        api_for(personas.steward).post(f"/api/v1/grants/{grant.pk}/revoke/", {"reason": "x"}, format="json").status_code
        == 403
    )
    revoke = api_for(personas.producer).post(
        f"/api/v1/grants/{grant.pk}/revoke/", {"reason": "audit finding"}, format="json"
    )
    assert revoke.status_code == 200 and revoke.json()["status"] == "revoking"
    assert revoke.json()["end_note"] == "audit finding"
    listing = api_for(personas.steward).get("/api/v1/grants/?status=revoking").json()
    assert [g["id"] for g in listing["results"]] == [grant.pk]
    assert api_for(personas.outsider).get(f"/api/v1/grants/{grant.pk}/").status_code == 404


def test_schema_documents_every_access_request_endpoint(personas, api_for):
    schema = api_for(personas.consumer).get("/api/schema/?format=json").json()
    paths = set(schema["paths"])
    for path in (
        "/api/v1/access-requests/",
        "/api/v1/access-requests/{id}/approve/",
        "/api/v1/access-requests/{id}/reject/",
        "/api/v1/access-requests/{id}/withdraw/",
        "/api/v1/grants/",
        "/api/v1/grants/{id}/revoke/",
        "/api/v1/grants/{id}/retry/",
        "/api/v1/grants/{id}/extend/",
    ):
        assert path in paths


def test_owning_team_sets_a_port_policy_through_the_api_and_others_cannot(personas, api_for):
    m = mesh(personas)
    url = f"/api/v1/ports/{m.port.pk}/policy/"
    assert api_for(personas.consumer).get(url).json() == {
        "port": m.port.pk,
        "approval_policy": "producer",
        "auto_approve_owning_team": True,
    }
    refused = api_for(personas.consumer).put(
        url, {"approval_policy": "auto", "auto_approve_owning_team": False}, format="json"
    )
    assert refused.status_code == 403
    changed = api_for(personas.producer).put(
        url, {"approval_policy": "auto", "auto_approve_owning_team": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["approval_policy"] == "auto"
    bad = api_for(personas.producer).put(
        url, {"approval_policy": "anyone", "auto_approve_owning_team": False}, format="json"
    )
    assert bad.status_code == 400
    from meshportal.audit.models import AuditEvent

    assert AuditEvent.objects.filter(event_type="catalog.policy_changed").count() == 1
