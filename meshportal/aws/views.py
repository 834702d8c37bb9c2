"""Pages of the AWS footprint registry: who owns which Glue databases (read: everyone signed in, narrowed to
their teams; write: platform admins).

The htmx front door of the consumer-role registry: a team's roles, your personal roles, and the platform
admins' queue of personal roles to approve. Every write calls ``meshportal.aws.consumer_roles``."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from meshportal.aws import consumer_roles, footprints, selectors
from meshportal.aws.forms import ConsumerRoleEditForm, ConsumerRoleForm, GlueFootprintForm
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


@login_required
def team_roles(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    team = selectors.team_get_for_roles(user=request.user, slug=slug)
    can_manage = selectors.can_manage_team_roles(request.user, team)
    form = ConsumerRoleForm(request.POST or None) if can_manage else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(f"Only the leads of {team.name} and platform admins manage its roles.")
        if form.is_valid():
            try:
                role = consumer_roles.consumer_role_register(actor=request.user, team=team, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"Role “{role.name}” registered for {team.name}.")
                return redirect("aws:team-roles", slug=team.slug)
        else:
            status = 400
    return render(
        request,
        "aws/team_roles.html",
        {"team": team, "roles": list(selectors.consumer_role_list(team=team)), "form": form, "can_manage": can_manage},
        status=status,
    )


@login_required
def team_role_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = selectors.team_get_for_roles(user=request.user, slug=slug)
    role = selectors.consumer_role_get(team=team, pk=pk)
    if not selectors.can_manage_team_roles(request.user, team):
        raise PermissionDenied(f"Only the leads of {team.name} and platform admins manage its roles.")
    initial = {"name": role.name, "environment": role.environment, "kind": role.kind, "description": role.description}
    form = ConsumerRoleEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                consumer_roles.consumer_role_update(actor=request.user, role=role, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"Role “{form.cleaned_data['name']}” saved.")
                return redirect("aws:team-roles", slug=team.slug)
        else:
            status = 400
    return render(request, "aws/role_edit.html", {"team": team, "role": role, "form": form}, status=status)


@login_required
@require_POST
def team_role_remove(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    team = selectors.team_get_for_roles(user=request.user, slug=slug)
    role = selectors.consumer_role_get(team=team, pk=pk)
    _role_action(
        request,
        lambda: consumer_roles.consumer_role_remove(actor=request.user, role=role),
        done=f"Role “{role.name}” removed from the registry.",
    )
    return redirect("aws:team-roles", slug=team.slug)


@login_required
def my_roles(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Your personal roles (a platform admin approves each), and the roles you may use in requests."""
    form = ConsumerRoleForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                role = consumer_roles.consumer_role_register(actor=request.user, team=None, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, f"Personal role “{role.name}” registered; a platform admin approves it.")
                return redirect("aws:my-roles")
        else:
            status = 400
    return render(
        request,
        "aws/my_roles.html",
        {
            "personal": list(selectors.personal_role_list(user=request.user)),
            "usable": list(selectors.usable_roles(user=request.user)),
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def my_role_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    role = selectors.personal_role_get_for_user(user=request.user, pk=pk)
    _role_action(
        request,
        lambda: consumer_roles.consumer_role_remove(actor=request.user, role=role),
        done=f"Personal role “{role.name}” removed.",
    )
    return redirect("aws:my-roles")


@login_required
def pending_roles(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Personal roles waiting for a platform admin (admins approve; auditors read)."""
    if not roles.sees_everything(request.user):
        raise PermissionDenied("Only platform admins and auditors see personal roles waiting for approval.")
    return render(
        request,
        "aws/pending_roles.html",
        {
            "pending": list(selectors.pending_personal_roles(user=request.user)),
            "can_approve": roles.is_platform_admin(request.user),
        },
    )


@login_required
@require_POST
def personal_role_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    role = selectors.personal_role_get_for_user(user=request.user, pk=pk)
    _role_action(
        request,
        lambda: consumer_roles.consumer_role_approve(actor=request.user, role=role),
        done=f"Personal role “{role.name}” of {role.owner} approved.",
    )
    return redirect("aws:pending-roles")


def _role_action(request: AuthenticatedHttpRequest, action: Callable[[], object], *, done: str) -> None:
    """Run one registry action for a POST button: a refusal of who may do it is a 403, any other refusal the
    page's error message; success says ``done``."""
    try:
        action()
    except NotAllowed as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
