"""The "certified" facet: the governance checklist passes, with a data contract and a service level."""

from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import DataContract, DataProduct
from catalog.search import refresh_search_fields

pytestmark = pytest.mark.django_db


@pytest.fixture
def certified_world(personas, make_product):
    good = make_product("good", name="Good orders", publish=True, freshness_slo_hours=24)
    no_sla = make_product("no-sla", name="Orders without objective", publish=True)
    no_contract = make_product("no-contract", name="Orders without contract", publish=True, freshness_slo_hours=24)
    for product in (good, no_sla):
        DataContract.objects.create(product=product, version="1.0.0", odcs_version="v3.0.2", yaml_text="x")
    refresh_search_fields([good.pk, no_sla.pk, no_contract.pk])
    return good


def test_only_a_product_with_a_contract_and_a_service_level_is_certified(certified_world):
    assert dict(DataProduct.objects.values_list("slug", "certified")) == {
        "good": True,
        "no-sla": False,
        "no-contract": False,
    }


def test_a_change_that_fails_the_checklist_withdraws_the_certification(certified_world, personas):
    services.product_update(actor=personas.producer, product=certified_world, freshness_slo_hours=None)
    assert not DataProduct.objects.get(slug="good").certified


def test_the_certified_facet_filters_on_the_page_and_the_api(certified_world, personas, api_for, client_for):
    body = api_for(personas.consumer).get("/api/v1/products/", {"certified": "true", "q": "orders"}).json()
    assert [r["slug"] for r in body["results"]] == ["good"]
    facets = api_for(personas.consumer).get("/api/v1/products/facets/", {"q": "orders"}).json()
    assert facets["certified"] == [{"value": "true", "label": "Certified", "count": 1, "selected": False}]
    page = client_for(personas.consumer).get(reverse("catalog:search"), {"certified": "true"}).content.decode()
    assert "Good orders" in page and "Orders without objective" not in page
    assert 'name="certified" value="true" checked' in page
