"""In a real browser: a consumer asks for access to a two-stage (confidential) port, the producer approves, a
domain steward approves the second stage, and the consumer's My requests page reaches "granted"."""

from __future__ import annotations

import pytest

from provisioning.models import ProvisioningJob
from tests.access_requests.helpers import ROLE, mesh
from tests.factories import PASSWORD
from tests.provisioning.helpers import seed_emulator

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def browser(chromium_browser):
    """The session's one Chromium (tests/e2e/conftest.py); each login gets its own context."""
    return chromium_browser


def _login(browser, live_server, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _run_pending_provisioning_jobs() -> None:
    from provisioning.engine import job_run

    for job_id in ProvisioningJob.objects.filter(status__in=["pending", "queued", "retry"]).values_list(
        "id", flat=True
    ):
        job_run(job_id=job_id)


def test_consumer_request_is_approved_in_two_stages_and_reaches_granted(
    transactional_db, personas, aws, live_server, browser
):
    from playwright.sync_api import expect

    seed_emulator(aws, tables=("customer_360",))
    m = mesh(personas, classification="confidential", slug="customer-360")

    consumer = _login(browser, live_server, personas.consumer.username)
    consumer.goto(f"{live_server.url}/requests/new/?port={m.port.pk}")
    expect(consumer.get_by_text("then a data steward")).to_be_visible()
    # The role picker offers the consumer's team's roles, with the team and the environment.
    consumer.select_option("#id_principal_arn", ROLE)
    expect(consumer.locator("#id_principal_arn option:checked")).to_contain_text("Consumers · Analyst — Production")
    consumer.get_by_label("order_id").check()
    consumer.fill("#id_purpose", "Churn model for the retention team")
    consumer.get_by_label("I accept the product's terms of use").check()
    consumer.get_by_role("button", name="Request access").click()
    expect(consumer.get_by_test_id("request-status")).to_have_text("Pending approval")
    request_url = consumer.url

    producer = _login(browser, live_server, personas.producer.username)
    producer.goto(f"{live_server.url}/requests/approvals/")
    expect(producer.get_by_text("Churn model for the retention team")).to_be_visible()
    producer.goto(request_url)
    producer.fill("#id_comment", "Fine for churn analysis")
    producer.get_by_role("button", name="Approve").click()
    expect(producer.get_by_text("waiting for the steward stage", exact=True)).to_be_visible()

    steward = _login(browser, live_server, personas.steward.username)
    steward.goto(f"{live_server.url}/requests/approvals/")
    steward.get_by_role("link", name=request_url.rstrip("/").rsplit("/", 1)[-1].join(["#", ""])).click()
    steward.get_by_role("button", name="Approve").click()
    expect(steward.get_by_test_id("request-status")).not_to_have_text("Pending approval")

    # The provisioning job normally runs in the worker; here it runs in the test against the AWS emulator.
    _run_pending_provisioning_jobs()

    consumer.goto(f"{live_server.url}/requests/mine/")
    expect(consumer.locator("#my-requests .badge").first).to_have_text("Granted", timeout=20_000)
    consumer.goto(request_url)
    expect(consumer.get_by_test_id("request-status")).to_have_text("Granted")
