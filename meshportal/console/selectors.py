"""Reads of the audit console: the event log, entitlements and the compliance report. Auditors and platform
admins only; every selector checks that first. The dashboard's figures live in ``dashboard.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from access_requests.models import Approval, Grant
from catalog.governance import Check, governance_checklist
from catalog.models import DataProduct
from meshportal.audit.models import AuditEvent
from meshportal.console.filtersets import EntitlementFilter
from meshportal.core.errors import NotAllowed, ValidationFailed
from meshportal.identity import roles
from provisioning.models import DriftFinding

EXPORT_CHUNK = 2_000
COMPLIANCE_LIMIT = 100


def require_audit_access(user: Any) -> None:
    if not roles.sees_everything(user):
        raise NotAllowed("The audit console is for auditors and platform admins.")


# --- Events ----------------------------------------------------------------------------------------


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    require_audit_access(user)
    return AuditEvent.objects.all().order_by("-id")


def audit_event_page(
    *, queryset: QuerySet[AuditEvent], before: int | None, size: int
) -> tuple[list[AuditEvent], int | None]:
    """One keyset page, newest first: the events, and the ``before`` of the next page (None on the last).
    One query whatever the depth: no OFFSET, no COUNT(*) over millions of rows."""
    if before is not None:
        queryset = queryset.filter(id__lt=before)
    page = list(queryset.order_by("-id")[: size + 1])
    return page[:size], (page[size - 1].id if len(page) > size else None)


def audit_event_rows(
    *, queryset: QuerySet[AuditEvent], fields: list[str], chunk_size: int = EXPORT_CHUNK
) -> Iterator[tuple[Any, ...]]:
    """Every event of ``queryset`` in chain order, as tuples of ``fields``, fetched in keyset chunks by id.

    Memory stays flat at any size and it works on every database (no server-side cursor needed): each chunk
    is one indexed query ``WHERE <filters> AND id > last ORDER BY id LIMIT chunk_size``.
    """
    rows = queryset.order_by("id").values_list("id", *fields)
    last, size = 0, chunk_size
    while size == chunk_size:
        chunk = list(rows.filter(id__gt=last)[:chunk_size])
        size = len(chunk)
        if size:
            last = chunk[-1][0]
        for row in chunk:
            yield row[1:]
        del chunk  # let it go before the next chunk is fetched: one chunk in memory at a time


# --- Entitlements ----------------------------------------------------------------------------------


def entitlement_list(*, user: Any) -> QuerySet[Grant]:
    """Every grant with what the entitlements view shows beside it (product, port, account, request,
    approval trail), newest first. Narrow it to one instant with ``EntitlementFilter``."""
    require_audit_access(user)
    approvals = Approval.objects.select_related("approver").order_by("decided_at", "id")
    return (
        Grant.objects.select_related("product__domain", "port", "consumer_account", "request__requester")
        .prefetch_related(Prefetch("request__approvals", queryset=approvals))
        .order_by("-id")
    )


def entitlements_as_of(
    *,
    user: Any,
    as_of: datetime | None = None,
    product: str = "",
    table: str = "",
    principal: str = "",
    account: str = "",
    domain: str = "",
) -> QuerySet[Grant]:
    """Who could read what at ``as_of`` (default now): the grants whose permissions were in place in AWS then.

    Same rules as the page and the API, which use ``EntitlementFilter`` on ``entitlement_list`` directly.
    """
    given = {
        "as_of": as_of,
        "product": product,
        "table": table,
        "principal": principal,
        "account": account,
        "domain": domain,
    }
    filterset = EntitlementFilter({k: v for k, v in given.items() if v}, queryset=entitlement_list(user=user))
    if not filterset.is_valid():
        raise ValidationFailed("Invalid entitlement filters.", errors=filterset.errors.get_json_data())
    return filterset.qs


@dataclass(frozen=True)
class TrailStep:
    """One line of a grant's approval trail."""

    stage: str
    decision: str
    by: str
    reason: str
    at: datetime | None
    by_policy: bool


def approval_trail(grant: Grant) -> list[TrailStep]:
    """The decisions behind a grant, oldest first (uses the prefetched approvals: no query)."""
    steps = []
    for approval in grant.request.approvals.all():
        approver = approval.approver
        by_policy = approver is None
        steps.append(
            TrailStep(
                stage=approval.get_stage_display(),
                decision=approval.decision,
                by=approver.username if approver is not None else "policy",
                reason=approval.reason,
                at=approval.decided_at,
                by_policy=by_policy,
            )
        )
    return steps


# --- Compliance --------------------------------------------------------------------------------------


@dataclass
class Finding:
    """One compliance section: up to ``COMPLIANCE_LIMIT`` rows to show, and how many there are."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class ComplianceReport:
    products: Finding
    overdue_grants: Finding
    unapproved_grants: Finding
    open_drift: Finding
    checked_at: datetime


@dataclass(frozen=True)
class ProductFailure:
    product: DataProduct
    failures: list[Check]


def _section(queryset: QuerySet[Any]) -> Finding:
    # Always count, so the page makes the same queries whether a section is short or truncated.
    return Finding(rows=list(queryset[:COMPLIANCE_LIMIT]), total=queryset.count())


def products_failing_governance() -> Finding:
    """Live products (published or deprecated) that fail the catalog's publish checklist today, e.g. a column
    added after publication and never classified. Drafts are left out: failing is normal before publishing."""
    products = (
        DataProduct.objects.filter(status__in=[DataProduct.Status.PUBLISHED, DataProduct.Status.DEPRECATED])
        .select_related("domain", "owner_team", "pii_override_by")
        .prefetch_related("columns", "output_ports")  # the checklist compares each port's table to the schema
        .order_by("domain__name", "name")
    )
    failing = []
    for product in products:
        checklist = governance_checklist(product, columns=list(product.columns.all()))
        if not checklist.passed:
            failing.append(ProductFailure(product=product, failures=checklist.failures))
    return Finding(rows=failing[:COMPLIANCE_LIMIT], total=len(failing))


def grants_past_end_date(*, now: datetime) -> QuerySet[Grant]:
    """Grants whose permissions are still in place in AWS after their end date: applied, never ended,
    ``expires_at`` in the past (the expiry job or a revocation has not caught up)."""
    return (
        Grant.objects.filter(granted_at__isnull=False, ended_at__isnull=True, expires_at__lt=now)
        .select_related("product", "consumer_account")
        .order_by("expires_at", "id")
    )


def grants_without_approval() -> QuerySet[Grant]:
    """Grants not backed by an approval record, whatever their status (history counts too).

    A grant is backed when its access request has an Approval row with decision "approved" given by someone
    other than the requester, or by a policy (an Approval row without approver, whose reason names the
    rule), and no Approval row with decision "rejected". Flagged: no such approval (including a
    self-approval only), or any rejection.
    """
    approved = Approval.objects.filter(request_id=OuterRef("request_id"), decision=Approval.Decision.APPROVED)
    approved_by_another = approved.exclude(approver_id=OuterRef("request__requester_id"))
    rejected = Approval.objects.filter(request_id=OuterRef("request_id"), decision=Approval.Decision.REJECTED)
    return (
        Grant.objects.filter(Q(~Exists(approved_by_another)) | Q(Exists(rejected)))
        .select_related("product", "consumer_account", "request__requester")
        .order_by("-id")
    )


def open_drift() -> QuerySet[DriftFinding]:
    return (
        DriftFinding.objects.filter(status=DriftFinding.Status.OPEN).select_related("run").order_by("-found_at", "-id")
    )


def compliance_report(*, user: Any) -> ComplianceReport:
    require_audit_access(user)
    now = timezone.now()
    return ComplianceReport(
        products=products_failing_governance(),
        overdue_grants=_section(grants_past_end_date(now=now)),
        unapproved_grants=_section(grants_without_approval()),
        open_drift=_section(open_drift()),
        checked_at=now,
    )
