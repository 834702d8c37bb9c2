"""Search as people type it: prefixes, stop words, odd input (on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from catalog import selectors
from catalog.search import MAX_QUERY_LENGTH, ParsedQuery, clean_query, content_words

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed_world(personas, make_product):
    make_product(
        "customers",
        name="Customer master",
        summary="Everyone who bought something.",
        columns=[{"name": "customer_id", "classification": "internal"}],
        publish=True,
    )
    make_product(
        "daily-orders",
        name="Daily orders",
        summary="Web and store orders, totalled by sales channel.",
        columns=[{"name": "order_date", "classification": "internal"}],
        publish=True,
    )
    make_product(
        "invoices",
        name="Invoices",
        summary="Issued invoices and their lines.",
        columns=[{"name": "invoice_no", "classification": "internal"}],
        publish=True,
    )


def slugs(user, q: str) -> list[str]:
    search = selectors.product_search(user=user, params=QueryDict(mutable=True) | {"q": q})
    assert search.is_valid(), search.errors
    return [p.slug for p in search.qs]


@pytest.mark.parametrize(
    ("q", "rest", "prefix"),
    [
        ("custo", "", "custo"),
        ("daily orders by chan", "daily orders by", "chan"),
        ("daily or", "daily or", ""),  # too short to be a prefix
        ("orders or cust", "orders or cust", ""),  # after "or": an alternative, left to websearch
        ("rate -employ", "rate -employ", ""),  # a negation
        ('"daily ord', '"daily ord', ""),  # inside an open quote
        ("orders the", "orders the", ""),  # a stop word
        ("customer_i", "customer_i", ""),
    ],
)
def test_the_last_plain_word_is_read_as_a_prefix(q, rest, prefix):
    parsed = ParsedQuery.parse(q)
    assert (parsed.rest, parsed.prefix) == (rest, prefix)


def test_a_word_being_typed_finds_products_by_prefix(typed_world, personas):
    assert slugs(personas.consumer, "custo") == ["customers"]
    assert slugs(personas.consumer, "invoi") == ["invoices"]
    assert slugs(personas.consumer, "daily ord") == ["daily-orders"]


def test_a_column_name_prefix_finds_the_column(typed_world, personas):
    assert slugs(personas.consumer, "cust") == ["customers"]
    assert slugs(personas.consumer, "invoice_no") == ["invoices"]


def test_a_natural_phrase_needs_its_content_words_not_its_stop_words(typed_world, personas):
    assert slugs(personas.consumer, "daily orders by channel") == ["daily-orders"]
    assert slugs(personas.consumer, "the orders of the web") == ["daily-orders"]
    assert content_words("the orders of the -web") == ["orders"]


def test_a_query_of_stop_words_or_punctuation_finds_nothing(typed_world, personas):
    for q in ("the of and", "-", "!!! ??", '"', "&|!<->:*"):
        assert slugs(personas.consumer, q) == [], q


def test_control_characters_are_dropped_and_long_queries_cut():
    assert clean_query("cust\x00omer\torders\x1f") == "cust omer orders"
    assert len(clean_query("x" * 10_000)) == MAX_QUERY_LENGTH


@pytest.mark.parametrize(
    "q",
    [
        "the of and",
        "x" * 10_000,
        "customer " * 2_000,
        '"unbalanced quote',
        'a "b" "c',
        "-",
        "- - -",
        "顧客 データ",
        "клиенты",
        "cust\x00omer",
        "\x00",
        "'; DROP TABLE catalog_dataproduct; --",
        "a:* & b | !c <-> (d",
        "\\",
        "or",
        "-customer",
    ],
)
@pytest.mark.parametrize("door", ["api", "page"])
def test_odd_input_is_never_a_server_error(typed_world, personas, api_for, client_for, q, door):
    if door == "api":
        response = api_for(personas.consumer).get("/api/v1/products/", {"q": q})
    else:
        response = client_for(personas.consumer).get(reverse("catalog:search"), {"q": q})
    assert response.status_code in (200, 400), response.content[:500]
