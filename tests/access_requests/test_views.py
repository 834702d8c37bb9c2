"""The HTML pages: request form, My requests (live), approvals inbox with bulk decisions, detail, grants.
Every list and detail page answers in a constant number of queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access_requests import services
from access_requests.models import AccessRequest
from tests.access_requests.helpers import ROLE, ask, mesh
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "principal_arn": ROLE,
        "permissions": ["SELECT", "DESCRIBE"],
        "columns": ["order_id"],
        "purpose": "forecasting",
        "requested_until": (date.today() + timedelta(days=20)).isoformat(),
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def test_request_form_shows_port_terms_columns_and_how_it_is_decided(personas, client_for):
    m = mesh(personas, classification="confidential")
    response = client_for(personas.consumer).get(f"/requests/new/?port={m.port.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Internal use only." in html and "email" in html and "PII" in html
    assert "then a data steward" in html


def test_request_form_creates_and_redirects_to_the_request(personas, client_for):
    m = mesh(personas)
    response = client_for(personas.consumer).post(f"/requests/new/?port={m.port.pk}", form_data())
    request = AccessRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/requests/{request.pk}/"


def test_request_form_shows_service_refusals_on_the_fields(personas, client_for):
    m = mesh(personas)
    response = client_for(personas.consumer).post(
        f"/requests/new/?port={m.port.pk}", form_data(principal_arn="arn:aws:iam::999999999999:role/x")
    )
    assert response.status_code == 400
    assert "not a registered, active consumer or producer account" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_request_form_for_a_draft_product_says_so_and_disables_the_button(personas, client_for):
    m = mesh(personas, status="draft")
    assert client_for(personas.consumer).get(f"/requests/new/?port={m.port.pk}").status_code == 404
    html = client_for(personas.producer).get(f"/requests/new/?port={m.port.pk}").content.decode()
    assert "cannot be requested" in html and "disabled" in html


@pytest.mark.parametrize("port", ["²", "99999999999999999999999", "-1"])
def test_request_form_with_a_malformed_port_is_not_an_error(personas, client_for, port):
    assert client_for(personas.consumer).get(f"/requests/new/?port={port}").status_code in (302, 404)


def test_request_form_without_a_port_sends_people_to_their_requests(personas, client_for):
    assert client_for(personas.consumer).get("/requests/new/").status_code == 302


def test_my_requests_polls_only_while_something_is_in_flight(personas, client_for):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    client = client_for(personas.consumer)
    html = client.get("/requests/mine/", headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 3s"' in html and "badge-approved" in html and "<html" not in html
    services.grant_mark_applied(grant=request.grant)
    html = client.get("/requests/mine/").content.decode()
    assert "hx-trigger" not in html.split('id="my-requests"')[1].split(">")[0]
    assert "badge-granted" in html


def test_approvals_inbox_lists_what_you_may_decide_but_never_your_own(personas, client_for):
    m = mesh(personas, classification="confidential")
    theirs = ask(personas.consumer, m.port)
    own = ask(personas.admin, m.port)
    html = client_for(personas.admin).get("/requests/approvals/").content.decode()
    assert f"#{theirs.pk}" in html and f"#{own.pk}<" not in html
    assert "Confidential" in html and "Weekly revenue dashboard" in html
    assert client_for(personas.consumer).get("/requests/approvals/").status_code == 403
    steward_html = client_for(personas.steward).get("/requests/approvals/").content.decode()
    assert f"#{theirs.pk}" not in steward_html  # waits for the producer first


def test_bulk_approve_and_bulk_reject_needs_a_reason(personas, client_for):
    m = mesh(personas)
    first = ask(personas.consumer, m.port)
    second = ask(personas.consumer, m.port, principal_arn=ROLE + "2")
    client = client_for(personas.producer)
    seen = {f"seen-{r.pk}": f"producer:{r.version}" for r in (first, second)}
    response = client.post("/requests/approvals/bulk/", {"action": "reject", "requests": [first.pk, second.pk], **seen})
    assert response.status_code == 302
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"pending"}
    client.post(
        "/requests/approvals/bulk/", {"action": "approve", "requests": [first.pk, second.pk], "reason": "ok", **seen}
    )
    assert set(AccessRequest.objects.values_list("status", flat=True)) == {"approved"}


def test_detail_hides_decision_buttons_from_the_requester_even_an_admin(personas, client_for):
    m = mesh(personas)
    own = ask(personas.admin, m.port)
    html = client_for(personas.admin).get(f"/requests/{own.pk}/").content.decode()
    assert "Decide the" not in html and "Withdraw request" in html
    producer_html = client_for(personas.producer).get(f"/requests/{own.pk}/").content.decode()
    assert "Decide the producer stage" in producer_html
    assert client_for(personas.outsider).get(f"/requests/{own.pk}/").status_code == 404


def test_approve_reject_and_withdraw_buttons_post_to_the_services(personas, client_for):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    seen = {"stage": "producer", "version": request.version}
    client_for(personas.producer).post(f"/requests/{request.pk}/reject/", {"comment": "", **seen})
    request.refresh_from_db()
    assert request.status == "pending"  # a reason is required
    client_for(personas.producer).post(f"/requests/{request.pk}/approve/", {"comment": "fine", **seen})
    request.refresh_from_db()
    assert request.status == "approved"
    response = client_for(personas.consumer).post(f"/requests/{request.pk}/withdraw/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"] == f"/requests/{request.pk}/"
    request.refresh_from_db()
    assert request.status == "withdrawn"


def test_grants_page_revokes_with_a_reason_and_offers_extension_to_the_requester(personas, client_for):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    services.grant_mark_applied(grant=request.grant)
    consumer_html = client_for(personas.consumer).get("/requests/grants/").content.decode()
    assert "Extend" in consumer_html and "Revoke…" in consumer_html  # a member of the team holding the role
    assert "Revoke…" not in client_for(personas.steward).get("/requests/grants/").content.decode()
    producer = client_for(personas.producer)
    assert "Revoke…" in producer.get("/requests/grants/").content.decode()
    producer.post(f"/requests/grants/{request.grant.pk}/revoke/", {"reason": "contract over"})
    request.grant.refresh_from_db()
    assert request.grant.status == "revoking"


def test_extension_form_requests_an_extension(personas, client_for):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    services.access_request_approve(request=request, actor=personas.producer, comment="")
    grant = AccessRequest.objects.get(pk=request.pk).grant
    services.grant_mark_applied(grant=grant)
    client = client_for(personas.consumer)
    assert client.get(f"/requests/grants/{grant.pk}/extend/").status_code == 200
    response = client.post(
        f"/requests/grants/{grant.pk}/extend/", {"requested_until": (date.today() + timedelta(days=100)).isoformat()}
    )
    assert response.status_code == 302
    assert AccessRequest.objects.filter(extension_of=request, status="pending").exists()


def test_port_policy_page_saves_for_the_owning_team_only(personas, client_for):
    m = mesh(personas)
    assert client_for(personas.consumer).get(f"/requests/ports/{m.port.pk}/policy/").status_code == 403
    client_for(personas.producer).post(f"/requests/ports/{m.port.pk}/policy/", {"approval_policy": "two_stage"})
    m.port.refresh_from_db()
    assert m.port.approval_policy == "two_stage" and not m.port.auto_approve_owning_team


# --- constant query counts -----------------------------------------------------------------------


def _grow(personas, m, n: int) -> None:
    for _ in range(n):
        requester = UserFactory()
        request = ask(requester, m.port, principal_arn=f"{ROLE}{requester.pk}")
        services.access_request_approve(request=request, actor=personas.admin, comment="")
        services.grant_mark_applied(grant=AccessRequest.objects.get(pk=request.pk).grant)
        ask(requester, m.port, principal_arn=f"{ROLE}{requester.pk}x")


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("admin", "/requests/mine/"),
        ("producer", "/requests/approvals/"),
        ("steward", "/requests/grants/"),
        ("auditor", "/requests/grants/"),
        ("producer", "/requests/mine/?status=pending"),
    ],
)
def test_list_pages_use_a_constant_number_of_queries(personas, client_for, django_assert_num_queries, persona, url):
    m = mesh(personas)
    _grow(personas, m, 2)
    client = client_for(getattr(personas, persona))
    if persona == "admin":
        ask(personas.admin, m.port)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(personas, m, 5)
    if persona == "admin":
        ask(personas.admin, m.port, principal_arn=ROLE + "admin2")
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_detail_page_uses_a_constant_number_of_queries(personas, client_for, django_assert_num_queries):
    m = mesh(personas, classification="confidential")
    small = ask(personas.consumer, m.port)
    services.access_request_approve(request=small, actor=personas.producer, comment="")
    big = ask(personas.consumer, m.port, principal_arn=ROLE + "big")
    services.access_request_approve(request=big, actor=personas.producer, comment="")
    services.access_request_approve(request=big, actor=personas.steward, comment="")
    services.grant_mark_applied(grant=AccessRequest.objects.get(pk=big.pk).grant)
    services.access_request_extend(
        grant=AccessRequest.objects.get(pk=big.pk).grant,
        actor=personas.consumer,
        requested_until=date.today() + timedelta(days=100),
    )
    client = client_for(personas.admin)
    with CaptureQueriesContext(connection) as first:
        client.get(f"/requests/{small.pk}/")
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(f"/requests/{big.pk}/")


def test_detail_page_and_api_show_the_read_back_evidence_and_what_a_partial_grant_left(personas, client_for, api_for):
    m = mesh(personas, classification="confidential")
    verified = ask(personas.consumer, m.port)
    services.access_request_approve(request=verified, actor=personas.producer, comment="")
    services.access_request_approve(request=verified, actor=personas.steward, comment="")
    evidence = {
        "read_at": "2026-12-01T02:00:00+00:00",
        "checks": [{"name": "resource_link", "account_id": "333333333333", "ok": True, "detail": "mesh_x.t: resolves"}],
    }
    services.grant_mark_applied(grant=AccessRequest.objects.get(pk=verified.pk).grant, evidence=evidence)
    html = client_for(personas.consumer).get(f"/requests/{verified.pk}/").content.decode()
    assert "Verified in AWS" in html and "mesh_x.t: resolves" in html
    grant = AccessRequest.objects.get(pk=verified.pk).grant
    body = api_for(personas.consumer).get(f"/api/v1/grants/{grant.pk}/").json()
    assert body["evidence"] == evidence and body["left_in_aws"] == []

    partial = ask(personas.consumer, m.port, principal_arn=ROLE + "partial")
    services.access_request_approve(request=partial, actor=personas.producer, comment="")
    services.access_request_approve(request=partial, actor=personas.steward, comment="")
    left = ["Grant SELECT on Table orders to a role in Lake Formation of 222222222222"]
    services.grant_mark_partially_applied(
        grant=AccessRequest.objects.get(pk=partial.pk).grant,
        error="AWS was busy; retry later.",
        code="ThrottlingException",
        retryable=True,
        left_in_aws=left,
    )
    html = client_for(personas.consumer).get(f"/requests/{partial.pk}/").content.decode()
    assert "Partially applied" in html and "Still in AWS" in html and left[0] in html
    assert "Retry" in html and "ThrottlingException" in html  # a partial grant can be completed by retrying
