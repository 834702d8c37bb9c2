"""The figures of the governance dashboard: a fixed number of aggregate queries whatever the data size.

Counts are aggregated in SQL (``TruncWeek``, ``Count``). Lead-time percentiles are computed in Python over a
bounded query (the most recent ``LEAD_TIME_SAMPLE`` grants of the window), identical on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from access_requests.models import AccessRequest, Grant
from catalog.models import Classification, DataProduct
from meshportal.console.charts import Chart, bar_chart, line_chart
from meshportal.console.selectors import require_audit_access

WEEKS = 12
LEAD_TIME_SAMPLE = 20_000
TOP_PRODUCTS = 10

Status = AccessRequest.Status
# Outcome of a request as the dashboard groups it.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "Granted": (Status.GRANTED, Status.EXPIRED, Status.REVOKED),
    "In progress": (Status.APPROVED, Status.PROVISIONING),
    "Pending": (Status.PENDING,),
    "Rejected": (Status.REJECTED,),
    "Withdrawn": (Status.WITHDRAWN,),
    "Failed": (Status.FAILED,),
}
_OUTCOME_OF = {status: outcome for outcome, statuses in OUTCOMES.items() for status in statuses}


@dataclass(frozen=True)
class LeadTime:
    """Hours from access request to grant in place, over grants applied in the window."""

    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass
class Dashboard:
    since: date
    lead_time: LeadTime
    charts: list[Chart]


def percentile(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's PERCENTILE_CONT)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _week_start(moment: datetime) -> date:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return (local - timedelta(days=local.weekday())).date()


def _weeks(now: datetime) -> list[date]:
    current = _week_start(now)
    return [current - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]


def _requests_by_outcome(weeks: list[date], since: datetime) -> Chart:
    counts: dict[str, list[float]] = {outcome: [0.0] * len(weeks) for outcome in OUTCOMES}
    index = {week: i for i, week in enumerate(weeks)}
    rows = (
        AccessRequest.objects.filter(created_at__gte=since)
        .annotate(week=TruncWeek("created_at"))
        .values("week", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        i = index.get(_week_start(row["week"]) if isinstance(row["week"], datetime) else row["week"])
        if i is not None:
            counts[_OUTCOME_OF.get(row["status"], "Pending")][i] += row["n"]
    return bar_chart(
        slug="requests-by-outcome",
        title="Access requests per week, by outcome",
        description=f"Requests created in each of the last {WEEKS} weeks, stacked by their outcome today.",
        categories=[w.strftime("%d %b") for w in weeks],
        series=counts,
        category_label="Week of",
    )


def _lead_times(weeks: list[date], since: datetime) -> tuple[LeadTime, Chart]:
    rows = (
        Grant.objects.filter(granted_at__gte=since)
        .order_by("-granted_at")
        .values_list("granted_at", "request__created_at")[:LEAD_TIME_SAMPLE]
    )
    hours_by_week: dict[date, list[float]] = defaultdict(list)
    every: list[float] = []
    for granted_at, requested_at in rows:
        if granted_at is None:  # excluded by the filter; keeps the type checker honest
            continue
        hours = max(0.0, (granted_at - requested_at).total_seconds() / 3600)
        every.append(hours)
        hours_by_week[_week_start(granted_at)].append(hours)
    lead = LeadTime(count=len(every), median_hours=percentile(every, 0.5), p90_hours=percentile(every, 0.9))
    chart = line_chart(
        slug="lead-time",
        title="Time from request to grant (hours)",
        description="Median and 90th percentile of the hours between an access request and its permissions being "
        "in place, for grants applied in each week.",
        categories=[w.strftime("%d %b") for w in weeks],
        unit=" h",
        category_label="Week of",
        series={
            "Median": [percentile(hours_by_week.get(w, []), 0.5) for w in weeks],
            "90th percentile": [percentile(hours_by_week.get(w, []), 0.9) for w in weeks],
        },
    )
    return lead, chart


def _pending_by_domain() -> Chart:
    rows = list(
        AccessRequest.objects.filter(status=Status.PENDING)
        .values("product__domain__name")
        .annotate(n=Count("id"))
        .order_by("-n", "product__domain__name")
    )
    return bar_chart(
        slug="pending-by-domain",
        title="Pending approvals by domain",
        description="Access requests waiting for a decision, per domain of the requested product.",
        categories=[r["product__domain__name"] for r in rows],
        series={"Pending": [r["n"] for r in rows]},
        horizontal=True,
        category_label="Domain",
    )


def _products_by_domain() -> Chart:
    rows = (
        DataProduct.objects.exclude(status=DataProduct.Status.RETIRED)
        .values("domain__name", "classification")
        .annotate(n=Count("id"))
        .order_by("domain__name")
    )
    labels = dict(Classification.choices)
    by_domain: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        by_domain[row["domain__name"]][row["classification"]] = row["n"]
    domains = list(by_domain)
    classes = [c for c in [*labels, ""] if any(c in counts for counts in by_domain.values())]
    series = {labels.get(c, "Unclassified"): [float(by_domain[d].get(c, 0)) for d in domains] for c in classes}
    return bar_chart(
        slug="products-by-domain",
        title="Data products by domain and classification",
        description="Products that are not retired, per domain, stacked by classification.",
        categories=domains,
        series=series,
        horizontal=True,
        category_label="Domain",
    )


def _most_requested() -> Chart:
    rows = list(
        AccessRequest.objects.values("product__name")
        .annotate(n=Count("id"))
        .order_by("-n", "product__name")[:TOP_PRODUCTS]
    )
    return bar_chart(
        slug="most-requested",
        title=f"Most requested products (top {TOP_PRODUCTS})",
        description="Data products by number of access requests ever made.",
        categories=[r["product__name"] for r in rows],
        series={"Requests": [r["n"] for r in rows]},
        horizontal=True,
        category_label="Data product",
    )


def dashboard_figures(*, user: Any, now: datetime | None = None) -> Dashboard:
    require_audit_access(user)
    now = now or timezone.now()
    weeks = _weeks(now)
    since = timezone.make_aware(datetime.combine(weeks[0], datetime.min.time()))
    lead, lead_chart = _lead_times(weeks, since)
    charts = [
        _requests_by_outcome(weeks, since),
        lead_chart,
        _pending_by_domain(),
        _products_by_domain(),
        _most_requested(),
    ]
    return Dashboard(since=weeks[0], lead_time=lead, charts=charts)
