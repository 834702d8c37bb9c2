"""Full-text search over data products.

PostgreSQL: a weighted ``tsvector`` (name A, summary and tags B, column names and descriptions C, documentation
D) kept in ``DataProduct.search_vector`` by the services, a GIN index (migration 0003), ``websearch_to_tsquery``
and ``ts_rank``. Other databases (SQLite in development): every word must appear in one of the same fields
(``icontains``) and a simple weighted score ranks the matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression, Expression
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from catalog.models import Column, DataProduct

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
# ts_rank weights for D, C, B, A (PostgreSQL's order).
RANK_WEIGHTS = [0.1, 0.3, 0.6, 1.0]
_WORDS = re.compile(r"[\w@.-]+", re.UNICODE)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector_expression() -> CombinedExpression:
    # SearchVector coalesces each column to '' itself.
    return (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", "tag_text", weight="B", config=SEARCH_CONFIG)
        + SearchVector("column_text", weight="C", config=SEARCH_CONFIG)
        + SearchVector("documentation", weight="D", config=SEARCH_CONFIG)
    )


def search_head_expression() -> CombinedExpression:
    """The narrow ranking vector: name (A), summary and tags (B)."""
    return (SearchVector("name", weight="A", config=SEARCH_CONFIG)
            + SearchVector("summary", "tag_text", weight="B", config=SEARCH_CONFIG))


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
        DataProduct.objects.filter(pk__in=ids).update(search_vector=search_vector_expression(),
                                                          search_head=search_head_expression())
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


def ranked_search(queryset: QuerySet[DataProduct], q: str) -> QuerySet[DataProduct] | RankedResults:
    """``queryset`` searched for ``q`` in relevance order.

    PostgreSQL: ``RankedResults`` (products whose name, summary or tags match first, by ``ts_rank`` of the narrow
    ``search_head``; then the other matches, most recently updated first), so a page never ranks every match.
    Elsewhere: the fallback search ordered by its score.
    """
    q = clean_query(q)
    if is_postgres() and q:
        return RankedResults(queryset, SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG))
    # apply_search annotates "rank", but its QuerySet[DataProduct] return type cannot say so to the stubs' plugin.
    return apply_search(queryset, q).order_by("-rank", "-updated_at", "-id")  # type: ignore[misc]


class RankedResults:
    """A lazy, sliceable list of search results for ``Paginator``: ``count()`` and ``[a:b]``.

    A slice costs at most three queries whatever its position or the number of matches: the head matches ranked by
    ``ts_rank(search_head)`` up to the end of the page; the other matches by recency, only if the head matches do
    not fill the page; and the page's products (plus ``queryset``'s prefetches).
    """

    ordered = True  # for Paginator: the order is total (rank, updated_at, id)

    def __init__(self, queryset: QuerySet[DataProduct], query: SearchQuery) -> None:
        self.queryset = queryset
        self.query = query
        self.matches = queryset.filter(search_vector=query)

    def count(self) -> int:
        return self.matches.count()

    def count_upto(self, limit: int) -> int:
        """The number of matches, counting no further than ``limit`` (one cheap query)."""
        return self.matches.order_by()[:limit].count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[DataProduct]:
        return iter(self[0:self.count()])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        head = list(self.matches.filter(search_head=self.query)
                    .annotate(rank=SearchRank(F("search_head"), self.query, weights=RANK_WEIGHTS))
                    .order_by("-rank", "-updated_at", "-id").values_list("pk", "rank")[:stop])
        rows = head[start:stop]
        if len(head) < stop:
            # Only when the head matches do not fill the page: the others, newest first. Ordering on an expression
            # keeps PostgreSQL on the GIN index (few matches) rather than walking the updated_at index.
            rest = (self.matches.exclude(search_head=self.query)
                    .order_by(Coalesce("updated_at", "created_at").desc(), "-id")
                    .values_list("pk", Value(0.0, output_field=FloatField())))
            rest = rest[max(0, start - len(head)):stop - len(head)]
            rows += list(rest)
        products = {p.pk: p for p in self.queryset.order_by().filter(pk__in=[r[0] for r in rows])}
        out = []
        for pk, rank in rows:
            product = products[pk]
            product.rank = rank  # type: ignore[attr-defined]  # not a field: mirrors apply_search's "rank" annotation
            out.append(product)
        return out


def _fallback_search(queryset: QuerySet[DataProduct], q: str, *, rank: bool) -> QuerySet[DataProduct]:
    words = [w for w in _WORDS.findall(q.lower()) if w not in {"or", "and"}][:10]
    if not words:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())) if rank else queryset
    weighted = [("name", 8.0), ("summary", 4.0), ("tag_text", 4.0), ("column_text", 2.0), ("documentation", 1.0)]
    condition = Q()
    score: Expression = Value(0.0, output_field=FloatField())
    for word in words:
        anywhere = Q()
        for field, weight in weighted:
            lookup = Q(**{f"{field}__icontains": word})
            anywhere |= lookup
            score = score + Case(When(lookup, then=Value(weight)), default=Value(0.0), output_field=FloatField())
        condition &= anywhere
    queryset = queryset.filter(condition)
    return queryset.annotate(rank=score) if rank else queryset


COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A ``Paginator`` that counts at most ``COUNT_CAP`` results: ``count`` is then ``COUNT_CAP`` and ``capped``
    is true (shown as "1,000+"); pages past the cap are out of range. The count stops scanning at the cap."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        objects = self.object_list
        if isinstance(objects, RankedResults):
            return objects.count_upto(self.cap + 1)
        if isinstance(objects, QuerySet):
            return objects.order_by()[:self.cap + 1].count()
        return len(objects)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.cap
