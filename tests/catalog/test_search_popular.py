"""Browsing without a query: the "popular" sort (requests of the last 90 days and active consumers) and the
mesh home's popular and recently published products per domain."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from access_requests.models import AccessRequest
from access_requests.popularity import product_popularity_refresh
from access_requests.tasks import refresh_popularity
from catalog.models import DataProduct
from tests.factories import AccessRequestFactory, OutputPortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requested_world(personas, make_product):
    quiet = make_product("quiet", name="Quiet table", publish=True)
    busy = make_product("busy", name="Busy table", publish=True)
    old = make_product("old-favourite", name="Old favourite", publish=True)
    for _ in range(3):
        AccessRequestFactory(port=OutputPortFactory(product=busy, name=f"p{_}"))
    for _ in range(5):
        AccessRequestFactory(port=OutputPortFactory(product=old, name=f"p{_}"))
    AccessRequest.objects.filter(product=old).update(created_at=timezone.now() - timezone.timedelta(days=91))
    DataProduct.objects.filter(pk=old.pk).update(consumer_count=1)
    return quiet, busy, old


def test_popularity_counts_requests_of_the_last_90_days_and_active_consumers(requested_world):
    assert product_popularity_refresh() == 2
    popularity = dict(DataProduct.objects.values_list("slug", "popularity"))
    assert popularity == {"quiet": 0, "busy": 3, "old-favourite": 1}
    assert refresh_popularity() == 0  # nothing changed since: no row rewritten


def test_the_popular_sort_puts_the_most_requested_lately_first_on_page_and_api(
    requested_world, personas, api_for, client_for
):
    product_popularity_refresh()
    body = api_for(personas.consumer).get("/api/v1/products/", {"sort": "popular"}).json()
    assert [r["slug"] for r in body["results"]] == ["busy", "old-favourite", "quiet"]
    page = client_for(personas.consumer).get(reverse("catalog:search"), {"sort": "popular"}).content.decode()
    assert page.index("Busy table") < page.index("Old favourite") < page.index("Quiet table")


def test_the_mesh_home_shows_popular_and_recently_published_products_per_domain(requested_world, personas, client_for):
    product_popularity_refresh()
    page = client_for(personas.consumer).get(reverse("catalog:home")).content.decode()
    popular = page[page.index('data-list="popular"') :]
    popular = popular[: popular.index("</ul>")]
    assert popular.index("Busy table") < popular.index("Old favourite")
    assert "Quiet table" not in popular  # nobody asked for it
    published = page[page.index('data-list="published"') :]
    assert "Quiet table" in published[: published.index("</ul>")]
