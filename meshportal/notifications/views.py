"""Notification inbox, the navigation counter, and a team's webhooks with their delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from meshportal.core.errors import DomainError, NotAllowed
from meshportal.core.forms import apply_domain_error, parse_id
from meshportal.core.http import AuthenticatedHttpRequest
from meshportal.notifications import selectors, services
from meshportal.notifications.forms import WebhookForm

PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    qs = selectors.notification_list(user=request.user)
    before = parse_id(request.GET.get("before"))
    if before is not None:
        qs = qs.filter(id__lt=before)
    page = list(qs[: PAGE_SIZE + 1])
    next_before = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return render(
        request,
        "notifications/inbox.html",
        {
            "notifications": page[:PAGE_SIZE],
            "next_before": next_before,
            "unread": sum(1 for n in page[:PAGE_SIZE] if n.read_at is None),
        },
    )


@login_required
@require_GET
def counter(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The unread counter of the navigation, polled by htmx."""
    return render(
        request, "notifications/_counter.html", {"unread_count": selectors.notification_unread_count(user=request.user)}
    )


@login_required
@require_POST
def mark_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    ids = [i for i in map(parse_id, request.POST.getlist("notification")) if i is not None]
    services.notification_mark_read(user=request.user, notification_ids=ids or None)
    if request.htmx:
        response = render(
            request,
            "notifications/_counter.html",
            {"unread_count": selectors.notification_unread_count(user=request.user), "oob": True},
        )
        response["HX-Refresh"] = "true"
        return response
    return redirect("notifications:inbox")


@login_required
def webhooks(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_webhooks(user=request.user, slug=slug)
    can_manage = services.can_manage_webhooks(request.user, team)
    form = WebhookForm(request.POST or None) if can_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only the team's members and platform admins manage its webhooks.")
        if form.is_valid():
            try:
                webhook = services.webhook_create(actor=request.user, team=team, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Webhook added. Its signing secret: {webhook.secret}")
                return redirect("notifications:webhooks", slug=team.slug)
    return render(
        request,
        "notifications/webhooks.html",
        {
            "team": team,
            "webhooks": list(selectors.webhook_list(team=team)),
            "form": form,
            "can_manage": can_manage,
            "deliveries": list(selectors.delivery_log(team=team)[: selectors.DELIVERY_LOG_SIZE]),
            "signature_header": services.SIGNATURE_HEADER,
        },
    )


@login_required
@require_POST
def webhook_delete(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = selectors.team_get_for_webhooks(user=request.user, slug=slug)
    webhook = selectors.webhook_get(team=team, pk=pk)
    try:
        services.webhook_delete(actor=request.user, webhook=webhook)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    messages.success(request, "Webhook removed.")
    return redirect("notifications:webhooks", slug=team.slug)
