"""Catalog fixtures: products made through the services, as producers make them."""

from __future__ import annotations

import pytest

from catalog import services

COLUMNS = [
    {"name": "order_id", "data_type": "string", "description": "Order number", "classification": "internal"},
    {
        "name": "order_date",
        "data_type": "date",
        "description": "When the order was placed",
        "classification": "internal",
    },
    {"name": "amount_eur", "data_type": "decimal(12,2)", "description": "Order total", "classification": "internal"},
]


@pytest.fixture
def make_product(personas, domain, team):
    def make(slug: str = "sales-orders", *, publish: bool = False, actor=None, **fields):
        fields.setdefault("name", slug.replace("-", " ").capitalize())
        fields.setdefault("summary", f"All {slug} from every channel.")
        fields.setdefault("classification", "internal")
        fields.setdefault("columns", COLUMNS)
        fields.setdefault("domain", domain)
        fields.setdefault("owner_team", team)
        product = services.product_create(actor=actor or personas.producer, slug=slug, **fields)
        if publish:
            product = services.product_publish(actor=actor or personas.producer, product=product)
        return product

    return make


@pytest.fixture
def draft(make_product):
    return make_product("sales-orders-draft")


@pytest.fixture
def published(make_product):
    return make_product("sales-orders", publish=True, tags=["orders", "revenue"])
