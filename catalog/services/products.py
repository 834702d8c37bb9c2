"""Domains, data products, their schema and output ports: every write, with its audit event (STYLE.md §2, §5)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog import permissions
from catalog.governance import governance_checklist, scan_column
from catalog.models import Classification, Column, DataProduct, Domain, OutputPort, QualityMeasurement, Tag
from catalog.search import refresh_product_search
from meshportal.audit.events import EventType
from meshportal.audit.services import Actor, audit_record, changed_fields, snapshot
from meshportal.core.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.models import Team, User

MAX_DOCUMENTATION_BYTES = 200 * 1024
MAX_TERMS_BYTES = 50 * 1024
MAX_TAGS = 20
MAX_COLUMNS = 2000
MAX_SAMPLE_QUERIES = 20
MAX_SQL_BYTES = 20 * 1024
MAX_UPSTREAM = 100
MIN_OVERRIDE_REASON = 15
# Words the URL scheme uses next to product slugs (/catalog/products/new/, /api/v1/products/facets/).
RESERVED_SLUGS = frozenset({"new", "facets", "import", "search", "harvest", "domains"})
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,118}[a-z0-9])?$")

PRODUCT_FIELDS = [
    "name",
    "summary",
    "documentation",
    "domain",
    "owner_team",
    "classification",
    "criticality",
    "terms_of_use",
    "freshness_slo_hours",
    "availability_slo",
    "sample_queries",
    "version",
    "default_access_days",
    "max_access_days",
]
EDITABLE = frozenset(PRODUCT_FIELDS) | {"tags", "upstream", "last_refreshed_at"}
DOMAIN_FIELDS = ["name", "slug", "description"]


# --- helpers ----------------------------------------------------------------------------------------


def require_editor(actor: Actor, product: DataProduct) -> None:
    if not permissions.can_edit(actor, product):
        raise NotAllowed("Only members of the owning team and platform admins can change this data product.")


def _require_admin(actor: Actor) -> None:
    if not roles.is_platform_admin(actor):
        raise NotAllowed("Only platform admins manage domains.")


def require_not_retired(product: DataProduct) -> None:
    if product.status == DataProduct.Status.RETIRED:
        raise Conflict("This data product is retired and read-only.", code="product_retired")


def _product_snapshot(product: DataProduct) -> dict[str, Any]:
    data = snapshot(product, PRODUCT_FIELDS)
    data["documentation"] = f"{len(product.documentation)} characters"
    return data


def lock_product(product: DataProduct) -> DataProduct:
    return DataProduct.objects.select_for_update(of=("self",)).select_related("domain", "owner_team").get(pk=product.pk)


def fresh_until_for(last_refreshed_at: datetime | None, freshness_slo_hours: int | None) -> datetime | None:
    if last_refreshed_at is None or freshness_slo_hours is None:
        return None
    return last_refreshed_at + timedelta(hours=freshness_slo_hours)


def clean_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise ValidationFailed(
            "A slug is 1–120 lower-case letters, digits and hyphens, starting and ending with a letter or digit.",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed(f"{slug!r} is reserved; choose another slug.", field="slug")
    return slug


def _validate_fields(fields: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            add("name", "A data product needs a name.")
        elif len(fields["name"]) > 200:
            add("name", "At most 200 characters.")
    if "summary" in fields:
        fields["summary"] = (fields["summary"] or "").strip()
        if len(fields["summary"]) > 300:
            add("summary", "At most 300 characters: the summary is one line; use the documentation for more.")
    if "documentation" in fields:
        fields["documentation"] = fields["documentation"] or ""
        size = len(fields["documentation"].encode())
        if size > MAX_DOCUMENTATION_BYTES:
            add(
                "documentation",
                f"Documentation is {size // 1024} KB; the limit is {MAX_DOCUMENTATION_BYTES // 1024} KB.",
            )
    if "terms_of_use" in fields:
        fields["terms_of_use"] = fields["terms_of_use"] or ""
        if len(fields["terms_of_use"].encode()) > MAX_TERMS_BYTES:
            add("terms_of_use", f"At most {MAX_TERMS_BYTES // 1024} KB.")
    if fields.get("classification") and fields["classification"] not in Classification.values:
        add("classification", f"Unknown classification {fields['classification']!r}.")
    if "classification" in fields and fields["classification"] is None:
        fields["classification"] = ""
    if "criticality" in fields and fields["criticality"] not in DataProduct.Criticality.values:
        add("criticality", f"Unknown criticality {fields['criticality']!r}.")
    if fields.get("freshness_slo_hours") is not None:
        try:
            hours = int(fields["freshness_slo_hours"])
        except (TypeError, ValueError):
            add("freshness_slo_hours", "A whole number of hours.")
        else:
            if not 1 <= hours <= 24 * 366:
                add("freshness_slo_hours", "Between 1 hour and a year.")
            fields["freshness_slo_hours"] = hours
    if fields.get("availability_slo") is not None:
        try:
            value = Decimal(str(fields["availability_slo"])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            add("availability_slo", "A percentage, e.g. 99.9.")
        else:
            if not Decimal(0) <= value <= Decimal(100):
                add("availability_slo", "A percentage between 0 and 100.")
            fields["availability_slo"] = value
    if "sample_queries" in fields:
        queries = fields["sample_queries"] or []
        if not isinstance(queries, list) or len(queries) > MAX_SAMPLE_QUERIES:
            add("sample_queries", f"A list of at most {MAX_SAMPLE_QUERIES} queries.")
        else:
            cleaned = []
            for i, item in enumerate(queries):
                if not isinstance(item, dict) or not isinstance(item.get("sql"), str) or not item["sql"].strip():
                    add("sample_queries", f"Query {i + 1}: needs an 'sql' text (and optionally a 'title').")
                    continue
                if len(item["sql"].encode()) > MAX_SQL_BYTES:
                    add("sample_queries", f"Query {i + 1}: at most {MAX_SQL_BYTES // 1024} KB.")
                    continue
                cleaned.append({"title": str(item.get("title") or "")[:200], "sql": item["sql"]})
            fields["sample_queries"] = cleaned
    if "version" in fields:
        fields["version"] = (fields["version"] or "").strip()
        if not fields["version"] or len(fields["version"]) > 32:
            add("version", "A version of 1–32 characters, e.g. 1.2.0.")
    for name in ("default_access_days", "max_access_days"):
        if name in fields and (not isinstance(fields[name], int) or not 1 <= fields[name] <= 3650):
            add(name, "A number of days between 1 and 3650.")
    if len(fields.get("tags") or []) > MAX_TAGS:
        add("tags", f"At most {MAX_TAGS} tags.")
    if len(fields.get("upstream") or []) > MAX_UPSTREAM:
        add("upstream", f"At most {MAX_UPSTREAM} upstream products.")
    if errors:
        raise ValidationFailed(
            "The data product is not valid: " + "; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()),
            errors=errors,
        )


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


def _check_owner_team(actor: Actor, owner_team: Team | None) -> None:
    if owner_team is None:
        if not roles.is_platform_admin(actor):
            raise ValidationFailed("Choose the team that owns this data product.", field="owner_team")
        return
    if not permissions.can_publish_for_team(actor, owner_team.pk):
        raise NotAllowed(
            "You can only create and hand over data products for teams you are a member of.", field="owner_team"
        )


# --- domains ----------------------------------------------------------------------------------------


@transaction.atomic
def domain_create(
    *,
    actor: Actor,
    name: str,
    slug: str = "",
    description: str = "",
    stewards: Sequence[User] = (),
    check_actor: bool = True,
) -> Domain:
    if check_actor:
        _require_admin(actor)
    name = (name or "").strip()
    slug = (slug or slugify(name)).strip()
    if not name or not slug:
        raise ValidationFailed("A domain needs a name.", field="name")
    if len(name) > 120 or len(slug) > 80:
        raise ValidationFailed("A domain name is at most 120 characters.", field="name")
    if Domain.objects.filter(slug=slug).exists() or Domain.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A domain named {name!r} already exists.", code="duplicate_domain")
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
            raise Conflict(f"A domain named {name!r} already exists.", code="duplicate_domain")
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
    check_actor: bool = True,
) -> DataProduct:
    """Create a draft data product (optionally with its schema). Only the owning team and admins may."""
    if check_actor:
        _check_owner_team(actor, owner_team)
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
            code="duplicate_slug",
            field="slug",
        )
    product = DataProduct.objects.create(
        slug=slug,
        domain=domain,
        owner_team=owner_team,
        created_by=actor if isinstance(actor, User) else None,
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
def product_publish(*, actor: Actor, product: DataProduct, check_actor: bool = True) -> DataProduct:
    """draft (or deprecated, to undo a deprecation) → published, once the governance checklist passes.

    ``check_actor=False`` is for platform jobs (demo loader) acting as a SystemActor; the checklist still applies.
    """
    product = lock_product(product)
    if check_actor:
        require_editor(actor, product)
    allowed = {DataProduct.Status.DRAFT, DataProduct.Status.DEPRECATED}
    if product.status not in allowed:
        raise Conflict(
            f"A {product.get_status_display().lower()} data product cannot be published.", code="invalid_transition"
        )
    checklist = governance_checklist(product)
    if not checklist.passed:
        raise ValidationFailed(
            "The data product cannot be published yet: " + " ".join(c.detail for c in checklist.failures),
            errors=checklist.errors(),
            code="governance_failed",
        )
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
    return product


def _transition(
    *, actor: Actor, product: DataProduct, source: set[str], target: str, event: EventType, reason: str = ""
) -> DataProduct:
    product = lock_product(product)
    require_editor(actor, product)
    if product.status not in source:
        raise Conflict(
            f"A {product.get_status_display().lower()} data product cannot become {target}.", code="invalid_transition"
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
    """deprecated → retired: read-only, out of search. Deprecate first, so consumers get notice."""
    return _transition(
        actor=actor,
        product=product,
        source={DataProduct.Status.DEPRECATED},
        target=DataProduct.Status.RETIRED,
        event=EventType.PRODUCT_RETIRED,
        reason=reason,
    )


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


# --- schema -------------------------------------------------------------------------------------------


def _column_dict(data: dict[str, Any], position: int) -> dict[str, Any]:
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 255:
        raise ValidationFailed("Every column needs a name of at most 255 characters.", field="columns")
    classification = data.get("classification") or ""
    if classification and classification not in Classification.values:
        raise ValidationFailed(f"Column {name}: unknown classification {classification!r}.", field="columns")
    samples = data.get("sample_values") or []
    return {
        "name": name,
        "data_type": str(data.get("data_type") or "string")[:255],
        "description": str(data.get("description") or ""),
        "classification": classification,
        "is_pii": bool(data.get("is_pii")),
        "sample_values": [str(v)[:200] for v in samples][:20] if isinstance(samples, list) else [],
        "position": position,
    }


def schema_diff(current: Iterable[Column], incoming: Sequence[dict[str, Any]]) -> dict[str, list]:
    """What changes if ``incoming`` replaces ``current``: added and removed names, changed types/descriptions."""
    old = {c.name: c for c in current}
    new = {c["name"]: c for c in incoming}
    changed = []
    for name in old.keys() & new.keys():
        before, after = old[name], new[name]
        if before.data_type != after.get("data_type", before.data_type):
            changed.append(
                {"name": name, "field": "data_type", "before": before.data_type, "after": after["data_type"]}
            )
        if after.get("description") and before.description != after["description"]:
            changed.append(
                {"name": name, "field": "description", "before": before.description, "after": after["description"]}
            )
    return {
        "added": [c["name"] for c in incoming if c["name"] not in old],
        "removed": [name for name in old if name not in new],
        "changed": sorted(changed, key=lambda c: (c["name"], c["field"])),
    }


def columns_replace(*, product: DataProduct, columns: Sequence[dict[str, Any]]) -> dict[str, list]:
    """Make the product's schema ``columns`` (in order), keeping what people already said about columns that
    stay (classification, description, PII flag) unless the new schema says otherwise. Runs the PII scan.
    Part of a service's transaction: the caller audits."""
    if len(columns) > MAX_COLUMNS:
        raise ValidationFailed(f"At most {MAX_COLUMNS} columns.", field="columns")
    incoming = [_column_dict(c, i) for i, c in enumerate(columns)]
    names = [c["name"] for c in incoming]
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise ValidationFailed(f"Duplicate column name(s): {', '.join(dupes)}.", field="columns")
    existing = {c.name: c for c in product.columns.all()}
    diff = schema_diff(existing.values(), incoming)
    keep, create = [], []
    for data in incoming:
        column = existing.get(data["name"])
        if column is None:
            column = Column(product=product, name=data["name"])
            create.append(column)
        else:
            keep.append(column)
        column.position = data["position"]
        column.data_type = data["data_type"]
        column.description = data["description"] or column.description
        column.classification = data["classification"] or column.classification
        column.is_pii = data["is_pii"] or column.is_pii
        column.sample_values = data["sample_values"] or column.sample_values
        finding = scan_column(column.name, column.sample_values)
        if finding:
            column.is_pii = True
            column.pii_reason = finding.reason[:255]
    product.columns.filter(name__in=diff["removed"]).delete()
    if keep:
        Column.objects.bulk_update(
            keep, ["position", "data_type", "description", "classification", "is_pii", "pii_reason", "sample_values"]
        )
    Column.objects.bulk_create(create)
    return diff


@transaction.atomic
def column_update_many(*, actor: Actor, product: DataProduct, changes: Sequence[dict[str, Any]]) -> list[Column]:
    """Edit columns' descriptions, classifications and PII flags by name (names and types come from the source)."""
    product = lock_product(product)
    require_editor(actor, product)
    require_not_retired(product)
    columns = {c.name: c for c in product.columns.all()}
    errors: dict[str, list[str]] = {}
    before, after = {}, {}
    for change in changes:
        name = change.get("name")
        column = columns.get(name) if isinstance(name, str) else None
        if column is None:
            errors.setdefault("columns", []).append(f"No column named {name!r}.")
            continue
        old = {"description": column.description, "classification": column.classification, "is_pii": column.is_pii}
        if "classification" in change:
            value = change["classification"] or ""
            if value and value not in Classification.values:
                errors.setdefault("columns", []).append(f"{name}: unknown classification {value!r}.")
                continue
            column.classification = value
        if "description" in change:
            column.description = str(change["description"] or "")[:10000]
        if "is_pii" in change:
            column.is_pii = bool(change["is_pii"])
            if not column.is_pii:
                column.pii_reason = ""
        new = {"description": column.description, "classification": column.classification, "is_pii": column.is_pii}
        if old != new:
            before[name], after[name] = changed_fields(old, new)
    if errors:
        raise ValidationFailed("; ".join(errors["columns"]), errors=errors)
    Column.objects.bulk_update(list(columns.values()), ["description", "classification", "is_pii", "pii_reason"])
    if after:
        product.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            event_type=EventType.SCHEMA_CHANGED,
            obj=product,
            product_id=product.pk,
            before={"columns": before},
            after={"columns": after, "source": "edit"},
        )
        refresh_product_search(product)
    return sorted(columns.values(), key=lambda c: (c.position, c.pk))


@transaction.atomic
def governance_override(*, actor: Actor, product: DataProduct, reason: str) -> DataProduct:
    """A steward of the product's domain accepts PII below "confidential", with a written reason."""
    product = lock_product(product)
    if not permissions.can_override_governance(actor, product):
        raise NotAllowed("Only the stewards of this product's domain can override governance findings.")
    reason = (reason or "").strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise ValidationFailed(f"Explain the override in at least {MIN_OVERRIDE_REASON} characters.", field="reason")
    before = {"pii_override_reason": product.pii_override_reason}
    product.pii_override_reason = reason[:5000]
    product.pii_override_by = actor
    product.pii_override_at = timezone.now()
    product.save(update_fields=["pii_override_reason", "pii_override_by", "pii_override_at", "updated_at"])
    audit_record(
        actor=actor,
        event_type=EventType.GOVERNANCE_OVERRIDE,
        obj=product,
        product_id=product.pk,
        before=before,
        after={"pii_override_reason": product.pii_override_reason, "rule": "pii"},
    )
    return product


# --- output ports -----------------------------------------------------------------------------------


PORT_FIELDS = [
    "name",
    "description",
    "kind",
    "region",
    "catalog_id",
    "database_name",
    "table_name",
    "s3_location",
    "grant_method",
    "approval_policy",
    "auto_approve_owning_team",
]


@transaction.atomic
def port_create(
    *,
    actor: Actor,
    product: DataProduct,
    aws_account: Any,
    name: str,
    database_name: str,
    table_name: str = "",
    region: str = "",
    s3_location: str = "",
    description: str = "",
    approval_policy: str = OutputPort.ApprovalPolicy.PRODUCER,
    check_actor: bool = True,
) -> OutputPort:
    """Declare how a product is consumed: a Glue table (or database) in a registered AWS account."""
    product = lock_product(product)
    if check_actor:
        require_editor(actor, product)
    require_not_retired(product)
    name = (name or "").strip()
    if not name or not database_name:
        raise ValidationFailed("An output port needs a name and a Glue database.", field="name")
    if approval_policy not in OutputPort.ApprovalPolicy.values:
        raise ValidationFailed(f"Unknown approval policy {approval_policy!r}.", field="approval_policy")
    if product.output_ports.filter(name=name).exists():
        raise Conflict(f"This product already has an output port named {name!r}.", code="duplicate_port")
    port = OutputPort.objects.create(
        product=product,
        name=name,
        description=description,
        aws_account=aws_account,
        kind=OutputPort.Kind.GLUE_TABLE if table_name else OutputPort.Kind.GLUE_DATABASE,
        region=region or aws_account.region,
        catalog_id=aws_account.account_id,
        database_name=database_name,
        table_name=table_name,
        s3_location=s3_location,
        approval_policy=approval_policy,
    )
    audit_record(
        actor=actor,
        event_type=EventType.PORT_CREATED,
        obj=port,
        product_id=product.pk,
        account_id=aws_account.account_id,
        after=snapshot(port, PORT_FIELDS),
    )
    return port
