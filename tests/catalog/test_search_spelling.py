"""Typo tolerance: the vocabulary, close spellings, "Showing results for", zero results (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors, services
from catalog.models import SearchTerm
from catalog.spelling import close_terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def spelled_world(personas, make_product):
    for n in range(3):
        make_product(
            f"customers-{n}",
            name=f"Customer master {n}",
            summary="Everyone who bought something.",
            columns=[{"name": "customer_id", "classification": "internal"}],
            publish=True,
        )
    make_product(
        "invoices",
        name="Invoices",
        summary="Issued invoices and their lines, daily.",
        columns=[{"name": "invoice_no", "classification": "internal"}],
        publish=True,
    )
    make_product("daily-orders", name="Daily orders", summary="Orders of every day.", publish=True)
    # One product whose summary carries the misspelling itself: it matches as typed, so it comes first.
    make_product("legacy", name="Legacy extract", summary="Old custmer extract, kept as delivered.", publish=True)


def search(user, **params):
    filterset = selectors.product_search(user=user, params=params)
    assert filterset.is_valid(), filterset.errors
    return [p.slug for p in filterset.qs], filterset.spelling


def test_the_vocabulary_follows_the_products(personas, make_product):
    product = make_product("pay", name="Payments", summary="Card payments.", tags=["settlement"])
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"payments", "card", "settlement"} <= terms
    assert "customer_id" not in terms
    services.product_update(actor=personas.producer, product=product, tags=["chargebacks"])
    assert SearchTerm.objects.filter(term="chargebacks").exists()


def test_column_names_enter_the_vocabulary_whole_and_in_words(spelled_world):
    terms = set(SearchTerm.objects.values_list("term", flat=True))
    assert {"customer_id", "customer", "invoice_no", "invoice"} <= terms


def test_close_terms_rank_the_closest_spelling_first(spelled_world):
    assert close_terms("custmer")[0] == "customer"
    assert close_terms("invocie")[0] == "invoice"
    assert close_terms("zzzzzz") == []


def test_a_typo_that_finds_nothing_shows_results_for_the_close_spelling(spelled_world, personas):
    slugs, spelling = search(personas.consumer, q="invocie")
    assert slugs == ["invoices"]
    assert spelling.original == "invocie"
    assert spelling.corrected == "invoice"


def test_a_typo_that_finds_little_ranks_the_exact_match_first_then_the_correction(spelled_world, personas):
    slugs, spelling = search(personas.consumer, q="custmer")
    assert spelling.corrected == "customer"
    assert slugs[0] == "legacy"
    assert sorted(slugs[1:]) == ["customers-0", "customers-1", "customers-2"]


def test_only_the_words_that_find_little_are_respelled(spelled_world, personas):
    slugs, spelling = search(personas.consumer, q="daily invocie")
    assert spelling.corrected == "daily invoice"
    assert slugs == ["invoices"]


def test_as_typed_searches_the_spelling_as_typed(spelled_world, personas):
    slugs, spelling = search(personas.consumer, q="invocie", as_typed="true")
    assert (slugs, spelling) == ([], None)


def test_a_search_that_finds_plenty_is_not_respelled(spelled_world, personas):
    slugs, spelling = search(personas.consumer, q="customer")
    assert spelling is None
    assert len(slugs) == 3


def test_the_api_says_what_it_searched(spelled_world, personas, api_for):
    body = api_for(personas.consumer).get("/api/v1/products/", {"q": "invocie"}).json()
    assert [r["slug"] for r in body["results"]] == ["invoices"]
    spelling = body["spelling"]
    assert (spelling["original"], spelling["corrected"]) == ("invocie", "invoice")
    assert set(spelling["suggestions"]) <= {"invoices", "invoice_no"}  # other close spellings
    body = api_for(personas.consumer).get("/api/v1/products/", {"q": "invoice"}).json()
    assert body["spelling"] is None
    body = api_for(personas.consumer).get("/api/v1/products/", {"q": "invocie", "as_typed": "true"}).json()
    assert (body["count"], body["spelling"]) == (0, None)


def test_the_page_shows_results_for_the_correction_and_links_the_spelling_as_typed(spelled_world, personas, client_for):
    response = client_for(personas.consumer).get(reverse("catalog:search"), {"q": "invocie"})
    page = response.content.decode()
    assert "Showing results for" in page and "<em>invoice</em>" in page
    assert "as_typed=true" in page
    assert "/catalog/products/invoices/" in page or 'href="/catalog/p' in page or "Invoices" in page


def test_zero_results_show_the_filters_as_removable_chips_and_the_unfiltered_count(spelled_world, personas, client_for):
    response = client_for(personas.consumer).get(
        reverse("catalog:search"), {"q": "customer", "classification": "restricted"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="filter-chips"' in page
    assert "Classification: Restricted" in page or "Classification: restricted" in page
    assert 'href="?q=customer"' in page  # the chip's removal keeps the query
    assert "3 data products match “customer” without the filters." in page


def test_zero_results_offer_close_spellings_when_none_finds_more_under_the_filters(spelled_world, personas, client_for):
    response = client_for(personas.consumer).get(
        reverse("catalog:search"), {"q": "invocie", "classification": "restricted"}
    )
    page = response.content.decode()
    assert "Did you mean" in page and ">invoice</a>" in page


def test_a_corrected_search_issues_a_constant_number_of_queries(spelled_world, personas, api_for, make_product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from meshportal.identity.models import User

    def queries() -> int:
        client = api_for(User.objects.get(pk=personas.consumer.pk))
        with CaptureQueriesContext(connection) as captured:
            body = client.get("/api/v1/products/", {"q": "invocie"}).json()
        assert body["spelling"]["corrected"] == "invoice"
        return len(captured)

    before = queries()
    for n in range(6):
        make_product(f"more-invoices-{n}", name=f"Invoice batch {n}", summary="Invoices.", publish=True)
    after = queries()
    assert before == after
    # Bounded: teams, stewarded domains, found-little count, one word's count, its close spellings, the
    # candidate's count, the count, the page (and its tiers on PostgreSQL).
    assert after <= (14 if connection.vendor == "postgresql" else 11)
