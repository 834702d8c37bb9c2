"""A product's schema: replacing it (with the PII scan), diffing it, editing columns, and the steward's
governance override of a PII finding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog import permissions
from catalog.governance import scan_column
from catalog.models import Classification, Column, DataProduct
from catalog.search import refresh_product_search
from catalog.services.common import (
    MAX_COLUMNS,
    MIN_OVERRIDE_REASON,
    lock_product,
    require_editor,
    require_not_retired,
)
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record, changed_fields
from meshportal.core.errors import NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor
from meshportal.identity.models import User


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
def governance_override(*, actor: User, product: DataProduct, reason: str) -> DataProduct:
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
    refresh_product_search(product)  # the override may certify it
    audit_record(
        actor=actor,
        event_type=EventType.GOVERNANCE_OVERRIDE,
        obj=product,
        product_id=product.pk,
        before=before,
        after={"pii_override_reason": product.pii_override_reason, "rule": "pii"},
    )
    return product
