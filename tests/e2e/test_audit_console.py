"""In a real browser: an auditor logs in, filters the audit log, downloads it as CSV, and asks who could read
a product on a past date."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from tests.audit.helpers import approved_by, at, make_grant
from tests.factories import PASSWORD, DataProductFactory, OutputPortFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def page(chromium_browser) -> Iterator:
    context = chromium_browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_auditor_filters_the_log_downloads_csv_and_checks_entitlements(
    transactional_db, personas, domain, live_server, page
):
    from playwright.sync_api import expect

    product = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)
    OutputPortFactory(product=product, database_name="sales", table_name="orders")
    grant = make_grant(
        product=product,
        requester=personas.consumer,
        requested_at=at("2026-02-27 09:00"),
        granted_at=at("2026-02-28 09:00"),
        ended_at=at("2026-03-05 09:00"),
        approvals=approved_by(personas.producer, at("2026-02-27 10:00")),
    )
    audit_record(actor=personas.producer, event_type=EventType.PRODUCT_PUBLISHED, obj=product, product_id=product.pk)
    audit_record(
        actor=personas.producer,
        event_type=EventType.REQUEST_APPROVED,
        obj=grant.request,
        product_id=product.pk,
        principal=grant.principal_arn,
    )
    audit_record(
        actor=personas.admin, event_type=EventType.ROLES_CHANGED, obj=personas.auditor, after={"is_auditor": True}
    )

    # Log in through the form.
    page.goto(f"{live_server.url}/accounts/login/?next=/audit/")
    page.get_by_label("Username").fill(personas.auditor.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    rows = page.locator("#audit-results tbody tr")
    expect(rows).to_have_count(4)  # the three above and this login
    expect(page.locator("#audit-results")).to_contain_text("identity.login")

    # Filter by actor: htmx swaps the results in place and keeps the filter in the address bar.
    page.get_by_label("Actor").fill("pat-producer")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"actor=pat-producer"))
    expect(page.locator("#audit-results")).not_to_contain_text("identity.roles_changed")

    # Download the filtered log as CSV.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("audit-events-") and download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8") as fh:
        exported = list(csv.DictReader(io.StringIO(fh.read())))
    assert [(r["actor"], r["event_type"]) for r in exported] == [
        ("pat-producer", "catalog.product_published"),
        ("pat-producer", "access.request_approved"),
    ]

    # Entitlements: who could read sales.orders on 1 March?
    page.get_by_role("link", name="Entitlements").click()
    expect(page.get_by_role("heading", name="Entitlements", exact=True)).to_be_visible()
    page.get_by_label("As of").fill("2026-03-01T12:00")
    page.get_by_label("Table").fill("sales.orders")
    page.get_by_role("button", name="Apply").click()
    card = page.locator("article.entitlement")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(grant.principal_arn)
    expect(card).to_contain_text("pat-producer")
    expect(card).to_contain_text("Quarterly revenue reporting")

    page.get_by_label("As of").fill("2026-03-06T12:00")
    page.get_by_role("button", name="Apply").click()
    expect(card).to_have_count(0)
    expect(page.locator("#entitlement-results")).to_contain_text("No one held access")
