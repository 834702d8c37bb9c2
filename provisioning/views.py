from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from meshportal.aws import services as aws_services
from meshportal.core.errors import DomainError, NotAllowed
from meshportal.core.forms import apply_domain_error
from meshportal.core.http import AuthenticatedHttpRequest
from meshportal.identity import roles
from provisioning import selectors, services
from provisioning.forms import AwsAccountForm, GovernanceSettingsForm, ModelChangeForm


def _require_admin_or_auditor(request: AuthenticatedHttpRequest) -> None:
    if not roles.sees_everything(request.user):
        raise PermissionDenied("Account administration is for platform admins and auditors.")


@login_required
def accounts(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_admin_or_auditor(request)
    is_admin = roles.is_platform_admin(request.user)
    form = AwsAccountForm(request.POST or None) if is_admin else None
    governance = aws_services.governance_settings_get()
    governance_form = GovernanceSettingsForm(instance=governance) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            raise PermissionDenied("Only platform admins register accounts.")
        assert form is not None
        if form.is_valid():
            try:
                account = aws_services.account_register(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Registered {account}.")
                return redirect("provisioning:accounts")
    return render(
        request,
        "provisioning/accounts.html",
        {
            "accounts": selectors.account_list(user=request.user),
            "form": form,
            "governance": governance,
            "governance_form": governance_form,
            "is_admin": is_admin,
        },
    )


@login_required
@require_POST
def account_test(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    account = selectors.account_get_for_user(user=request.user, pk=pk)
    try:
        account = aws_services.account_test_connection(actor=request.user, account=account)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    if request.htmx:
        return render(request, "provisioning/accounts.html#account-row", {"account": account, "is_admin": True})
    level = messages.SUCCESS if account.last_test_ok else messages.ERROR
    messages.add_message(request, level, f"{account}: {account.last_test_message}")
    return redirect("provisioning:accounts")


@login_required
@require_POST
def governance(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = GovernanceSettingsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a governance model.")
        return redirect("provisioning:accounts")
    try:
        aws_services.governance_settings_update(actor=request.user, **form.cleaned_data)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    messages.success(request, "Governance settings saved.")
    return redirect("provisioning:accounts")


@login_required
def model_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Switch the governance model: choose one, read the preview, type its value to confirm."""
    if not roles.is_platform_admin(request.user):
        raise PermissionDenied("Only platform admins change the governance model.")
    form = ModelChangeForm(request.POST or request.GET or None)
    preview = None
    if form.is_bound and form.is_valid():
        preview = services.governance_model_preview(actor=request.user, model=form.cleaned_data["model"])
        if request.method == "POST":
            try:
                change = services.governance_model_change(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Switching to {change.get_to_model_display()}.")
                url = reverse("provisioning:model-change-detail", args=[change.pk])
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {"form": form, "preview": preview, "governance": aws_services.governance_settings_get()}
    template = "provisioning/model_change.html#preview" if request.htmx else "provisioning/model_change.html"
    return render(request, template, context)


@login_required
def model_change_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A switch's preview and the progress of its registrations; polled by htmx while they run."""
    try:
        change = selectors.model_change_get_for_user(user=request.user, pk=pk)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    progress = selectors.model_change_progress(change)
    template = (
        "provisioning/model_change_detail.html#progress" if request.htmx else "provisioning/model_change_detail.html"
    )
    return render(request, template, {"change": change, "progress": progress})


@login_required
def grant_timeline(request: AuthenticatedHttpRequest, grant_id: int) -> HttpResponse:
    """The grant plan and every AWS call made for it; polled by htmx while work is in flight."""
    context = selectors.grant_timeline(user=request.user, grant_id=grant_id)
    return render(request, "provisioning/_timeline.html", context)


@login_required
def operations(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        context = selectors.operations_overview(user=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    context["is_admin"] = roles.is_platform_admin(request.user)
    return render(request, "provisioning/operations.html", context)


@login_required
@require_POST
def reconcile_now(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        services.reconcile_request(actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    messages.success(request, "The reconciler is running; refresh in a moment to see its findings.")
    return redirect("provisioning:operations")
