"""Who acts on the portal: a person (a ``User``) or the platform itself (a ``SystemActor``).

A system actor holds exactly the permissions it declares, nothing else: the role checks (``identity.roles``,
``catalog.permissions``, ``access_requests.permissions``) answer for it from its declaration, so every service
authorizes every caller and there is no flag that turns authorization off (STYLE.md, "Stop"). A system actor
is nobody's team member and nobody's steward; team-scoped permissions name the teams they apply to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshportal.identity.models import User


class Permission(StrEnum):
    """What a system actor may be granted."""

    # Whatever a platform admin may do (the demo loader builds a whole mesh, as an admin would).
    ACT_AS_PLATFORM_ADMIN = "act_as_platform_admin"
    # Create users without platform roles (the identity provider's first sign-in of a person).
    CREATE_USERS = "create_users"
    # Register consumer roles without asking IAM whether they exist: only a loader whose own definition also
    # creates the roles (the demo mesh writes them into the emulator's seed, which is not running yet).
    REGISTER_DECLARED_ROLES = "register_declared_roles"
    # Team-scoped: create draft data products and add output ports to the team's drafts (a Glue harvest).
    CREATE_DRAFTS = "create_drafts"


TEAM_SCOPED = frozenset({Permission.CREATE_DRAFTS})


@dataclass(frozen=True)
class SystemActor:
    """Work done by the platform itself (a Celery task, the reconciler, a policy, a loader).

    ``on_behalf_of`` is the person whose request the work carries out (who started a harvest); it is recorded
    on what the work creates and is never consulted for authorization.
    """

    name: str
    permissions: frozenset[Permission] = frozenset()
    team_ids: frozenset[int] = frozenset()
    on_behalf_of: User | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.team_ids and not self.permissions & TEAM_SCOPED:
            raise ValueError(f"System actor {self.name!r} names teams but holds no team-scoped permission.")

    @property
    def label(self) -> str:
        return f"system:{self.name}"

    def holds(self, permission: Permission, *, team_id: int | None = None) -> bool:
        """Whether this actor was granted ``permission`` (for ``team_id``, when the permission is team-scoped)."""
        if permission not in self.permissions:
            return False
        if permission in TEAM_SCOPED:
            return team_id is not None and team_id in self.team_ids
        return True


# Who may change state through a service. Anonymous visitors only read (selectors take ``request.user``).
type Actor = User | SystemActor


def holds(actor: object, permission: Permission, *, team_id: int | None = None) -> bool:
    """True only for a system actor granted ``permission``; people get their rights from their roles."""
    return isinstance(actor, SystemActor) and actor.holds(permission, team_id=team_id)


# --- the platform's system actors, each with exactly what it needs ------------------------------------

DEMO_LOADER = SystemActor(
    "demo-loader", permissions=frozenset({Permission.ACT_AS_PLATFORM_ADMIN, Permission.REGISTER_DECLARED_ROLES})
)
IDENTITY_PROVIDER = SystemActor("oidc", permissions=frozenset({Permission.CREATE_USERS}))
# These act through internal steps of their services and need no permission of their own.
ACCESS_POLICY = SystemActor("access-policy")
PROVISIONING_WORKER = SystemActor("provisioning")
GRANT_EXPIRY = SystemActor("grant-expiry")


def harvest_actor(*, team_id: int, on_behalf_of: User | None = None) -> SystemActor:
    """A Glue harvest for one team: it may create drafts (with their output ports) for that team only, and
    nothing else (not publish, not edit another product, not act for another team)."""
    return SystemActor(
        "harvest",
        permissions=frozenset({Permission.CREATE_DRAFTS}),
        team_ids=frozenset({team_id}),
        on_behalf_of=on_behalf_of,
    )
