"""Reads of the consumer-role registry, narrowed to who may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from meshportal.aws.models import ConsumerRole
from meshportal.identity import roles
from meshportal.identity.models import Team


def can_view_team_roles(user: Any, team: Team) -> bool:
    """A team's roles are seen by its members, platform admins and auditors."""
    return roles.sees_everything(user) or team.pk in roles.team_ids(user)


def can_manage_team_roles(user: Any, team: Team) -> bool:
    """Team leads and platform admins register, change and remove a team's roles."""
    return roles.is_platform_admin(user) or team.pk in roles.lead_team_ids(user)


def team_get_for_roles(*, user: Any, slug: str) -> Team:
    """The team whose roles ``user`` may see (404 otherwise: a team's roles are not public)."""
    team = Team.objects.filter(slug=slug).first()
    if team is None or not can_view_team_roles(user, team):
        raise Http404("No such team, or you are not a member.")
    return team


def consumer_role_list(*, team: Team) -> QuerySet[ConsumerRole]:
    return ConsumerRole.objects.filter(team=team).select_related("account", "team").order_by("name", "id")


def consumer_role_get(*, team: Team, pk: int) -> ConsumerRole:
    role = ConsumerRole.objects.filter(team=team, pk=pk).select_related("account", "team").first()
    if role is None:
        raise Http404("No such role in this team.")
    return role


def personal_role_list(*, user: Any) -> QuerySet[ConsumerRole]:
    """The user's own personal roles, approved or waiting."""
    if not getattr(user, "is_authenticated", False):
        return ConsumerRole.objects.none()
    return ConsumerRole.objects.filter(owner=user).select_related("account").order_by("name", "id")


def personal_role_get_for_user(*, user: Any, pk: int) -> ConsumerRole:
    """A personal role its owner, a platform admin or an auditor may see (404 otherwise)."""
    role = ConsumerRole.objects.filter(pk=pk, owner__isnull=False).select_related("account", "owner").first()
    if role is None or not (roles.sees_everything(user) or role.owner_id == getattr(user, "pk", None)):
        raise Http404("No such personal role.")
    return role


def pending_personal_roles(*, user: Any) -> QuerySet[ConsumerRole]:
    """Personal roles waiting for a platform admin (platform admins and auditors see them)."""
    if not roles.sees_everything(user):
        return ConsumerRole.objects.none()
    return (
        ConsumerRole.objects.filter(owner__isnull=False, status=ConsumerRole.Status.PENDING)
        .select_related("account", "owner")
        .order_by("created_at", "id")
    )


def usable_roles(*, user: Any) -> QuerySet[ConsumerRole]:
    """The roles ``user`` may name in an access request: the active roles of their teams and their approved
    personal roles, in registered, active accounts."""
    if not getattr(user, "is_authenticated", False):
        return ConsumerRole.objects.none()
    return (
        ConsumerRole.objects.filter(
            Q(team_id__in=roles.team_ids(user)) | Q(owner=user),
            status=ConsumerRole.Status.ACTIVE,
            account__is_active=True,
        )
        .select_related("account", "team", "owner")
        .order_by("team__name", "name", "id")
    )
