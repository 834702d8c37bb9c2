"""The audit console: events (with exports), entitlements, compliance and dashboard. Auditors and platform
admins only; each view asks the selectors, which refuse everyone else."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from meshportal.audit import services
from meshportal.audit.models import AuditEvent
from meshportal.console import selectors
from meshportal.console.dashboard import dashboard_figures
from meshportal.console.export import csv_lines, ndjson_lines
from meshportal.console.filtersets import AuditEventFilter, EntitlementFilter
from meshportal.core.errors import NotAllowed
from meshportal.core.forms import parse_id
from meshportal.core.http import AuthenticatedHttpRequest

PAGE_SIZE = 50


def _allowed(read: Callable[..., Any], request: AuthenticatedHttpRequest, **kwargs: Any) -> Any:
    try:
        return read(user=request.user, **kwargs)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc


def _before(request: HttpRequest) -> int | None:
    return parse_id(request.GET.get("before"))


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


@login_required
@require_GET
def events(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = AuditEventFilter(request.GET, queryset=_allowed(selectors.audit_event_list, request))
    page: list[AuditEvent] = []
    next_before = None
    if filterset.is_valid():
        page, next_before = selectors.audit_event_page(queryset=filterset.qs, before=_before(request), size=PAGE_SIZE)
    filter_query = _query_without(request, "before")
    next_query = f"{filter_query}&before={next_before}".lstrip("&") if next_before else ""
    context = {
        "filter": filterset,
        "events": page,
        "next_query": next_query,
        "filter_query": filter_query,
        "tab": "events",
    }
    template = "audit/events.html#results" if request.htmx else "audit/events.html"
    return render(request, template, context)


def _export(
    request: AuthenticatedHttpRequest,
    lines: Callable[[QuerySet[AuditEvent]], Iterator[str]],
    content_type: str,
    extension: str,
) -> HttpResponseBase:
    filterset = AuditEventFilter(request.GET, queryset=_allowed(selectors.audit_event_list, request))
    if not filterset.is_valid():
        messages = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items())
        return HttpResponse(f"Invalid filters: {messages}\n", status=400, content_type="text/plain; charset=utf-8")
    services.audit_log_exported(
        actor=request.user,
        export_format=extension,
        filters={key: values for key, values in request.GET.lists() if any(values)},
    )
    response = StreamingHttpResponse(lines(filterset.qs), content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def export_csv(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _export(request, csv_lines, "text/csv; charset=utf-8", "csv")


@login_required
@require_GET
def export_json(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """NDJSON: one event per line, so a consumer can stream it too."""
    return _export(request, ndjson_lines, "application/x-ndjson; charset=utf-8", "ndjson")


@login_required
@require_GET
def entitlements(request: AuthenticatedHttpRequest) -> HttpResponse:
    filterset = EntitlementFilter(request.GET, queryset=_allowed(selectors.entitlement_list, request))
    rows: list[tuple[Any, list[selectors.TrailStep]]] = []
    next_before = None
    if filterset.is_valid():
        queryset = filterset.qs
        before = _before(request)
        if before is not None:
            queryset = queryset.filter(id__lt=before)
        grants = list(queryset[: PAGE_SIZE + 1])
        if len(grants) > PAGE_SIZE:
            grants, next_before = grants[:PAGE_SIZE], grants[PAGE_SIZE - 1].id
        rows = [(grant, selectors.approval_trail(grant)) for grant in grants]
    filter_query = _query_without(request, "before")
    next_query = f"{filter_query}&before={next_before}".lstrip("&") if next_before else ""
    context = {
        "filter": filterset,
        "rows": rows,
        "as_of": filterset.moment,
        "next_query": next_query,
        "tab": "entitlements",
        "now": timezone.now(),
    }
    template = "audit/entitlements.html#results" if request.htmx else "audit/entitlements.html"
    return render(request, template, context)


@login_required
@require_GET
def compliance(request: AuthenticatedHttpRequest) -> HttpResponse:
    report = _allowed(selectors.compliance_report, request)
    return render(
        request, "audit/compliance.html", {"report": report, "limit": selectors.COMPLIANCE_LIMIT, "tab": "compliance"}
    )


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    figures = _allowed(dashboard_figures, request)
    return render(request, "audit/dashboard.html", {"dashboard": figures, "tab": "dashboard"})
