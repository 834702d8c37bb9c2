from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from access_requests.models import AccessRequest, Approval, Grant
from catalog.models import DataProduct
from meshportal.console.dashboard import dashboard_figures, percentile
from meshportal.console.selectors import (
    approval_trail,
    compliance_report,
    entitlements_as_of,
)
from meshportal.core.errors import NotAllowed, ValidationFailed
from provisioning.models import DriftFinding, ReconcileRun
from tests.audit.helpers import approved_by, at, consumer_account, make_grant
from tests.factories import ColumnFactory, DataProductFactory, DomainFactory, OutputPortFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(personas, domain):
    """A scripted history of who could read sales.orders and marketing.leads, with known instants."""
    orders = DataProductFactory(name="Sales Orders", slug="sales-orders", domain=domain)
    OutputPortFactory(product=orders, database_name="sales", table_name="orders")
    leads = DataProductFactory(
        name="Marketing Leads", slug="marketing-leads", domain=DomainFactory(name="Marketing", slug="marketing")
    )
    OutputPortFactory(product=leads, database_name="marketing", table_name="leads")
    other_account = consumer_account("444444444444")
    c, p, s = personas.consumer, personas.producer, personas.steward
    return {
        "alice": make_grant(
            product=orders,
            requester=c,
            requested_at=at("2026-01-09 10:00"),
            granted_at=at("2026-01-10 00:00"),
            ended_at=at("2026-02-15 00:00"),
            approvals=approved_by(p, at("2026-01-09 12:00")),
        ),
        "bob": make_grant(
            product=orders,
            requester=c,
            requested_at=at("2026-01-30 08:00"),
            granted_at=at("2026-02-01 00:00"),
            approvals=[
                *approved_by(p, at("2026-01-30 09:00")),
                ("steward", "approved", s, "PII reviewed", at("2026-01-31 09:00")),
            ],
        ),
        "carol": make_grant(
            product=orders,
            requester=c,
            requested_at=at("2026-02-28 08:00"),
            granted_at=at("2026-03-01 09:00"),
            ended_at=at("2026-03-01 17:00"),
            approvals=[("producer", "approved", None, "auto-approve: owning team", at("2026-02-28 08:00"))],
        ),
        "dan": make_grant(
            product=leads,
            requester=c,
            requested_at=at("2026-02-19 08:00"),
            granted_at=at("2026-02-20 00:00"),
            ended_at=at("2026-04-01 00:00"),
            account=other_account,
            approvals=approved_by(p, at("2026-02-19 09:00")),
        ),
        "erin": make_grant(
            product=orders,
            requester=c,
            requested_at=at("2026-02-09 08:00"),
            granted_at=at("2026-02-10 00:00"),
            ended_at=at("2026-03-01 00:00"),
            approvals=approved_by(p, at("2026-02-09 09:00")),
        ),
        # Approved, never applied in AWS: never an entitlement.
        "frank": make_grant(
            product=orders,
            requester=c,
            requested_at=at("2026-02-01 08:00"),
            granted_at=None,
            status=AccessRequest.Status.FAILED,
            approvals=approved_by(p, at("2026-02-01 09:00")),
        ),
    }


def _names(history, grants) -> set[str]:
    by_id = {grant.pk: name for name, grant in history.items()}
    return {by_id[grant.pk] for grant in grants}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-01-01 00:00", set()),
        ("2026-01-10 00:00", {"alice"}),  # granted_at is inclusive
        ("2026-02-14 23:59", {"alice", "bob", "erin"}),
        ("2026-02-15 00:00", {"bob", "erin"}),  # ended_at is exclusive: removal confirmed then
        ("2026-03-01 00:00", {"bob", "dan"}),
        ("2026-03-01 12:00", {"bob", "carol", "dan"}),
        ("2026-03-01 17:00", {"bob", "dan"}),
        ("2026-05-01 00:00", {"bob"}),
    ],
)
def test_entitlements_as_of_answers_the_scripted_history(personas, history, as_of, expected):
    assert _names(history, entitlements_as_of(user=personas.auditor, as_of=at(as_of))) == expected


def test_entitlements_default_to_now(personas, history):
    assert _names(history, entitlements_as_of(user=personas.admin)) == {"bob"}


def test_entitlements_narrow_by_product_table_domain_principal_and_account(personas, history):
    moment = at("2026-03-01 12:00")
    auditor = personas.auditor
    assert _names(history, entitlements_as_of(user=auditor, as_of=moment, product="sales-orders")) == {"bob", "carol"}
    assert _names(history, entitlements_as_of(user=auditor, as_of=moment, table="sales.orders")) == {"bob", "carol"}
    assert _names(history, entitlements_as_of(user=auditor, as_of=moment, domain="marketing")) == {"dan"}
    assert _names(history, entitlements_as_of(user=auditor, as_of=moment, account="444444444444")) == {"dan"}
    bob = history["bob"].principal_arn
    assert _names(history, entitlements_as_of(user=auditor, as_of=moment, principal=bob)) == {"bob"}


def test_approval_trail_lists_people_and_policies_in_order(personas, history):
    grants = {g.pk: g for g in entitlements_as_of(user=personas.auditor, as_of=at("2026-03-01 12:00"))}
    bob = approval_trail(grants[history["bob"].pk])
    assert [(step.stage, step.by, step.by_policy) for step in bob] == [
        ("Producer", "pat-producer", False),
        ("Domain steward", "sam-steward", False),
    ]
    carol = approval_trail(grants[history["carol"].pk])
    assert [(step.by, step.by_policy, step.reason) for step in carol] == [("policy", True, "auto-approve: owning team")]


@pytest.mark.parametrize("persona", ["consumer", "producer", "steward", "outsider"])
def test_only_auditors_and_admins_read_entitlements(personas, persona):
    with pytest.raises(NotAllowed):
        entitlements_as_of(user=getattr(personas, persona))


def test_entitlements_reject_a_malformed_as_of(personas):
    with pytest.raises(ValidationFailed) as exc:
        entitlements_as_of(user=personas.auditor, as_of="first of March")  # type: ignore[arg-type]
    assert "as_of" in exc.value.errors


# --- Compliance -------------------------------------------------------------------------------------


def test_compliance_report_finds_each_kind_of_problem(personas, domain):
    now = timezone.now()
    p, c = personas.producer, personas.consumer
    product = DataProductFactory(name="Orders", slug="orders", domain=domain)
    ColumnFactory(product=product, name="order_id")
    broken = DataProductFactory(name="Leaky", slug="leaky", domain=domain)
    ColumnFactory(product=broken, name="email", classification="")
    DataProductFactory(name="Draft", slug="draft", domain=domain, status=DataProduct.Status.DRAFT, summary="")
    ok = make_grant(
        product=product,
        requester=c,
        requested_at=now - timedelta(days=5),
        granted_at=now - timedelta(days=4),
        approvals=approved_by(p, now - timedelta(days=5)),
    )
    overdue = make_grant(
        product=product,
        requester=c,
        requested_at=now - timedelta(days=100),
        granted_at=now - timedelta(days=99),
        expires_at=now - timedelta(days=1),
        approvals=approved_by(p, now - timedelta(days=100)),
    )
    ended_late = make_grant(
        product=product,
        requester=c,
        requested_at=now - timedelta(days=100),
        granted_at=now - timedelta(days=99),
        expires_at=now - timedelta(days=2),
        ended_at=now - timedelta(days=1),
        approvals=approved_by(p, now - timedelta(days=100)),
    )
    by_policy = make_grant(
        product=product,
        requester=c,
        requested_at=now - timedelta(days=3),
        granted_at=now - timedelta(days=3),
        approvals=[("producer", "approved", None, "auto-approve", now - timedelta(days=3))],
    )
    unapproved = make_grant(
        product=product, requester=c, requested_at=now - timedelta(days=3), granted_at=now - timedelta(days=2)
    )
    self_approved = make_grant(
        product=product,
        requester=p,
        requested_at=now - timedelta(days=3),
        granted_at=now - timedelta(days=2),
        approvals=approved_by(p, now - timedelta(days=3)),
    )
    rejected_too = make_grant(
        product=product,
        requester=c,
        requested_at=now - timedelta(days=3),
        granted_at=now - timedelta(days=2),
        approvals=[
            *approved_by(p, now - timedelta(days=3)),
            ("steward", Approval.Decision.REJECTED, personas.steward, "no", now - timedelta(days=2)),
        ],
    )
    run = ReconcileRun.objects.create(started_at=now)
    drift = DriftFinding.objects.create(
        run=run,
        kind="unexpected",
        account_id="333333333333",
        principal="arn:aws:iam::333333333333:role/x",
        found_at=now,
    )
    DriftFinding.objects.create(
        run=run,
        kind="missing",
        status="repaired",
        account_id="333333333333",
        principal="arn:aws:iam::333333333333:role/y",
        found_at=now,
    )

    report = compliance_report(user=personas.auditor)

    assert [row.product.slug for row in report.products.rows] == ["leaky"]
    assert "columns_classified" in {check.code for check in report.products.rows[0].failures}
    assert [g.pk for g in report.overdue_grants.rows] == [overdue.pk]
    assert {g.pk for g in report.unapproved_grants.rows} == {unapproved.pk, self_approved.pk, rejected_too.pk}
    assert report.unapproved_grants.total == 3
    assert [f.pk for f in report.open_drift.rows] == [drift.pk]
    assert {ok.pk, ended_late.pk, by_policy.pk}.isdisjoint({g.pk for g in report.unapproved_grants.rows})


def test_compliance_is_for_auditors_and_admins(personas):
    with pytest.raises(NotAllowed):
        compliance_report(user=personas.steward)


# --- Dashboard --------------------------------------------------------------------------------------


def test_percentile_interpolates_like_percentile_cont():
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([float(v) for v in range(1, 11)], 0.9) == pytest.approx(9.1)


def test_dashboard_figures(personas, domain):
    now = at("2026-03-04 12:00")  # a Wednesday: every request below falls in this week
    p, c = personas.producer, personas.consumer
    orders = DataProductFactory(name="Orders", slug="orders", domain=domain, classification="confidential")
    DataProductFactory(name="Leads", slug="leads", domain=domain, classification="internal")
    for hours in (2, 4, 6, 8, 40):
        make_grant(
            product=orders,
            requester=c,
            requested_at=now - timedelta(hours=hours + 1),
            granted_at=now - timedelta(hours=1),
            approvals=approved_by(p, now - timedelta(hours=hours)),
        )
    pending = make_grant(
        product=orders,
        requester=c,
        requested_at=now - timedelta(hours=1),
        granted_at=None,
        status=AccessRequest.Status.PENDING,
    )
    Grant.objects.filter(pk=pending.pk).delete()

    figures = dashboard_figures(user=personas.auditor, now=now)

    assert figures.lead_time.count == 5
    assert figures.lead_time.median_hours == pytest.approx(6.0, abs=0.01)
    assert figures.lead_time.p90_hours == pytest.approx(27.2, abs=0.01)  # 8 + 0.6 * (40 - 8)
    charts = {chart.slug: chart for chart in figures.charts}
    assert set(charts) == {
        "requests-by-outcome",
        "lead-time",
        "pending-by-domain",
        "products-by-domain",
        "most-requested",
    }
    this_week = charts["requests-by-outcome"].table_rows[-1]
    head = charts["requests-by-outcome"].table_head
    assert this_week[head.index("Granted")] == "5" and this_week[head.index("Pending")] == "1"
    assert charts["pending-by-domain"].table_rows == [["Sales", "1"]]
    assert charts["most-requested"].table_rows[0] == ["Orders", "6"]
    assert charts["products-by-domain"].table_head == ["Domain", "Internal", "Confidential"]
    assert charts["products-by-domain"].table_rows == [["Sales", "1", "1"]]
