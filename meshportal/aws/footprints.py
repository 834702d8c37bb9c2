"""The registry of who owns what in AWS: which team owns which Glue databases (names or patterns) in which
producer account. Platform admins keep it (services below, audited); the catalog asks it whose a database is
before it accepts an output port (``footprint_for``), so a producer can never publish another team's table.

Services and selectors of one small subject live together here, as ``services.py`` does for the account
registry."""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.errors import AwsRegistryErrorCode
from meshportal.aws.models import AwsAccount, GlueFootprint
from meshportal.aws.services import require_platform_admin
from meshportal.core.errors import Conflict, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User

# Glue database names are lower-case letters, digits and underscores (hyphens are accepted by the API);
# a pattern may add fnmatch's * ? [ ] !
# https://docs.aws.amazon.com/glue/latest/dg/define-database.html
PATTERN_RE = re.compile(r"^[a-z0-9_*?\[\]!-]{1,255}$")


def _clean_pattern(database_pattern: str) -> str:
    pattern = (database_pattern or "").strip().lower()
    if not PATTERN_RE.match(pattern):
        raise ValidationFailed(
            "A database name or pattern is 1–255 lower-case letters, digits, _ or -, with * ? [ ] as wildcards.",
            field="database_pattern",
            code=AwsRegistryErrorCode.INVALID_FOOTPRINT,
        )
    return pattern


def _specificity(footprint: GlueFootprint) -> tuple[bool, int]:
    """An exact name beats any pattern; among patterns, the one with more literal characters."""
    literal = sum(1 for ch in footprint.database_pattern if ch not in "*?[]!")
    return (not footprint.is_pattern, literal)


def footprint_for(*, aws_account: AwsAccount, database: str) -> GlueFootprint | None:
    """Whose ``database`` in ``aws_account`` is: the most specific claim that matches it, or None."""
    name = (database or "").strip().lower()
    candidates = [
        fp
        for fp in GlueFootprint.objects.filter(aws_account=aws_account).select_related("team")
        if fnmatchcase(name, fp.database_pattern)
    ]
    return max(candidates, key=_specificity, default=None)


def footprint_databases_for_team(*, team_id: int, aws_account: AwsAccount, databases: list[str]) -> list[str]:
    """Of ``databases`` (read from Glue), those ``team_id`` owns in ``aws_account``."""
    return footprint_databases_for_teams(team_ids={team_id}, aws_account=aws_account, databases=databases)


def footprint_databases_for_teams(*, team_ids: set[int], aws_account: AwsAccount, databases: list[str]) -> list[str]:
    """Of ``databases`` (read from Glue), those one of ``team_ids`` owns in ``aws_account``."""
    footprints = list(GlueFootprint.objects.filter(aws_account=aws_account))
    owned = []
    for name in databases:
        matching = [fp for fp in footprints if fnmatchcase(name.lower(), fp.database_pattern)]
        best = max(matching, key=_specificity, default=None)
        if best is not None and best.team_id in team_ids:
            owned.append(name)
    return owned


# --- selectors -------------------------------------------------------------------------------------


def footprint_list(*, user: Any) -> QuerySet[GlueFootprint]:
    """Platform admins and auditors see every claim; anyone else sees their own teams' claims."""
    qs = GlueFootprint.objects.select_related("team", "aws_account").order_by(
        "aws_account__name", "database_pattern", "id"
    )
    if roles.sees_everything(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(team__memberships__user=user)


def footprint_get_for_user(*, user: Any, pk: int) -> GlueFootprint:
    return get_object_or_404(footprint_list(user=user), pk=pk)


# --- services --------------------------------------------------------------------------------------


def _snapshot(footprint: GlueFootprint) -> dict[str, Any]:
    return {
        "team": footprint.team.slug,
        "account": footprint.aws_account.account_id,
        "database_pattern": footprint.database_pattern,
    }


@transaction.atomic
def footprint_claim(*, actor: Actor, team: Team, aws_account: AwsAccount, database_pattern: str) -> GlueFootprint:
    """Record that ``team`` owns the Glue database(s) ``database_pattern`` in the producer account."""
    require_platform_admin(actor)
    pattern = _clean_pattern(database_pattern)
    if aws_account.role != AwsAccount.Role.PRODUCER or not aws_account.is_active:
        raise ValidationFailed(
            f"{aws_account} is not an active producer account: teams own databases in producer accounts only.",
            field="aws_account",
            code=AwsRegistryErrorCode.NOT_A_PRODUCER_ACCOUNT,
        )
    # The account row is the lock: two admins claiming the same name at once get one claim and one 409.
    AwsAccount.objects.select_for_update().filter(pk=aws_account.pk).first()
    existing = GlueFootprint.objects.filter(aws_account=aws_account, database_pattern=pattern).select_related("team")
    if (other := existing.first()) is not None:
        raise Conflict(
            f"{pattern} in {aws_account.account_id} is already claimed by {other.team.name}.",
            code=AwsRegistryErrorCode.DUPLICATE_FOOTPRINT,
            field="database_pattern",
        )
    footprint = GlueFootprint.objects.create(
        team=team,
        aws_account=aws_account,
        database_pattern=pattern,
        created_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        event_type=EventType.FOOTPRINT_CLAIMED,
        obj=footprint,
        account_id=aws_account.account_id,
        after=_snapshot(footprint),
    )
    return footprint


@transaction.atomic
def footprint_release(*, actor: Actor, footprint: GlueFootprint) -> None:
    """Forget a claim. Ports already declared stay; new ports on the database need a new claim."""
    require_platform_admin(actor)
    footprint = GlueFootprint.objects.select_for_update().select_related("team", "aws_account").get(pk=footprint.pk)
    before = _snapshot(footprint)
    audit_record(
        actor=actor,
        event_type=EventType.FOOTPRINT_RELEASED,
        obj=footprint,
        account_id=footprint.aws_account.account_id,
        before=before,
    )
    footprint.delete()
