"""Full-text search over data products.

PostgreSQL: a weighted ``tsvector`` (name A, summary and tags B, column names and descriptions C, documentation
D) kept in ``DataProduct.search_vector`` by the services, a GIN index (migration 0003), ``websearch_to_tsquery``
and ``ts_rank``. Other databases (SQLite in development): every word must appear in one of the same fields
(``icontains``) and a simple weighted score ranks the matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from catalog.models import Column, DataProduct

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
# ts_rank weights for D, C, B, A (PostgreSQL's order).
RANK_WEIGHTS = [0.1, 0.3, 0.6, 1.0]
_WORDS = re.compile(r"[\w@.-]+", re.UNICODE)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector_expression() -> SearchVector:
    # SearchVector coalesces each column to '' itself.
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", "tag_text", weight="B", config=SEARCH_CONFIG)
        + SearchVector("column_text", weight="C", config=SEARCH_CONFIG)
        + SearchVector("documentation", weight="D", config=SEARCH_CONFIG)
    )


def column_text_for(columns: Iterable[Column | dict]) -> str:
    parts: list[str] = []
    for col in columns:
        name = col["name"] if isinstance(col, dict) else col.name
        description = col.get("description", "") if isinstance(col, dict) else col.description
        # Column names are searched both as written and split into words: "customer_email" and "customer email".
        parts.append(f"{name} {name.replace('_', ' ')} {description}".strip())
    return "\n".join(parts)


def refresh_search_fields(product_ids: Iterable[int]) -> dict[int, DataProduct]:
    """Rebuild the denormalised search text (and, on PostgreSQL, the vector) of these products."""
    ids = list(product_ids)
    if not ids:
        return {}
    products = DataProduct.objects.filter(pk__in=ids).prefetch_related("tags", "columns")
    for product in products:
        product.tag_text = " ".join(t.name for t in product.tags.all())
        product.column_text = column_text_for(product.columns.all())
    DataProduct.objects.bulk_update(products, ["tag_text", "column_text"])
    if is_postgres():
        DataProduct.objects.filter(pk__in=ids).update(search_vector=search_vector_expression())
    return {p.pk: p for p in products}


def refresh_product_search(product: DataProduct) -> None:
    """``refresh_search_fields`` for one product, keeping the in-memory instance in step."""
    fresh = refresh_search_fields([product.pk])[product.pk]
    product.tag_text, product.column_text = fresh.tag_text, fresh.column_text


def clean_query(q: str) -> str:
    return " ".join(q.split())[:MAX_QUERY_LENGTH]


def apply_search(queryset: QuerySet[DataProduct], q: str, *, rank: bool = True) -> QuerySet[DataProduct]:
    """Filter ``queryset`` to products matching ``q``; with ``rank``, annotate ``rank`` (higher is better)."""
    q = clean_query(q)
    if not q:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())) if rank else queryset
    if is_postgres():
        query = SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)
        queryset = queryset.filter(search_vector=query)
        return queryset.annotate(rank=SearchRank(F("search_vector"), query, weights=RANK_WEIGHTS)) if rank else queryset
    return _fallback_search(queryset, q, rank=rank)


def _fallback_search(queryset: QuerySet[DataProduct], q: str, *, rank: bool) -> QuerySet[DataProduct]:
    words = [w for w in _WORDS.findall(q.lower()) if w not in {"or", "and"}][:10]
    if not words:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())) if rank else queryset
    weighted = [("name", 8.0), ("summary", 4.0), ("tag_text", 4.0), ("column_text", 2.0), ("documentation", 1.0)]
    condition = Q()
    score = Value(0.0, output_field=FloatField())
    for word in words:
        anywhere = Q()
        for field, weight in weighted:
            lookup = Q(**{f"{field}__icontains": word})
            anywhere |= lookup
            score = score + Case(When(lookup, then=Value(weight)), default=Value(0.0), output_field=FloatField())
        condition &= anywhere
    queryset = queryset.filter(condition)
    return queryset.annotate(rank=score) if rank else queryset
