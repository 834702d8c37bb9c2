"""PostgreSQL search internals: word pairs for phrases, ``#tag`` lexemes, relevance tiers, planner settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from catalog import selectors, services
from catalog.models import DataProduct
from catalog.search import SearchResults, index_plans

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def rewrite(q: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT catalog_phrase_pairs(websearch_to_tsquery('english', %s))::text", [q])
        return cursor.fetchone()[0]


def slugs(user, query: str) -> list[str]:
    search = selectors.product_search(user=user, params=QueryDict(query))
    assert search.is_valid(), search.errors
    return [p.slug for p in search.qs]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("forecast", "'forecast'"),
        ("supplier_key", "'supplier_key'"),  # a two-word phrase is its pair: exact in the index
        ('"daily orders"', "'daili_order'"),
        ('"daily order lines"', "'daili' <-> 'order' <-> 'line' & 'daili_order' & 'order_line'"),
        ('-"daily orders" sales', "!'daili_order' & 'sale'"),
        ("rate -employee", "'rate' & !'employe'"),
        ('"orders of the day"', "'order' <3> 'day'"),  # no adjacent pair: left as it is
        ('"daily orders" or "weekly sales"', "'daili_order' | 'week_sale'"),
        ("the", ""),
    ],
)
def test_phrases_are_rewritten_to_their_word_pairs(q, expected):
    assert rewrite(q) == expected


def test_the_document_holds_word_pairs_and_tags(make_product):
    product = make_product(
        "pairs",
        name="Daily orders",
        summary="Order lines.",
        tags=["finance", "eu-west"],
        columns=[{"name": "supplier_key", "classification": "internal"}],
    )
    vector = DataProduct.objects.values_list("search_vector", flat=True).get(pk=product.pk)
    for lexeme in ("'daili_order'", "'supplier_key'", "'#finance'", "'#eu-west'", "'order_line'"):
        assert lexeme in vector
    services.product_update(actor=product.created_by, product=product, tags=["retail"])
    vector = DataProduct.objects.values_list("search_vector", flat=True).get(pk=product.pk)
    assert "'#retail'" in vector and "'#finance'" not in vector


def test_phrase_search_needs_the_words_adjacent(personas, make_product):
    make_product(
        "adjacent",
        name="Suppliers",
        summary="Suppliers and their contracts.",
        publish=True,
        columns=[{"name": "supplier_key", "classification": "internal"}],
    )
    make_product(
        "apart",
        name="Keys",
        summary="Every supplier has a region key.",
        publish=True,
        columns=[{"name": "region_key", "classification": "internal"}],
    )
    make_product("three", name="Lines", summary="Daily order lines, one per row.", publish=True)
    make_product("three-apart", name="Other lines", summary="Daily order totals; order lines elsewhere.", publish=True)
    assert slugs(personas.consumer, "q=supplier_key") == ["adjacent"]
    assert slugs(personas.consumer, "q=%22supplier+key%22") == ["adjacent"]
    assert set(slugs(personas.consumer, "q=supplier+key")) == {"adjacent", "apart"}
    # Both pairs exist in "three-apart" ("daily order", "order lines") but not the whole phrase: rechecked.
    assert slugs(personas.consumer, "q=%22daily+order+lines%22") == ["three"]
    assert "adjacent" not in slugs(personas.consumer, "q=supplier+-%22supplier+key%22")


def test_tag_filter_uses_the_tag_lexemes_and_follows_changes(personas, make_product):
    tagged = make_product("tagged", tags=["eu-west", "finance"], publish=True)
    make_product("other", tags=["finance-ops"], publish=True)
    assert slugs(personas.consumer, "tag=eu-west") == ["tagged"]
    assert slugs(personas.consumer, "tag=finance") == ["tagged"]  # a tag, not a word of another tag
    assert set(slugs(personas.consumer, "tag=finance&tag=finance-ops")) == {"tagged", "other"}
    services.product_update(actor=personas.producer, product=tagged, tags=["retail"])
    assert slugs(personas.consumer, "tag=finance") == []
    assert slugs(personas.consumer, "tag=retail&q=tagged") == ["tagged"]


def test_relevance_tiers_name_then_head_then_the_rest_newest_first(personas, make_product):
    now = timezone.now()
    made = {
        "in-name-old": {"name": "Invoice ledger", "summary": "Bills."},
        "in-name-new": {"name": "Invoices", "summary": "Bills."},
        "in-summary": {"name": "Bills", "summary": "Every invoice we send."},
        "in-tags": {"name": "Receipts", "summary": "Paid bills.", "tags": ["invoice"]},
        "in-columns": {
            "name": "Payments",
            "summary": "Money in.",
            "columns": [{"name": "invoice_id", "classification": "internal"}],
        },
        "in-docs": {"name": "Refunds", "summary": "Money out.", "documentation": "Linked to the original invoice."},
    }
    for age, (slug, fields) in enumerate(reversed(made.items())):
        product = make_product(slug, publish=True, **fields)
        DataProduct.objects.filter(pk=product.pk).update(updated_at=now - dt.timedelta(hours=age))
    DataProduct.objects.filter(slug="in-name-old").update(updated_at=now - dt.timedelta(days=30))
    order = slugs(personas.consumer, "q=invoice")
    assert order[:2] == ["in-name-new", "in-name-old"]
    assert set(order[2:4]) == {"in-summary", "in-tags"}
    assert set(order[4:]) == {"in-columns", "in-docs"}
    # Any slice is the same as slicing the whole order, across tiers.
    results = SearchResults(DataProduct.objects.filter(status="published"), "invoice")
    whole = [p.slug for p in results[0:6]]
    assert whole == order
    for start, stop in [(0, 1), (1, 3), (2, 5), (3, 6), (5, 6)]:
        assert [p.slug for p in results[start:stop]] == whole[start:stop]
    assert results.count_upto(1001) == results.count() == 6


def test_phrase_and_negation_tiers(personas, make_product):
    make_product("named", name="Daily orders", summary="Orders per day.", publish=True)
    make_product("summarised", name="Orders", summary="Daily orders, one row each.", publish=True)
    make_product(
        "excluded", name="Daily orders archive", summary="Old.", publish=True, documentation="Includes refunds."
    )
    assert slugs(personas.consumer, "q=%22daily+orders%22+-refunds") == ["named", "summarised"]


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_planner_settings_last_one_statement_in_autocommit(personas, make_product):
    make_product("planned", publish=True)
    before = _setting("enable_seqscan"), _setting("max_parallel_workers_per_gather")
    assert before[0] == "on"
    with index_plans():
        assert _setting("enable_seqscan") == "off" and _setting("jit") == "off"
        assert _setting("max_parallel_workers_per_gather") == "0"
    assert (_setting("enable_seqscan"), _setting("max_parallel_workers_per_gather")) == before
    assert slugs(personas.consumer, "q=planned") == ["planned"]
    assert _setting("enable_seqscan") == "on"


@pytest.mark.django_db(transaction=True)
def test_planner_settings_end_with_the_callers_transaction(personas, make_product):
    make_product("planned", publish=True)
    with transaction.atomic():
        assert slugs(personas.consumer, "q=planned") == ["planned"]
        assert _setting("enable_seqscan") == "off"  # SET LOCAL: until this transaction ends
    assert _setting("enable_seqscan") == "on"


def test_planner_settings_leave_server_side_cursors_alone(personas, make_product):
    make_product("streamed", publish=True)
    with index_plans():
        # QuerySet.iterator() declares a server-side cursor, whose statement must be a single query.
        assert [p.slug for p in DataProduct.objects.filter(slug="streamed").iterator(chunk_size=10)] == ["streamed"]
        assert DataProduct.objects.filter(slug="streamed").count() == 1
