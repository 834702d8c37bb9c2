"""HTML (+ htmx) front door of access requests and grants. Views parse input, call a service, and render; the
API calls the same services (access_requests/api/views.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from access_requests import permissions, selectors, services
from access_requests.filtersets import AccessRequestFilter, GrantFilter
from access_requests.forms import (
    STALE_PAGE,
    AccessRequestForm,
    BulkDecisionForm,
    DecisionForm,
    ExtendForm,
    PolicyForm,
    RevokeForm,
    parse_seen,
)
from access_requests.models import REASON_MAX_LENGTH, AccessRequest, Grant
from access_requests.query import ready_to_query
from meshportal.aws.selectors import usable_roles
from meshportal.core.errors import DomainError, NotAllowed
from meshportal.core.forms import apply_domain_error
from meshportal.core.http import AuthenticatedHttpRequest, HtmxHttpRequest
from meshportal.identity import roles

PAGE_SIZE = 25
INBOX_SIZE = 100
# Work the portal is doing right now: the page polls fast while any row is here.
IN_FLIGHT = (AccessRequest.Status.APPROVED, AccessRequest.Status.PROVISIONING)


def _poll_interval(statuses: set[str], revoking: bool = False) -> str:
    if revoking or statuses & set(IN_FLIGHT):
        return "every 3s"
    if AccessRequest.Status.PENDING in statuses:
        return "every 30s"  # waiting for a person: no need to ask often
    return ""


def _back(request: HtmxHttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = default
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- requesting ----------------------------------------------------------------------------------


@login_required
def request_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    port_id = request.POST.get("port") or request.GET.get("port") or ""
    if not (port_id.isascii() and port_id.isdigit()):
        messages.info(request, "Open a data product in the catalog and choose “Request access” on one of its ports.")
        return redirect("access_requests:mine")
    port = selectors.port_for_request(user=request.user, pk=int(port_id))
    product = port.product
    columns = list(product.columns.order_by("position", "id"))
    usable = list(usable_roles(user=request.user))
    form = AccessRequestForm(
        request.POST or None,
        port=port,
        column_names=[c.name for c in columns],
        usable_roles=usable,
        initial={
            "requested_until": services.default_until(product=product),
            "principal_arn": selectors.last_principal_arn(user=request.user, usable=usable),
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                access_request = services.access_request_create(
                    actor=request.user,
                    port=port,
                    principal_arn=form.cleaned_data["principal_arn"].strip(),
                    permissions=form.cleaned_data["permissions"],
                    columns=form.cleaned_data.get("columns") or [],
                    purpose=form.cleaned_data["purpose"],
                    requested_until=form.cleaned_data["requested_until"],
                    accept_terms=form.cleaned_data["accept_terms"],
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Request #{access_request.pk} sent: {access_request.decision_reason}.")
                target = reverse("access_requests:detail", args=[access_request.pk])
                return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
        status = 400
    context = {
        "port": port,
        "product": product,
        "form": form,
        "columns": columns,
        "preview": selectors.policy_preview(port=port, user=request.user),
        "requestable": product.status in services.REQUESTABLE,
        "usable_roles": usable,
    }
    template = "access_requests/new.html#request-form" if request.htmx else "access_requests/new.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = selectors.access_request_list(user=request.user).filter(requester=request.user)
    filterset = AccessRequestFilter(request.GET, queryset=queryset, request=request)
    page = _page(request, filterset.qs if filterset.is_valid() else queryset.none())
    rows = list(page.object_list)
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows,
        "query": _query_without_page(request),
        "poll": _poll_interval({r.status for r in rows}),
    }
    template = "access_requests/mine.html#rows" if request.htmx else "access_requests/mine.html"
    return render(request, template, context)


# --- deciding ------------------------------------------------------------------------------------


@login_required
@require_GET
def approvals(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not roles.can_approve_anything(request.user):
        raise PermissionDenied("Approvals are for producers, data stewards and platform admins.")
    queryset = selectors.approval_inbox(user=request.user)
    filterset = AccessRequestFilter(request.GET, queryset=queryset, request=request)
    rows = list(filterset.qs[:INBOX_SIZE]) if filterset.is_valid() else []
    return render(
        request,
        "access_requests/approvals.html",
        {
            "filter": filterset,
            "rows": rows,
            "truncated": len(rows) == INBOX_SIZE,
            "bulk_form": BulkDecisionForm(request_ids=[r.pk for r in rows]),
        },
    )


@login_required
@require_POST
def approvals_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Approve or reject several requests at once; each is its own decision through the same service as a single
    one (own transaction, own audit row, the stage and version its row showed)."""
    inbox_ids = list(selectors.approval_inbox(user=request.user).values_list("pk", flat=True))
    form = BulkDecisionForm(request.POST, request_ids=inbox_ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                # ErrorList yields each message as str; django-stubs types its items as ValidationError | str.
                messages.error(request, str(error))
        return _back(request, reverse("access_requests:approvals"))
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    done, refused = [], []
    for pk in form.cleaned_data["requests"]:
        access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
        # Each row carries what its approver saw; the same services as single decisions decide (and refuse).
        seen = parse_seen(request.POST.get(f"seen-{pk}", ""))
        if seen is None:
            refused.append(f"#{pk}: {STALE_PAGE}")
            continue
        stage, version = seen
        try:
            if action == "approve":
                services.access_request_approve(
                    request=access_request, actor=request.user, comment=reason, stage=stage, version=version
                )
            else:
                services.access_request_reject(
                    request=access_request, actor=request.user, reason=reason, stage=stage, version=version
                )
        except DomainError as exc:
            refused.append(f"#{pk}: {exc.detail}")
        else:
            done.append(f"#{pk}")
    if done:
        messages.success(request, f"{'Approved' if action == 'approve' else 'Rejected'} {', '.join(done)}.")
    for line in refused:
        messages.error(request, line)
    return _back(request, reverse("access_requests:approvals"))


@login_required
def detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
    grant: Grant | None = getattr(access_request, "grant", None)
    user = request.user
    context = {
        "ar": access_request,
        "grant": grant,
        "extensions": list(access_request.extensions.order_by("-id")),
        "can_decide": permissions.can_decide(user, access_request),
        "can_withdraw": permissions.can_withdraw(user, access_request),
        "can_revoke": grant is not None and permissions.can_revoke(user, grant),
        "can_retry": grant is not None and permissions.can_retry(user, grant),
        "can_extend": grant is not None and permissions.can_extend(user, grant),
        "ready": grant
        and ready_to_query(
            grant=grant,
            port=access_request.port,
            product=access_request.product,
            consumer_account=access_request.consumer_account,
        ),
        "decision_form": DecisionForm(),
        "revoke_form": RevokeForm(),
        "poll": _poll_interval(
            {access_request.status}, revoking=grant is not None and grant.status == Grant.Status.REVOKING
        ),
    }
    template = "access_requests/detail.html#status" if request.htmx else "access_requests/detail.html"
    return render(request, template, context)


def _act(
    request: AuthenticatedHttpRequest,
    pk: int,
    call: Callable[[AccessRequest], Any],
    done: str,
    *,
    form: forms.Form | None = None,
) -> HttpResponse:
    access_request = selectors.access_request_get_for_user(user=request.user, pk=pk)
    if form is not None and not form.is_valid():
        return _refused(request, form, reverse("access_requests:detail", args=[pk]))
    try:
        call(access_request)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return _back(request, reverse("access_requests:detail", args=[pk]))


def _decision_form(request: AuthenticatedHttpRequest, comment: str) -> DecisionForm:
    return DecisionForm(
        {"comment": comment, "stage": request.POST.get("stage"), "version": request.POST.get("version")}
    )


def _refused(request: AuthenticatedHttpRequest, form: forms.Form, back: str) -> HttpResponse:
    """A decision whose text breaks the same limits the API has: nothing changes; say why."""
    for field, errors in form.errors.items():
        label = (form.fields[field].label or field) if field in form.fields else ""
        text = " ".join(str(error) for error in errors)
        messages.error(request, f"{label}: {text}" if label else text)
    return _back(request, back)


@login_required
@require_POST
def approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    form = _decision_form(request, request.POST.get("comment", ""))
    return _act(
        request,
        pk,
        lambda ar: services.access_request_approve(
            request=ar,
            actor=request.user,
            comment=form.cleaned_data["comment"],
            stage=form.cleaned_data["stage"],
            version=form.cleaned_data["version"],
        ),
        "Approved.",
        form=form,
    )


@login_required
@require_POST
def reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    form = _decision_form(request, request.POST.get("comment", "") or request.POST.get("reason", ""))
    return _act(
        request,
        pk,
        lambda ar: services.access_request_reject(
            request=ar,
            actor=request.user,
            reason=form.cleaned_data["comment"],
            stage=form.cleaned_data["stage"],
            version=form.cleaned_data["version"],
        ),
        "Rejected.",
        form=form,
    )


@login_required
@require_POST
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, lambda ar: services.access_request_withdraw(request=ar, actor=request.user), "Withdrawn.")


# --- grants --------------------------------------------------------------------------------------


@login_required
@require_GET
def grants(request: AuthenticatedHttpRequest) -> HttpResponse:
    queryset = selectors.grant_list(user=request.user)
    filterset = GrantFilter(request.GET, queryset=queryset, request=request)
    page = _page(request, filterset.qs if filterset.is_valid() else queryset.none())
    rows = list(page.object_list)
    user = request.user
    actions = {
        g.pk: {
            "revoke": permissions.can_revoke(user, g),
            "retry": permissions.can_retry(user, g),
            "extend": permissions.can_extend(user, g),
        }
        for g in rows
    }
    return render(
        request,
        "access_requests/grants.html",
        {
            "filter": filterset,
            "page": page,
            "rows": [(g, actions[g.pk]) for g in rows],
            "query": _query_without_page(request),
            "revoke_form": RevokeForm(),
        },
    )


def _grant_act(
    request: AuthenticatedHttpRequest,
    pk: int,
    call: Callable[[Grant], Any],
    done: str,
    *,
    form: forms.Form | None = None,
) -> HttpResponse:
    grant = selectors.grant_get_for_user(user=request.user, pk=pk)
    if form is not None and not form.is_valid():
        return _refused(request, form, reverse("access_requests:grants"))
    try:
        call(grant)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return _back(request, reverse("access_requests:grants"))


@login_required
@require_POST
def grant_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _grant_act(
        request,
        pk,
        lambda g: services.grant_revoke(grant=g, actor=request.user, reason=reason),
        "Revocation started; the permissions are being removed.",
        # Only the length is the form's to check: an empty reason is the service's to refuse, in its words.
        form=RevokeForm({"reason": reason}) if len(reason) > REASON_MAX_LENGTH else None,
    )


@login_required
@require_POST
def grant_retry(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _grant_act(request, pk, lambda g: services.grant_retry(grant=g, actor=request.user), "Retrying.")


@login_required
def grant_extend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    grant = selectors.grant_get_for_user(user=request.user, pk=pk)
    product = grant.product
    form = ExtendForm(
        request.POST or None,
        initial={"requested_until": services.default_until(product=product, after=grant.expires_at)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                extension = services.access_request_extend(grant=grant, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Extension requested (#{extension.pk}): {extension.decision_reason}.")
                return redirect("access_requests:detail", pk=grant.request_id)
        status = 400
    return render(
        request,
        "access_requests/extend.html",
        {
            "grant": grant,
            "form": form,
            "can_extend": permissions.can_extend(request.user, grant),
            "pending_extension": selectors.open_extension_for(grant=grant),
        },
        status=status,
    )


# --- port policy ---------------------------------------------------------------------------------


@login_required
def port_policy(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = selectors.port_for_request(user=request.user, pk=port_id)
    if not permissions.can_set_policy(request.user, port.product) and not roles.sees_everything(request.user):
        raise PermissionDenied("The owning team and platform admins set a port's access policy.")
    form = PolicyForm(
        request.POST or None,
        initial={"approval_policy": port.approval_policy, "auto_approve_owning_team": port.auto_approve_owning_team},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.access_policy_set(port=port, actor=request.user, **form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Access policy saved.")
            return redirect("access_requests:port-policy", port_id=port.pk)
    return render(
        request,
        "access_requests/policy.html",
        {
            "port": port,
            "product": port.product,
            "form": form,
            "can_edit": permissions.can_set_policy(request.user, port.product),
            "forced": selectors.two_stage_findings(port=port),
        },
    )
