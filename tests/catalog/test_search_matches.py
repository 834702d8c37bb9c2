"""Why a product matched (highlighted fragment, matched column) and the reader's access badge, on page and API."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from access_requests.models import Grant
from catalog.matches import word_pattern
from catalog.models import DataProduct
from meshportal.identity.models import User
from tests.factories import AccessRequestFactory, OutputPortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched_world(personas, make_product):
    make_product(
        "customers",
        name="Customer master",
        summary="Everyone who bought something.",
        columns=[{"name": "customer_id", "classification": "internal", "description": "The buyer's key"}],
        publish=True,
    )
    make_product(
        "daily-orders",
        name="Daily totals",
        summary="Web & store orders <eu>, totalled by sales channel.",
        columns=[{"name": "day", "classification": "internal"}],
        publish=True,
    )
    make_product(
        "ledger",
        name="Ledger",
        summary="Bookings.",
        documentation="Intro. " + "Filler words here. " * 30 + "Reconciliation runs nightly against the bank.",
        columns=[{"name": "amount", "classification": "internal"}],
        publish=True,
    )


def api_results(client, **params):
    body = client.get("/api/v1/products/", params).json()
    return {r["slug"]: r for r in body["results"]}


def test_a_summary_match_is_highlighted_and_escaped(matched_world, personas, api_for):
    result = api_results(api_for(personas.consumer), q="orders by channel")["daily-orders"]
    assert result["match"]["field"] == "summary"
    assert "&amp; store <mark>orders</mark> &lt;eu&gt;" in result["match"]["fragment"]
    assert "<mark>channel</mark>" in result["match"]["fragment"]


def test_a_column_match_names_the_column(matched_world, personas, api_for):
    result = api_results(api_for(personas.consumer), q="cust")["customers"]
    assert result["match"]["field"] in ("column", "summary", "name")
    # "cust" is not in the summary: the name and the column match; the column says more, so it is shown.
    assert result["match"]["field"] == "column"
    assert result["match"]["column"] == "customer_id"
    assert "<mark>customer_id</mark>" in result["match"]["fragment"]


def test_a_documentation_match_shows_the_passage_around_it(matched_world, personas, api_for):
    result = api_results(api_for(personas.consumer), q="reconciliation")["ledger"]
    assert result["match"]["field"] == "documentation"
    assert result["match"]["fragment"].startswith("… ")
    assert "<mark>Reconciliation</mark> runs nightly" in result["match"]["fragment"]


def test_without_a_query_there_is_no_match(matched_world, personas, api_for):
    assert {r["match"] for r in api_results(api_for(personas.consumer)).values()} == {None}


def test_stems_and_prefixes_are_marked():
    pattern = word_pattern("orders cust")
    assert pattern is not None
    assert [m.group(0) for m in pattern.finditer("order ordering customer_id xorders")] == [
        "order",
        "ordering",
        "customer_id",
    ]
    assert word_pattern("the of") is None


def _grant(request) -> None:
    request.status = "granted"
    request.save(update_fields=["status"])
    Grant.objects.create(
        request=request,
        product=request.product,
        port=request.port,
        principal_arn=request.principal_arn,
        consumer_account=request.consumer_account,
        status=Grant.Status.ACTIVE,
        approved_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=30),
    )


def test_results_show_an_active_grant_and_a_pending_request_of_the_reader(matched_world, personas, api_for, client_for):
    customers = DataProduct.objects.get(slug="customers")
    orders = DataProduct.objects.get(slug="daily-orders")
    _grant(AccessRequestFactory(requester=personas.consumer, port=OutputPortFactory(product=customers)))
    AccessRequestFactory(requester=personas.consumer, port=OutputPortFactory(product=orders, name="second"))
    results = api_results(api_for(personas.consumer))
    assert (results["customers"]["access"], results["daily-orders"]["access"], results["ledger"]["access"]) == (
        "granted",
        "pending",
        "",
    )
    # Another reader sees no badge: the requests are not theirs.
    assert {r["access"] for r in api_results(api_for(personas.producer)).values()} == {""}
    page = client_for(personas.consumer).get(reverse("catalog:search")).content.decode()
    assert "Access granted" in page and "Request pending" in page


def test_badges_and_fragments_cost_the_same_queries_whatever_the_page(matched_world, personas, api_for, make_product):
    def queries() -> int:
        client = api_for(User.objects.get(pk=personas.consumer.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/products/", {"q": "bought"}).status_code == 200
        return len(captured)

    for n in range(3):
        make_product(f"buyers-{n}", summary="Everyone who bought twice.", publish=True)
    before = queries()
    for n in range(8):
        product = make_product(f"more-buyers-{n}", summary="Everyone who bought thrice.", publish=True)
        AccessRequestFactory(requester=personas.consumer, port=OutputPortFactory(product=product))
    assert queries() == before
