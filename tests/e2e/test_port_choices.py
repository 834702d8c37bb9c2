"""In a real browser: a producer adds an output port by picking account → database → table, each list read
from Glue and narrowed to the team's footprint; another team's database is never offered."""

from __future__ import annotations

import pytest

from catalog import services
from catalog.models import OutputPort
from tests.catalog.conftest import COLUMNS
from tests.e2e.test_catalog_flow import login, wait_for_htmx
from tests.factories import AwsAccountFactory, TeamFactory, owned_glue_table, seed_glue_table

pytestmark = [pytest.mark.e2e]

ACCOUNT_ID = "222222222222"


def test_producer_picks_an_owned_table_from_dependent_selects(
    transactional_db, personas, team, domain, aws, live_server, new_page
):
    from playwright.sync_api import expect

    account = AwsAccountFactory(account_id=ACCOUNT_ID, name="producer", role="producer")
    AwsAccountFactory(account_id="333333333333", name="consumer", role="consumer")
    columns = [{"Name": c["name"], "Type": c["data_type"]} for c in COLUMNS]
    owned_glue_table(account=account, team=team, database="sales", table="orders", columns=columns)
    seed_glue_table(account, "sales", "refunds")
    owned_glue_table(account=account, team=TeamFactory(name="Finance", slug="finance"), database="finance")
    product = services.product_create(
        actor=personas.producer,
        slug="web-orders",
        name="Web orders",
        domain=domain,
        owner_team=team,
        summary="Orders from the web shop.",
        classification="internal",
        columns=COLUMNS,
    )

    page = new_page()
    login(page, live_server, personas.producer.username)
    page.goto(f"{live_server.url}/catalog/products/{product.slug}/ports/new/")
    # Only producer accounts are offered.
    expect(page.locator("select[name=aws_account] option")).to_have_count(2)  # "choose" and the producer
    page.fill("input[name=name]", "glue")
    page.select_option("select[name=aws_account]", ACCOUNT_ID)
    wait_for_htmx(page)
    databases = page.locator("select[name=database_name] option")
    expect(databases).to_have_text(["— choose —", "sales"])  # not the finance team's database
    page.select_option("select[name=database_name]", "sales")
    wait_for_htmx(page)
    tables = page.locator("select[name=table_name] option")
    expect(tables).to_have_count(3)  # the whole database, orders, refunds
    page.select_option("select[name=table_name]", "orders")
    page.click("button:has-text('Add port')")
    page.wait_for_url(f"{live_server.url}/catalog/products/{product.slug}/")
    expect(page.get_by_text("read from Glue")).to_be_visible()
    port = OutputPort.objects.get(product=product)
    assert (port.database_name, port.table_name, port.s3_location) == ("sales", "orders", "s3://lake/sales/orders/")
    assert [c["name"] for c in port.table_columns] == [c["name"] for c in COLUMNS]
