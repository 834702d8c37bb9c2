"""Role checks used by services, selectors, views and templates. Rules about *objects* live in each app's
``permissions`` and selectors.

They take a person (a ``User``, or the ``AnonymousUser`` of a request) or a ``SystemActor``; a system actor
answers from the permissions it declares (``identity.actors``) and is nobody's team member or steward.
"""

from __future__ import annotations

from typing import Any

from meshportal.identity.actors import Permission, SystemActor


def _cached(user: Any, key: str, compute: Any) -> Any:
    cache = user.__dict__.setdefault("_role_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_platform_admin(user: Any) -> bool:
    if isinstance(user, SystemActor):
        return user.holds(Permission.ACT_AS_PLATFORM_ADMIN)
    return bool(user.is_authenticated and user.is_active and user.is_platform_admin)


def is_auditor(user: Any) -> bool:
    if isinstance(user, SystemActor):
        return False
    return bool(user.is_authenticated and user.is_active and user.is_auditor)


def sees_everything(user: Any) -> bool:
    """Platform admins and auditors may read every object."""
    return is_platform_admin(user) or is_auditor(user)


def team_ids(user: Any) -> frozenset[int]:
    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return frozenset()
    return _cached(user, "team_ids", lambda: frozenset(user.team_memberships.values_list("team_id", flat=True)))


def producer_team_ids(user: Any) -> frozenset[int]:
    """The user's teams that may own data products (consumer teams only read data)."""
    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "producer_team_ids",
        lambda: frozenset(user.team_memberships.filter(team__kind="producer").values_list("team_id", flat=True)),
    )


def lead_team_ids(user: Any) -> frozenset[int]:
    """The teams the user leads (leads manage the team's consumer roles)."""
    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return frozenset()
    return _cached(
        user,
        "lead_team_ids",
        lambda: frozenset(user.team_memberships.filter(role="lead").values_list("team_id", flat=True)),
    )


def stewarded_domain_ids(user: Any) -> frozenset[int]:
    if user is None or isinstance(user, SystemActor) or not user.is_authenticated:
        return frozenset()
    return _cached(user, "steward_domain_ids", lambda: frozenset(user.stewarded_domains.values_list("id", flat=True)))


def is_producer(user: Any) -> bool:
    """A member of a producer team; a consumer team's members are consumers only."""
    return bool(producer_team_ids(user))


def is_steward(user: Any) -> bool:
    return bool(stewarded_domain_ids(user))


def can_approve_anything(user: Any) -> bool:
    return is_producer(user) or is_steward(user) or is_platform_admin(user)


def may_create_users(actor: Any) -> bool:
    """Platform admins, and the identity provider's actor (people without platform roles only)."""
    return is_platform_admin(actor) or (isinstance(actor, SystemActor) and actor.holds(Permission.CREATE_USERS))


def clear_cache(user: Any) -> None:
    user.__dict__.pop("_role_cache", None)
