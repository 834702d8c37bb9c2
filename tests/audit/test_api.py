from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.audit.helpers import approved_by, at, bulk_events, make_grant
from tests.factories import DataProductFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["api-audit-event-list", "api-entitlement-list"]


@pytest.mark.parametrize("name", ENDPOINTS)
@pytest.mark.parametrize("persona", ["consumer", "producer", "steward", "outsider"])
def test_everyone_but_auditors_and_admins_gets_403(personas, api_for, name, persona):
    response = api_for(getattr(personas, persona)).get(reverse(name))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_gets_401(api_for, name):
    assert api_for(None).get(reverse(name)).status_code == 401


def test_audit_events_are_cursor_paginated_and_filtered(personas, api_for):
    bulk_events(30, event_type="access.request_created")
    bulk_events(
        5, event_type="grant.applied", principal="arn:aws:iam::333333333333:role/a", start=at("2026-06-01 00:00")
    )
    client = api_for(personas.auditor)
    first = client.get(reverse("api-audit-event-list"), {"page_size": 20}).json()
    assert [e["seq"] for e in first["results"]] == list(range(35, 15, -1))
    second = client.get(first["next"]).json()
    assert [e["seq"] for e in second["results"]] == list(range(15, 0, -1)) and second["next"] is None
    by_time = client.get(reverse("api-audit-event-list"), {"since": "2026-06-01T00:00:00Z"}).json()
    assert [e["seq"] for e in by_time["results"]] == [35, 34, 33, 32, 31]
    by_principal = client.get(
        reverse("api-audit-event-list"),
        {"principal": "arn:aws:iam::333333333333:role/a", "until": "2026-06-01T00:00:04Z"},
    )
    assert [e["seq"] for e in by_principal.json()["results"]] == [33, 32, 31]


def test_entitlements_as_of_with_the_approval_trail(personas, api_for, domain):
    product = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)
    grant = make_grant(
        product=product,
        requester=personas.consumer,
        requested_at=at("2026-02-27 09:00"),
        granted_at=at("2026-02-28 09:00"),
        ended_at=at("2026-03-02 09:00"),
        approvals=[
            *approved_by(personas.producer, at("2026-02-27 10:00")),
            ("steward", "approved", None, "policy: internal data", at("2026-02-27 11:00")),
        ],
    )
    client = api_for(personas.admin)
    body = client.get(reverse("api-entitlement-list"), {"as_of": "2026-03-01T00:00:00Z"}).json()
    assert [e["grant_id"] for e in body["results"]] == [grant.pk]
    entitlement = body["results"][0]
    assert entitlement["product"] == "sales-orders" and entitlement["domain"] == "sales"
    assert entitlement["principal_arn"] == grant.principal_arn
    assert entitlement["request"]["requester"] == "carol-consumer"
    assert [(a["stage"], a["approver"], a["by_policy"]) for a in entitlement["request"]["approvals"]] == [
        ("producer", "pat-producer", False),
        ("steward", None, True),
    ]
    assert client.get(reverse("api-entitlement-list"), {"as_of": "2026-03-03"}).json()["results"] == []
    assert client.get(reverse("api-entitlement-list")).json()["results"] == []  # default: now


def test_entitlements_reject_an_invalid_as_of_with_a_clear_message(personas, api_for):
    response = api_for(personas.auditor).get(reverse("api-entitlement-list"), {"as_of": "1st of March"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "as_of" in body["errors"]
    assert "ISO 8601" in body["detail"]


def _count(client, name: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse(name), params).status_code == 200
    return len(ctx.captured_queries)


def test_endpoints_make_the_same_number_of_queries_at_two_sizes(personas, api_for, domain):
    client = api_for(personas.auditor)
    product = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)

    def grow(n: int) -> None:
        bulk_events(n * 10)
        for _ in range(n):
            make_grant(
                product=product,
                requester=personas.consumer,
                requested_at=at("2026-01-01 00:00"),
                granted_at=at("2026-01-02 00:00"),
                approvals=approved_by(personas.producer, at("2026-01-01 01:00")),
            )

    cases = [
        ("api-audit-event-list", {}),
        ("api-audit-event-list", {"product_slug": "sales-orders"}),
        ("api-entitlement-list", {}),
        ("api-entitlement-list", {"as_of": "2026-02-01T00:00:00Z"}),
    ]
    grow(2)
    small = [_count(client, name, params) for name, params in cases]
    grow(8)
    assert [_count(client, name, params) for name, params in cases] == small
