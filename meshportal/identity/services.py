"""Identity changes: users, roles, teams and sessions. Each writes its audit event in its transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import IDENTITY_PROVIDER, Actor, SystemActor
from meshportal.identity.errors import IdentityErrorCode
from meshportal.identity.models import Team, TeamMembership, User

ROLE_FIELDS = ("is_platform_admin", "is_auditor", "is_active")


def _require_admin(actor: Actor) -> None:
    if not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins can manage users and teams.")


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    email: str = "",
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    is_platform_admin: bool = False,
    is_auditor: bool = False,
) -> User:
    if not roles.may_create_users(actor):
        raise NotAllowed("Only platform admins can manage users and teams.")
    if (is_platform_admin or is_auditor) and not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins give platform roles.")
    username = username.strip()
    if not username:
        raise ValidationFailed("A username is required.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"A user named {username!r} already exists.", code=IdentityErrorCode.DUPLICATE_USERNAME)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_platform_admin=is_platform_admin,
        is_auditor=is_auditor,
        is_staff=is_platform_admin,
        is_superuser=is_platform_admin,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor,
        event_type=EventType.USER_CREATED,
        obj=user,
        after={"username": username, "email": email, "is_platform_admin": is_platform_admin, "is_auditor": is_auditor},
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: Actor, user: User, **changes: bool) -> User:
    """Change a user's platform roles (admin, auditor, active)."""
    _require_admin(actor)
    unknown = set(changes) - set(ROLE_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown role field(s): {', '.join(sorted(unknown))}.")
    if isinstance(actor, User) and actor.pk == user.pk and changes.get("is_platform_admin") is False:
        raise NotAllowed(
            "You cannot remove your own platform-admin role; ask another admin.", code=IdentityErrorCode.SELF_DEMOTION
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    before = {f: getattr(user, f) for f in ROLE_FIELDS}
    for field, value in changes.items():
        setattr(user, field, bool(value))
    user.is_staff = user.is_superuser = user.is_platform_admin
    user.save(update_fields=[*ROLE_FIELDS, "is_staff", "is_superuser"])
    after = {f: getattr(user, f) for f in ROLE_FIELDS}
    if before != after:
        audit_record(actor=actor, event_type=EventType.ROLES_CHANGED, obj=user, before=before, after=after)
    roles.clear_cache(user)
    return user


@transaction.atomic
def team_create(
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    description: str = "",
    email: str = "",
    kind: str = Team.Kind.PRODUCER,
) -> Team:
    _require_admin(actor)
    if kind not in Team.Kind.values:
        raise ValidationFailed(f"Unknown team kind {kind!r}: producer or consumer.", field="kind")
    name = name.strip()
    slug = slug or slugify(name)
    if not name or not slug:
        raise ValidationFailed("A team needs a name.", field="name")
    if Team.objects.filter(slug=slug).exists() or Team.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A team named {name!r} already exists.", code=IdentityErrorCode.DUPLICATE_TEAM)
    team = Team.objects.create(name=name, slug=slug, description=description, email=email, kind=kind)
    audit_record(
        actor=actor,
        event_type=EventType.TEAM_CREATED,
        obj=team,
        after={"name": name, "slug": slug, "email": email, "kind": kind},
    )
    return team


@transaction.atomic
def team_add_member(*, actor: Actor, team: Team, user: User, role: str = TeamMembership.Role.MEMBER) -> TeamMembership:
    if not (roles.is_platform_admin(actor) or _is_team_lead(actor, team)):
        raise NotAllowed("Only platform admins and team leads can add team members.")
    if role not in TeamMembership.Role.values:
        raise ValidationFailed(f"Unknown team role {role!r}.", field="role")
    membership, created = TeamMembership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if created or membership.role == role:
        audit_record(
            actor=actor, event_type=EventType.TEAM_MEMBER_ADDED, obj=team, after={"user": user.username, "role": role}
        )
    roles.clear_cache(user)
    return membership


@transaction.atomic
def team_remove_member(*, actor: Actor, team: Team, user: User) -> None:
    if not (roles.is_platform_admin(actor) or _is_team_lead(actor, team)):
        raise NotAllowed("Only platform admins and team leads can remove team members.")
    deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
    if deleted:
        audit_record(actor=actor, event_type=EventType.TEAM_MEMBER_REMOVED, obj=team, before={"user": user.username})
    roles.clear_cache(user)


def _is_team_lead(user: Any, team: Team) -> bool:
    return bool(
        not isinstance(user, SystemActor)
        and user.is_authenticated
        and TeamMembership.objects.filter(team=team, user=user, role=TeamMembership.Role.LEAD).exists()
    )


@transaction.atomic
def session_logout_record(*, user: User) -> None:
    audit_record(actor=user, event_type=EventType.LOGOUT, obj=user)


@transaction.atomic
def user_sync_from_idp(*, claims: dict[str, Any], admin_groups: list[str], auditor_groups: list[str]) -> User:
    """Create or update the user an OpenID Connect login names, mapping IdP groups onto platform roles.

    SSO users are found by the provider's subject (``sub``) only. A local account with the same user name
    or e-mail is never linked automatically: the SSO user gets a distinct user name instead, so an IdP user
    cannot take over a local account (such as ``admin``) by choosing its name.
    """
    idp = IDENTITY_PROVIDER
    subject = str(claims.get("sub") or "").strip()[:255]
    if not subject:
        raise ValidationFailed("The identity provider sent no subject (sub) claim.")
    wanted = (claims.get("preferred_username") or claims.get("email") or subject).strip()[:140]
    email = claims.get("email", "") if claims.get("email_verified", True) else ""
    user = User.objects.select_for_update().filter(oidc_subject=subject).first()
    if user is None:
        username, n = wanted, 1
        while User.objects.filter(username__iexact=username).exists():
            username = f"{wanted}.sso" if n == 1 else f"{wanted}.sso{n}"
            n += 1
        user = user_create(
            actor=idp,
            username=username,
            email=email,
            first_name=claims.get("given_name", ""),
            last_name=claims.get("family_name", ""),
        )
        user.oidc_subject = subject
        user.save(update_fields=["oidc_subject"])
    groups = set(claims.get("groups") or [])
    before = {f: getattr(user, f) for f in ROLE_FIELDS}
    if admin_groups:
        user.is_platform_admin = bool(groups & set(admin_groups))
    if auditor_groups:
        user.is_auditor = bool(groups & set(auditor_groups))
    user.is_staff = user.is_superuser = user.is_platform_admin
    user.email = email or user.email
    user.save()
    after = {f: getattr(user, f) for f in ROLE_FIELDS}
    if before != after:
        audit_record(actor=idp, event_type=EventType.ROLES_CHANGED, obj=user, before=before, after=after)
    return user
