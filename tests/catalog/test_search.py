from __future__ import annotations

import pytest
from django.http import QueryDict
from django.utils import timezone

from catalog import selectors, services
from catalog.search import is_postgres

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog_world(personas, make_product, domain):
    from tests.factories import DomainFactory

    marketing = DomainFactory(name="Marketing", slug="marketing")
    make_product(
        "orders",
        name="Orders",
        summary="Every web and store order.",
        tags=["orders", "revenue"],
        publish=True,
        freshness_slo_hours=24,
        last_refreshed_at=timezone.now(),
    )
    make_product(
        "customers",
        name="Customers",
        summary="Customer master data.",
        classification="confidential",
        tags=["crm"],
        publish=True,
        columns=[{"name": "customer_email", "classification": "confidential", "description": "Where receipts go"}],
        freshness_slo_hours=1,
        last_refreshed_at=timezone.now() - timezone.timedelta(days=2),
    )
    make_product(
        "campaigns",
        name="Campaigns",
        summary="Marketing campaigns and budgets.",
        domain=marketing,
        documentation="Budgets are in euros. Orders are attributed elsewhere.",
        publish=True,
        criticality="high",
    )
    make_product("secret-draft", name="Secret orders draft", summary="Not yet published orders.")


def slugs(user, **params):
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    search = selectors.product_search(user=user, params=data)
    assert search.is_valid(), search.errors
    return [p.slug for p in search.qs]


def test_search_ranks_name_matches_above_documentation_matches(catalog_world, personas):
    assert slugs(personas.consumer, q="orders") == ["orders", "campaigns"]


def test_search_finds_products_by_column_name_and_description(catalog_world, personas):
    assert slugs(personas.consumer, q="customer_email") == ["customers"]
    assert slugs(personas.consumer, q="receipts") == ["customers"]


def test_search_by_tag_and_summary_words(catalog_world, personas):
    assert slugs(personas.consumer, q="crm") == ["customers"]
    assert slugs(personas.consumer, q="budgets") == ["campaigns"]


def test_search_never_shows_other_teams_drafts(catalog_world, personas):
    assert "secret-draft" not in slugs(personas.consumer, q="orders")
    assert "secret-draft" in slugs(personas.producer, q="orders")


def test_facet_filters_combine(catalog_world, personas):
    assert slugs(personas.consumer, domain="marketing") == ["campaigns"]
    assert slugs(personas.consumer, classification="confidential") == ["customers"]
    assert slugs(personas.consumer, criticality="high") == ["campaigns"]
    assert slugs(personas.consumer, tag=["crm", "revenue"], sort="name") == ["customers", "orders"]
    assert slugs(personas.consumer, freshness="fresh") == ["orders"]
    assert slugs(personas.consumer, freshness="stale") == ["customers"]
    assert slugs(personas.consumer, q="orders", domain="sales") == ["orders"]


def test_sorts(catalog_world, personas):
    from catalog.models import DataProduct

    DataProduct.objects.filter(slug="campaigns").update(request_count=10)
    assert slugs(personas.consumer, sort="requested")[0] == "campaigns"
    assert slugs(personas.consumer, sort="name") == ["campaigns", "customers", "orders"]


def test_unknown_filter_values_are_invalid(catalog_world, personas):
    search = selectors.product_search(user=personas.consumer, params=QueryDict("domain=nope&sort=bogus"))
    assert not search.is_valid()
    assert {"domain", "sort"} <= set(search.errors)


def test_facets_count_under_the_other_filters(catalog_world, personas):
    facets = selectors.product_facets(user=personas.consumer, params=QueryDict("domain=sales"))
    domain = {f.value: (f.count, f.selected) for f in facets["domain"]}
    assert domain == {"sales": (2, True), "marketing": (1, False)}  # own facet ignores its own filter
    assert {f.value: f.count for f in facets["classification"]} == {"internal": 1, "confidential": 1}
    assert {f.value: f.count for f in facets["freshness"]} == {"fresh": 1, "stale": 1}
    assert {f.value: f.count for f in facets["tag"]} == {"crm": 1, "orders": 1, "revenue": 1}


def test_facets_take_a_constant_number_of_queries(catalog_world, personas, make_product, django_assert_num_queries):
    from meshportal.identity import roles

    params = QueryDict("q=orders&tag=orders&domain=sales")
    roles.team_ids(personas.consumer)
    roles.stewarded_domain_ids(personas.consumer)
    # 8 aggregates (certified included) + validating the tag and domain values in each of the facet filtersets
    # (2 × 7)
    with django_assert_num_queries(22):
        selectors.product_facets(user=personas.consumer, params=params)
    for i in range(15):
        make_product(f"more-{i}", tags=[f"t{i}", "orders"], publish=True)
    with django_assert_num_queries(22):
        selectors.product_facets(user=personas.consumer, params=params)


def test_search_text_follows_schema_changes(catalog_world, personas):
    from catalog.models import DataProduct

    product = DataProduct.objects.get(slug="orders")
    services.product_update(actor=personas.producer, product=product, tags=["sales-ledger"])
    assert slugs(personas.consumer, q="ledger") == ["orders"]


@pytest.mark.postgres
def test_postgres_uses_the_weighted_tsvector(catalog_world, personas):
    from catalog.models import DataProduct

    assert is_postgres()
    assert not DataProduct.objects.filter(search_vector__isnull=True).exists()
    assert slugs(personas.consumer, q='"customer master"') == ["customers"]
    assert slugs(personas.consumer, q="orders -campaigns") == ["orders"]
