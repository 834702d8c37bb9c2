"""Who may see and change which data product. Selectors and services both ask here, so the rules live once.

- Drafts: the owning team's members, platform admins and auditors, and the stewards of the product's domain
  (read-only: they must see a draft to review it and, where justified, override a governance finding).
- Published and deprecated: everyone signed in.
- Retired: everyone signed in, read-only. The slug is a stable address, so old links, lineage and contracts
  keep resolving and say "retired" instead of a 404; retired products leave search results unless the
  status facet asks for them.
- Edits and lifecycle changes: the owning team's members and platform admins.
- Governance override (PII rule): the stewards of the product's domain.
- System actors (``identity.actors``) may what they declare: acting as a platform admin, or creating drafts
  (with their output ports) for the teams they name (a Glue harvest). Nothing else.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from catalog.models import DataProduct
from meshportal.identity import roles
from meshportal.identity.actors import Permission, holds

PUBLIC_STATUSES = (DataProduct.Status.PUBLISHED, DataProduct.Status.DEPRECATED, DataProduct.Status.RETIRED)


def visible_products_q(user: Any) -> Q:
    if roles.sees_everything(user):
        return Q()
    visible = Q(status__in=PUBLIC_STATUSES)
    teams = roles.team_ids(user)
    if teams:
        visible |= Q(owner_team_id__in=teams)
    domains = roles.stewarded_domain_ids(user)
    if domains:
        visible |= Q(domain_id__in=domains)
    return visible


def can_view(user: Any, product: DataProduct) -> bool:
    return (
        roles.sees_everything(user)
        or product.status in PUBLIC_STATUSES
        or (product.owner_team_id is not None and product.owner_team_id in roles.team_ids(user))
        or product.domain_id in roles.stewarded_domain_ids(user)
    )


def can_edit(user: Any, product: DataProduct) -> bool:
    if roles.is_platform_admin(user):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return product.owner_team_id is not None and product.owner_team_id in roles.team_ids(user)


def can_override_governance(user: Any, product: DataProduct) -> bool:
    return bool(getattr(user, "is_authenticated", False) and product.domain_id in roles.stewarded_domain_ids(user))


def can_publish_for_team(user: Any, team_id: int | None) -> bool:
    if roles.is_platform_admin(user):
        return True
    return team_id is not None and team_id in roles.producer_team_ids(user)


def can_create_for_team(user: Any, team_id: int | None) -> bool:
    """Create a draft owned by ``team_id``: who may publish for the team, and a system actor creating drafts
    for that team."""
    return can_publish_for_team(user, team_id) or holds(user, Permission.CREATE_DRAFTS, team_id=team_id)


def can_add_port(user: Any, product: DataProduct) -> bool:
    """Editors add output ports; a system actor creating drafts for the owning team adds them to its drafts."""
    return can_edit(user, product) or (
        product.status == DataProduct.Status.DRAFT
        and holds(user, Permission.CREATE_DRAFTS, team_id=product.owner_team_id)
    )
