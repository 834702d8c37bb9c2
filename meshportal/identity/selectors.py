from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from meshportal.identity.models import Team, User


def team_list(*, user: Any) -> QuerySet[Team]:
    """Teams are public inside the organisation: everyone may see who owns what."""
    return Team.objects.annotate(member_count=Count("memberships")).order_by("name")


def user_teams(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")
