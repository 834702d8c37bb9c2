"""Approvals are bound to what the approver saw (issue 13 item 5): the stage and the request's version travel
with every decision (single, bulk, API); a stale one is a 409 with the current state, never a decision on
another stage."""

from __future__ import annotations

import pytest

from access_requests import services
from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest, Approval
from meshportal.core.errors import Conflict
from tests.access_requests.helpers import ROLE, ask, mesh

pytestmark = pytest.mark.django_db


def test_every_change_moves_the_version(personas):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    assert request.version == 1
    services.access_request_approve(request=request, actor=personas.producer, stage="producer", version=1)
    request.refresh_from_db()
    assert request.version == 2 and request.pending_stage == "steward"


def test_a_decision_on_a_stage_that_is_no_longer_pending_is_a_conflict_with_the_current_state(personas):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    services.access_request_approve(request=request, actor=personas.producer, stage="producer")
    with pytest.raises(Conflict) as stale:  # the admin's page still showed the producer stage
        services.access_request_approve(request=request, actor=personas.admin, stage="producer", version=1)
    assert stale.value.code == AccessRequestErrorCode.STALE_DECISION
    assert stale.value.extra["current"]["pending_stage"] == "steward" and stale.value.extra["current"]["version"] == 2
    assert not Approval.objects.filter(request=request, stage="steward").exists()  # not decided on another stage
    with pytest.raises(Conflict):
        services.access_request_reject(request=request, actor=personas.admin, reason="no", stage="producer")


def test_a_decision_on_an_older_version_of_the_same_stage_is_stale(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    request.purpose = "changed meanwhile"
    request.save()
    with pytest.raises(Conflict) as stale:
        services.access_request_approve(request=request, actor=personas.producer, stage="producer", version=1)
    assert stale.value.code == AccessRequestErrorCode.STALE_DECISION
    assert AccessRequest.objects.get(pk=request.pk).status == "pending"


def test_the_api_answers_409_with_the_current_state(personas, api_for):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    url = f"/api/v1/access-requests/{request.pk}"
    seen = api_for(personas.producer).get(f"{url}/").json()
    assert (seen["pending_stage"], seen["version"]) == ("producer", 1)
    services.access_request_approve(request=request, actor=personas.admin, stage="producer")
    stale = api_for(personas.steward).post(
        f"{url}/reject/", {"stage": "producer", "version": 1, "reason": "no"}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_decision"
    assert stale.json()["current"] == {
        "id": request.pk,
        "status": "pending",
        "pending_stage": "steward",
        "required_stages": ["steward"],
        "version": 2,
        "decision_reason": AccessRequest.objects.get(pk=request.pk).decision_reason,
    }
    fresh = api_for(personas.steward).post(
        f"{url}/reject/", {"stage": "steward", "version": 2, "reason": "no"}, format="json"
    )
    assert fresh.status_code == 200 and fresh.json()["status"] == "rejected"


def test_the_decision_form_carries_the_stage_and_version_and_a_stale_post_changes_nothing(personas, client_for):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    producer = client_for(personas.producer)
    html = producer.get(f"/requests/{request.pk}/").content.decode()
    assert 'name="stage" value="producer"' in html and 'name="version" value="1"' in html
    services.access_request_approve(request=request, actor=personas.admin, stage="producer")
    response = producer.post(f"/requests/{request.pk}/approve/", {"stage": "producer", "version": "1"}, follow=True)
    assert "changed since you saw it" in response.content.decode()
    assert not Approval.objects.filter(request=request, approver=personas.producer).exists()
    assert producer.post(f"/requests/{request.pk}/approve/", {"comment": "x"}).status_code == 302
    assert not Approval.objects.filter(request=request, approver=personas.producer).exists()  # no stage: refused


def test_bulk_decisions_go_through_the_same_service_with_each_rows_stage_and_version(personas, client_for):
    m = mesh(personas, classification="confidential")
    first = ask(personas.consumer, m.port)
    second = ask(personas.consumer, m.port, principal_arn=ROLE + "2")
    page = client_for(personas.admin).get("/requests/approvals/").content.decode()
    assert f'name="seen-{first.pk}" value="producer:1"' in page
    services.access_request_approve(request=first, actor=personas.producer, stage="producer")  # meanwhile
    response = client_for(personas.admin).post(
        "/requests/approvals/bulk/",
        {
            "action": "approve",
            "requests": [first.pk, second.pk],
            f"seen-{first.pk}": "producer:1",
            f"seen-{second.pk}": "producer:1",
        },
        follow=True,
    )
    html = response.content.decode()
    assert f"#{first.pk}: Request #{first.pk} changed since you saw it" in html
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.pending_stage == "steward" and second.pending_stage == "steward"
    assert not Approval.objects.filter(request=first, approver=personas.admin).exists()  # not the steward stage


def test_bulk_reject_without_a_reason_is_refused_by_the_service_rule(personas, client_for):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    response = client_for(personas.producer).post(
        "/requests/approvals/bulk/",
        {"action": "reject", "requests": [request.pk], f"seen-{request.pk}": "producer:1"},
        follow=True,
    )
    assert "Say why the request is rejected." in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"
