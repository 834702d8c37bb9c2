"""In a real browser: a producer harvests a Glue table, fixes the governance findings and publishes; a consumer
then finds the product by one of its column names and sees the Request access button."""

from __future__ import annotations

import re

import pytest

from meshportal.aws.gateway import account_client
from tests.factories import PASSWORD, AwsAccountFactory, GlueFootprintFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ACCOUNT_ID = "222222222222"


def wait_for_htmx(page) -> None:
    """Wait until htmx has finished the request and settled the swapped content (and bound its triggers)."""
    # A function, not an expression: Playwright evaluates an expression with eval, which the CSP refuses.
    busy = ".htmx-request, .htmx-settling, .htmx-swapping, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/catalog/$"))


def test_producer_harvests_fixes_findings_publishes_and_consumer_finds_it(
    transactional_db, personas, team, aws, live_server, new_page
):
    from playwright.sync_api import expect

    account = AwsAccountFactory(account_id=ACCOUNT_ID, name="producer")
    GlueFootprintFactory(aws_account=account, team=team, database_pattern="loyalty")  # the team's database
    glue = account_client("glue", ACCOUNT_ID, region=account.region)
    glue.create_database(DatabaseInput={"Name": "loyalty"})
    glue.create_table(
        DatabaseName="loyalty",
        TableInput={
            "Name": "members",
            "Description": "Loyalty programme members.",
            "StorageDescriptor": {
                "Location": "s3://lake/loyalty/members/",
                "Columns": [
                    {"Name": "member_id", "Type": "string", "Comment": "Member number"},
                    {"Name": "member_email", "Type": "string", "Comment": "Where we send points statements"},
                    {"Name": "points_balance", "Type": "int", "Comment": "Points left"},
                ],
            },
        },
    )

    # --- the producer harvests the table -------------------------------------------------------------
    page = new_page()
    login(page, live_server, personas.producer.username)
    page.goto(f"{live_server.url}/catalog/harvest/")
    page.select_option("select[name=aws_account]", ACCOUNT_ID)
    wait_for_htmx(page)
    page.select_option("select[name=database_name]", "loyalty")
    wait_for_htmx(page)
    page.check("input[name=table_names][value=members]")
    page.select_option("select[name=domain]", "sales")
    page.select_option("select[name=owner_team]", "sales-analytics")
    page.click("text=Harvest selected tables")
    expect(page.locator("#harvest-status")).to_have_text("Finished")
    page.click("a:has-text('loyalty-members')")

    # --- governance findings: no classification, unclassified columns, PII ---------------------------
    expect(page.locator("h1")).to_have_text("Members")
    checklist = page.locator("#governance")
    expect(checklist.locator("li.fail")).to_have_count(3)
    expect(page.locator("button:has-text('Publish')")).to_be_disabled()
    page.click("text=Edit schema")
    for i in range(3):
        page.select_option(f"select[name=form-{i}-classification]", "confidential")
    page.click("text=Save schema")
    page.click("a:has-text('Edit')")
    page.select_option("select[name=classification]", "confidential")
    page.click("button:has-text('Save')")
    expect(page.locator("#governance li.fail")).to_have_count(0)
    page.click("button:has-text('Publish')")
    expect(page.locator(".badge-published").first).to_be_visible()

    # --- a consumer finds it by a column name, as they type ----------------------------------------------
    consumer = new_page()
    login(consumer, live_server, personas.consumer.username)
    consumer.goto(f"{live_server.url}/catalog/search/")
    consumer.locator("#q").press_sequentially("member_email", delay=20)
    result = consumer.locator("#search-results a:has-text('Members')")
    expect(result).to_be_visible()
    expect(consumer).to_have_url(re.compile(r"q=member_email"))  # a shareable URL
    result.click()
    expect(consumer.locator("a:has-text('Request access')")).to_have_attribute(
        "href", re.compile(r"^/requests/new/\?port=\d+$")
    )
