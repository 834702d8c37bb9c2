"""Domains and their stewards: platform admins create and change them, with their audit events."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.text import slugify

from catalog.errors import CatalogErrorCode
from catalog.models import Domain
from catalog.services.common import (
    DOMAIN_FIELDS,
)
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, changed_fields, snapshot
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import User


def _require_admin(actor: Actor) -> None:
    if not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins manage domains.")


@transaction.atomic
def domain_create(
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    description: str = "",
    stewards: Sequence[User] = (),
) -> Domain:
    _require_admin(actor)
    name = (name or "").strip()
    slug = (slug or slugify(name)).strip()
    if not name or not slug:
        raise ValidationFailed("A domain needs a name.", field="name")
    if len(name) > 120 or len(slug) > 80:
        raise ValidationFailed("A domain name is at most 120 characters.", field="name")
    if Domain.objects.filter(slug=slug).exists() or Domain.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A domain named {name!r} already exists.", code=CatalogErrorCode.DUPLICATE_DOMAIN)
    domain = Domain.objects.create(name=name, slug=slug, description=description or "")
    if stewards:
        domain.stewards.set(stewards)
    audit_record(
        actor=actor,
        event_type=EventType.DOMAIN_CREATED,
        obj=domain,
        after={**snapshot(domain, DOMAIN_FIELDS), "stewards": sorted(u.username for u in stewards)},
    )
    return domain


@transaction.atomic
def domain_update(
    *,
    actor: Actor,
    domain: Domain,
    name: str | None = None,
    description: str | None = None,
    stewards: Sequence[User] | None = None,
) -> Domain:
    _require_admin(actor)
    domain = Domain.objects.select_for_update().get(pk=domain.pk)
    before = snapshot(domain, DOMAIN_FIELDS)
    if name is not None:
        name = name.strip()
        if not name or len(name) > 120:
            raise ValidationFailed("A domain name is 1–120 characters.", field="name")
        if Domain.objects.filter(name__iexact=name).exclude(pk=domain.pk).exists():
            raise Conflict(f"A domain named {name!r} already exists.", code=CatalogErrorCode.DUPLICATE_DOMAIN)
        domain.name = name
    if description is not None:
        domain.description = description
    domain.save()
    old, new = changed_fields(before, snapshot(domain, DOMAIN_FIELDS))
    if new:
        audit_record(actor=actor, event_type=EventType.DOMAIN_UPDATED, obj=domain, before=old, after=new)
    if stewards is not None:
        previous = sorted(domain.stewards.values_list("username", flat=True))
        domain.stewards.set(stewards)
        current = sorted(u.username for u in stewards)
        if previous != current:
            audit_record(
                actor=actor,
                event_type=EventType.STEWARDS_CHANGED,
                obj=domain,
                before={"stewards": previous},
                after={"stewards": current},
            )
    return domain
