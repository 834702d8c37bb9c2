"""In a real browser: a consumer logs in, browses the mesh home and a domain's page, searches as they type, opens a
product page, and finds schema, docs and the Request access button; a bad password shows a form error."""

from __future__ import annotations

import pytest

from catalog.models import Column
from catalog.search import refresh_search_fields
from tests.factories import PASSWORD, DataProductFactory, OutputPortFactory

pytestmark = [pytest.mark.e2e]


def _product(domain, team):
    product = DataProductFactory(
        name="Sales orders",
        slug="sales-orders",
        domain=domain,
        owner_team=team,
        summary="Every confirmed order line.",
        documentation="# Sales orders\n\nOne row per **order line**.",
    )
    for i, name in enumerate(["order_id", "net_amount", "ordered_at"]):
        Column.objects.create(
            product=product,
            name=name,
            data_type="string",
            classification="internal",
            position=i,
            description=f"The {name.replace('_', ' ')}",
        )
    OutputPortFactory(product=product, database_name="sales", table_name="orders")
    refresh_search_fields([product.pk])  # what the catalog services do on every change
    return product


def test_consumer_logs_in_and_browses_the_catalog(transactional_db, personas, domain, team, live_server, new_page):
    from playwright.sync_api import expect

    _product(domain, team)
    page = new_page()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/catalog/")

    page.get_by_label("Username").fill(personas.consumer.username)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/catalog/")
    nav = page.get_by_role("navigation", name="Primary")
    expect(nav.get_by_role("link", name="Catalog")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Audit")).to_have_count(0)  # consumers do not audit
    expect(page.get_by_text("Sales", exact=True).first).to_be_visible()
    page.get_by_role("link", name="Sales", exact=True).click()  # the domain's own page
    expect(page).to_have_url(f"{live_server.url}/catalog/domains/{domain.slug}/")
    expect(page.get_by_role("heading", name="Sales", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Sales orders")).to_be_visible()

    page.goto(f"{live_server.url}/catalog/search/?q=net_amount")
    expect(page.get_by_role("link", name="Sales orders").first).to_be_visible()
    page.get_by_role("link", name="Sales orders").first.click()
    expect(page.get_by_role("heading", name="Sales orders").first).to_be_visible()
    expect(page.get_by_text("order_id").first).to_be_visible()
    expect(page.locator("strong", has_text="order line")).to_be_visible()  # the Markdown docs, rendered
    expect(page.get_by_role("link", name="Request access").first).to_be_visible()
