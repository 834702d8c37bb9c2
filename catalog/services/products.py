"""Data products: create, update, the lifecycle (publish, deprecate, retire) and quality measurements, each
with its audit event (STYLE.md §2, §5)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog import permissions
from catalog.errors import CatalogErrorCode
from catalog.governance import governance_checklist
from catalog.models import DataProduct, Domain, QualityMeasurement, Tag
from catalog.publication import publication_listeners
from catalog.search import refresh_product_search
from catalog.services.common import (
    EDITABLE,
    PRODUCT_FIELDS,
    _product_snapshot,
    _validate_fields,
    clean_slug,
    fresh_until_for,
    lock_product,
    require_editor,
    require_not_retired,
)
from catalog.services.ports import lock_account, require_not_published_elsewhere
from catalog.services.schema import columns_replace
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, changed_fields
from meshportal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User


def _set_tags(product: DataProduct, names: Iterable[str]) -> None:
    slugs = []
    for name in names:
        slug = slugify(str(name))[:50]
        if slug and slug not in slugs:
            slugs.append(slug)
    existing = {t.name: t for t in Tag.objects.filter(name__in=slugs)}
    missing = [Tag(name=s) for s in slugs if s not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=slugs)}
    product.tags.set([existing[s] for s in slugs])


def _set_upstream(actor: Actor, product: DataProduct, upstream: Iterable[DataProduct]) -> None:
    items = list(upstream)
    if any(u.pk == product.pk for u in items):
        raise ValidationFailed("A data product cannot be its own upstream.", field="upstream")
    for u in items:
        if not permissions.can_view(actor, u):
            raise NotFound(f"No data product {u.slug!r}.")
    product.upstream.set(items)


def _check_owner_team(actor: Actor, owner_team: Team | None, *, creating: bool = False) -> None:
    if owner_team is None:
        if not roles.is_platform_admin(actor):
            raise ValidationFailed("Choose the team that owns this data product.", field="owner_team")
        return
    may = permissions.can_create_for_team if creating else permissions.can_publish_for_team
    if not may(actor, owner_team.pk):
        raise NotAllowed(
            "You can only create and hand over data products for teams you are a member of.", field="owner_team"
        )


# --- products -----------------------------------------------------------------------------------------


@transaction.atomic
def product_create(
    *,
    actor: Actor,
    slug: str,
    name: str,
    domain: Domain,
    owner_team: Team | None,
    summary: str = "",
    documentation: str = "",
    classification: str = "",
    criticality: str = DataProduct.Criticality.MEDIUM,
    tags: Sequence[str] = (),
    terms_of_use: str = "",
    freshness_slo_hours: int | None = None,
    availability_slo: Decimal | float | None = None,
    sample_queries: list[dict[str, str]] | None = None,
    upstream: Sequence[DataProduct] = (),
    version: str = "1.0.0",
    last_refreshed_at: datetime | None = None,
    columns: Sequence[dict[str, Any]] = (),
) -> DataProduct:
    """Create a draft data product (optionally with its schema). Only the owning team and admins may (and a
    system actor declared to create drafts for that team)."""
    _check_owner_team(actor, owner_team, creating=True)
    slug = clean_slug(slug)
    fields: dict[str, Any] = {
        "name": name,
        "summary": summary,
        "documentation": documentation,
        "classification": classification,
        "criticality": criticality,
        "terms_of_use": terms_of_use,
        "freshness_slo_hours": freshness_slo_hours,
        "availability_slo": availability_slo,
        "sample_queries": sample_queries or [],
        "version": version,
        "tags": tags,
        "upstream": upstream,
    }
    _validate_fields(fields)
    if DataProduct.objects.filter(slug=slug).exists():
        raise Conflict(
            f"The slug {slug!r} is taken: slugs are stable addresses and never reused.",
            code=CatalogErrorCode.DUPLICATE_SLUG,
            field="slug",
        )
    product = DataProduct.objects.create(
        slug=slug,
        domain=domain,
        owner_team=owner_team,
        created_by=actor if isinstance(actor, User) else actor.on_behalf_of,
        last_refreshed_at=last_refreshed_at,
        fresh_until=fresh_until_for(last_refreshed_at, fields["freshness_slo_hours"]),
        **{k: v for k, v in fields.items() if k not in {"tags", "upstream"}},
    )
    _set_tags(product, fields["tags"])
    if upstream:
        _set_upstream(actor, product, upstream)
    if columns:
        columns_replace(product=product, columns=columns)
    audit_record(
        actor=actor,
        event_type=EventType.PRODUCT_CREATED,
        obj=product,
        product_id=product.pk,
        after={**_product_snapshot(product), "slug": slug, "tags": list(fields["tags"]), "columns": len(columns)},
    )
    refresh_product_search(product)
    return product


@transaction.atomic
def product_update(*, actor: Actor, product: DataProduct, **fields: Any) -> DataProduct:
    """Change a product's description, ownership, classification, SLA, tags or lineage. Slugs never change."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ValidationFailed(
            f"Field(s) cannot be changed: {', '.join(sorted(unknown))}.",
            errors={k: ["This field cannot be changed."] for k in sorted(unknown)},
        )
    product = lock_product(product)
    require_editor(actor, product)
    require_not_retired(product)
    if "owner_team" in fields and fields["owner_team"] != product.owner_team:
        _check_owner_team(actor, fields["owner_team"])
    _validate_fields(fields)
    before = _product_snapshot(product)
    before_tags = sorted(product.tags.values_list("name", flat=True))
    for name in PRODUCT_FIELDS:
        if name in fields:
            setattr(product, name, fields[name])
    if "last_refreshed_at" in fields:
        product.last_refreshed_at = fields["last_refreshed_at"]
    product.fresh_until = fresh_until_for(product.last_refreshed_at, product.freshness_slo_hours)
    product.save()
    old, new = changed_fields(before, _product_snapshot(product))
    if "tags" in fields:
        _set_tags(product, fields["tags"] or [])
        after_tags = sorted(product.tags.values_list("name", flat=True))
        if after_tags != before_tags:
            old["tags"], new["tags"] = before_tags, after_tags
    if "upstream" in fields:
        before_up = sorted(product.upstream.values_list("slug", flat=True))
        _set_upstream(actor, product, fields["upstream"] or [])
        after_up = sorted(u.slug for u in fields["upstream"] or [])
        if before_up != after_up:
            old["upstream"], new["upstream"] = before_up, after_up
    if new:
        audit_record(
            actor=actor, event_type=EventType.PRODUCT_UPDATED, obj=product, product_id=product.pk, before=old, after=new
        )
    refresh_product_search(product)
    return product


@transaction.atomic
def product_publish(*, actor: Actor, product: DataProduct) -> DataProduct:
    """draft (or deprecated, to undo a deprecation) → published, once the governance checklist passes."""
    product = lock_product(product)
    require_editor(actor, product)
    allowed = {DataProduct.Status.DRAFT, DataProduct.Status.DEPRECATED}
    if product.status not in allowed:
        raise Conflict(
            f"A {product.get_status_display().lower()} data product cannot be published.",
            code=CatalogErrorCode.INVALID_TRANSITION,
        )
    checklist = governance_checklist(product)
    if not checklist.passed:
        raise ValidationFailed(
            "The data product cannot be published yet: " + " ".join(c.detail for c in checklist.failures),
            errors=checklist.errors(),
            code=CatalogErrorCode.GOVERNANCE_FAILED,
        )
    # One table backs at most one published port, checked under the account's lock so that two products
    # published at once on the same table cannot both pass.
    for port in product.output_ports.select_related("aws_account").order_by("aws_account_id", "id"):
        lock_account(port.aws_account)
        require_not_published_elsewhere(port=port, product=product)
    before = product.status
    product.status = DataProduct.Status.PUBLISHED
    product.published_at = product.published_at or timezone.now()
    product.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=EventType.PRODUCT_PUBLISHED,
        obj=product,
        product_id=product.pk,
        before={"status": before},
        after={"status": product.status, "checklist": checklist.as_dict()},
    )
    for listener in publication_listeners():
        listener.published(product=product)
    return product


def _transition(
    *, actor: Actor, product: DataProduct, source: set[str], target: str, event: EventType, reason: str = ""
) -> DataProduct:
    product = lock_product(product)
    require_editor(actor, product)
    if product.status not in source:
        raise Conflict(
            f"A {product.get_status_display().lower()} data product cannot become {target}.",
            code=CatalogErrorCode.INVALID_TRANSITION,
        )
    before = product.status
    product.status = target
    product.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        event_type=event,
        obj=product,
        product_id=product.pk,
        before={"status": before},
        after={"status": target, "reason": reason[:2000]},
    )
    return product


@transaction.atomic
def product_deprecate(*, actor: Actor, product: DataProduct, reason: str = "") -> DataProduct:
    """published → deprecated: still readable and requestable, with a warning to consumers."""
    return _transition(
        actor=actor,
        product=product,
        source={DataProduct.Status.PUBLISHED},
        target=DataProduct.Status.DEPRECATED,
        event=EventType.PRODUCT_DEPRECATED,
        reason=reason,
    )


@transaction.atomic
def product_retire(*, actor: Actor, product: DataProduct, reason: str = "") -> DataProduct:
    """deprecated → retired: read-only, out of search. Deprecate first, so consumers get notice. Under a
    central model its tables' central entries are removed by registration jobs (the publication listeners)."""
    product = _transition(
        actor=actor,
        product=product,
        source={DataProduct.Status.DEPRECATED},
        target=DataProduct.Status.RETIRED,
        event=EventType.PRODUCT_RETIRED,
        reason=reason,
    )
    for listener in publication_listeners():
        listener.retired(product=product)
    return product


@transaction.atomic
def product_record_quality(
    *,
    actor: Actor,
    product: DataProduct,
    score: Decimal | float,
    dimensions: dict[str, float] | None = None,
    measured_at: datetime | None = None,
) -> QualityMeasurement:
    product = lock_product(product)
    require_editor(actor, product)
    try:
        value = Decimal(str(score)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed("A quality score is a number from 0 to 100.", field="score") from exc
    if not Decimal(0) <= value <= Decimal(100):
        raise ValidationFailed("A quality score is a number from 0 to 100.", field="score")
    measurement = QualityMeasurement.objects.create(
        product=product, score=value, dimensions=dimensions or {}, measured_at=measured_at or timezone.now()
    )
    product.quality_score = value
    product.save(update_fields=["quality_score", "updated_at"])
    audit_record(
        actor=actor,
        event_type=EventType.QUALITY_RECORDED,
        obj=product,
        product_id=product.pk,
        after={"score": value, "dimensions": dimensions or {}},
    )
    return measurement
