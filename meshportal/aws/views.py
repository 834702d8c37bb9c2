"""Pages of the AWS footprint registry: who owns which Glue databases (read: everyone signed in, narrowed to
their teams; write: platform admins)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from meshportal.aws import footprints
from meshportal.aws.forms import GlueFootprintForm
from meshportal.core.errors import DomainError, NotAllowed
from meshportal.core.forms import apply_domain_error
from meshportal.core.http import AuthenticatedHttpRequest
from meshportal.identity import roles


@login_required
def footprint_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    is_admin = roles.is_platform_admin(request.user)
    form = GlueFootprintForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("Only platform admins record who owns which databases.")
        if form.is_valid():
            try:
                footprint = footprints.footprint_claim(actor=request.user, **form.cleaned_data)
            except NotAllowed as exc:
                raise PermissionDenied(exc.detail) from exc
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"{footprint.team.name} owns {footprint}.")
                return redirect("aws:footprints")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "aws/footprints.html",
        {"footprints": footprints.footprint_list(user=request.user), "form": form, "is_admin": is_admin},
        status=status,
    )


@login_required
@require_POST
def footprint_release(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    footprint = footprints.footprint_get_for_user(user=request.user, pk=pk)
    try:
        footprints.footprint_release(actor=request.user, footprint=footprint)
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    messages.success(request, f"Released {footprint.database_pattern} of {footprint.team.name}.")
    return redirect("aws:footprints")
