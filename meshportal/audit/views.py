from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from meshportal.audit.filtersets import AuditEventFilter
from meshportal.audit.selectors import audit_event_list
from meshportal.core.errors import NotAllowed

PAGE_SIZE = 50


@login_required
def events(request: HttpRequest) -> HttpResponse:
    try:
        queryset = audit_event_list(user=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    filterset = AuditEventFilter(request.GET, queryset=queryset)
    page: list = []
    before = request.GET.get("before", "")
    if filterset.is_valid():
        qs = filterset.qs
        if before.isdigit():
            qs = qs.filter(id__lt=int(before))
        # Keyset pagination: one query, no COUNT(*) over millions of rows.
        page = list(qs[: PAGE_SIZE + 1])
    has_more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    params = request.GET.copy()
    params.pop("before", None)
    if has_more:
        params["before"] = str(page[-1].id)
    context = {"filter": filterset, "events": page, "next_query": params.urlencode() if has_more else ""}
    template = "audit/events.html#results" if request.htmx else "audit/events.html"
    return render(request, template, context)
