"""What the catalog services share: limits, the editable fields and their validation, locks and the
refusals every write asks first (STYLE.md §2)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from catalog import permissions
from catalog.errors import CatalogErrorCode
from catalog.models import Classification, DataProduct
from meshportal.audit.services import snapshot
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity.actors import Actor

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


def require_not_retired(product: DataProduct) -> None:
    if product.status == DataProduct.Status.RETIRED:
        raise Conflict("This data product is retired and read-only.", code=CatalogErrorCode.PRODUCT_RETIRED)


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
