"""Full-text search over data products.

PostgreSQL: a weighted ``tsvector`` (name A, summary and tags B, column names and descriptions C, documentation
D) kept in ``DataProduct.search_vector`` by the services, with one lexeme per pair of adjacent words, so that
phrases and column names are found through the GIN index, and one per tag (migration 0006); queries through
``websearch_to_tsquery``, each phrase rewritten to its word pairs. Relevance is in tiers (``SearchResults``):
name matches, then name/summary/tags matches (the narrow, inline ``search_head``), then the rest, newest first
within each. Other databases (SQLite in development): every word must appear in one of the same fields
(``icontains``) and a simple weighted score ranks the matches.

On both, the last word of a query is a prefix while it is being typed (``ParsedQuery``: ``custo`` finds
``customer``; on PostgreSQL ``to_tsquery('custo:*')`` joined to the rest), stop words are not required
(PostgreSQL's parser drops them; the fallback drops the same list), and control characters are dropped and the
query cut to ``MAX_QUERY_LENGTH``. Close spellings live in catalog/spelling.py, why a product matched in
catalog/matches.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, Exists, F, FloatField, Func, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import CombinedExpression, Expression
from django.utils.functional import cached_property

from catalog.governance.checklist import governance_checklist
from catalog.models import Column, DataContract, DataProduct, SearchTerm

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
# ts_rank weights for D, C, B, A (PostgreSQL's order).
RANK_WEIGHTS = [0.1, 0.3, 0.6, 1.0]
_WORDS = re.compile(r"[\w@.-]+", re.UNICODE)
# Anything but letters, digits and spaces may make websearch_to_tsquery build a phrase or a negation.
_PLAIN_WORDS = re.compile(r"[^\W_]+(?:\s+[^\W_]+)*")


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_vector_expression() -> Func:
    """The stored document: the weighted fields, their word pairs and the tags (``catalog_search_document``,
    migration 0006)."""
    # SearchVector coalesces each column to '' itself.
    fields = (
        SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", "tag_text", weight="B", config=SEARCH_CONFIG)
        + SearchVector("column_text", weight="C", config=SEARCH_CONFIG)
        + SearchVector("documentation", weight="D", config=SEARCH_CONFIG)
    )
    return Func(fields, F("tag_text"), function="catalog_search_document", output_field=SearchVectorField())


def search_head_expression() -> CombinedExpression:
    """The narrow ranking vector: name (A), summary and tags (B)."""
    return SearchVector("name", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "summary", "tag_text", weight="B", config=SEARCH_CONFIG
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
    products = (
        DataProduct.objects.filter(pk__in=ids)
        .prefetch_related("tags", "columns")
        .annotate(has_contract=Exists(DataContract.objects.filter(product=OuterRef("pk"))))
    )
    for product in products:
        product.tag_text = " ".join(t.name for t in product.tags.all())
        product.column_text = column_text_for(product.columns.all())
        product.certified = bool(
            product.has_contract  # type: ignore[attr-defined]
            and (product.freshness_slo_hours or product.availability_slo)
            and governance_checklist(product, list(product.columns.all())).passed
        )
    DataProduct.objects.bulk_update(products, ["tag_text", "column_text", "certified"])
    vocabulary_add(products)
    if is_postgres():
        DataProduct.objects.filter(pk__in=ids).update(
            search_vector=search_vector_expression(), search_head=search_head_expression()
        )
    return {p.pk: p for p in products}


# The vocabulary of spelling suggestions (catalog/spelling.py): words (letters first) and column names written with
# underscores, which are also split into their words.
TERM_MAX_LENGTH = 64
_TERM = re.compile(r"[^\W\d_][^\W_]*(?:_[^\W_]+)*")


def terms_of(texts: Iterable[str]) -> set[str]:
    """The vocabulary words in ``texts``: lower case, 3 to 64 characters, stop words left out."""
    out: set[str] = set()
    for text in texts:
        for match in _TERM.findall((text or "").lower()):
            for term in (match, *match.split("_")) if "_" in match else (match,):
                if 3 <= len(term) <= TERM_MAX_LENGTH and term not in STOP_WORDS:
                    out.add(term)
    return out


def vocabulary_add(products: Iterable[DataProduct]) -> None:
    """Add the words of these products (their denormalised search text) to the vocabulary: one INSERT."""
    terms = terms_of(text for p in products for text in (p.name, p.summary, p.tag_text, p.column_text))
    SearchTerm.objects.bulk_create([SearchTerm(term=t) for t in sorted(terms)], ignore_conflicts=True, batch_size=500)


def refresh_product_search(product: DataProduct) -> None:
    """``refresh_search_fields`` for one product, keeping the in-memory instance in step."""
    fresh = refresh_search_fields([product.pk])[product.pk]
    product.tag_text, product.column_text = fresh.tag_text, fresh.column_text


# Characters that are never part of a search: NUL and other control characters (PostgreSQL refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# PostgreSQL's English stop words (its ``english.stop``, the most common of them): ``websearch_to_tsquery`` drops
# them; the fallback search drops the same ones, and the spelling suggestions and fragments skip them.
_STOP_WORD_TEXT = """
a about above after again against all am an and any are as at be because been before being below between both but by
can did do does doing down during each few for from further had has have having he her here hers herself him himself
his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them themselves then there these they
this those through to too under until up very was we were what when where which while who whom why will with you your
yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())
# The last word is matched as a prefix (search as you type) from this many characters: shorter prefixes would
# expand to most of the index's lexemes.
MIN_PREFIX_LENGTH = 3
# A trailing plain word: letters or digits only, not negated, not inside an open quote (checked separately).
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")
# The words a query holds, for the fallback search, highlighting and spelling.
_CONTENT_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def clean_query(q: str) -> str:
    """The query as searched: control characters and NUL removed, blanks collapsed, cut to ``MAX_QUERY_LENGTH``."""
    return " ".join(_CONTROL.sub(" ", q).split())[:MAX_QUERY_LENGTH]


def content_words(q: str) -> list[str]:
    """The words of ``q`` that a search needs: lower case, without stop words, negations or operators."""
    q = re.sub(r"(?:^|\s)-\S+", " ", q)  # a negated word does not describe what is searched for
    return [w for w in _CONTENT_WORD.findall(q.lower()) if w not in STOP_WORDS]


@dataclass(frozen=True)
class ParsedQuery:
    """A cleaned query split into the part ``websearch_to_tsquery`` reads and the word being typed.

    ``prefix`` is the last word when it is a plain word (not negated, quoted, after ``or``, nor a stop word) of at
    least ``MIN_PREFIX_LENGTH`` characters: ``custo`` finds ``customer`` and ``cust`` the column ``customer_id``.
    ``rest`` is the query without it. Without a prefix, ``rest`` is the whole query.
    """

    text: str
    rest: str
    prefix: str

    @classmethod
    def parse(cls, q: str) -> ParsedQuery:
        text = clean_query(q)
        match = _LAST_WORD.search(text)
        if match is None or text.count('"') % 2:
            return cls(text, text, "")
        word = match.group(1)
        rest = text[: match.start(1)].rstrip()
        after_or = rest.lower() == "or" or rest.lower().endswith(" or")
        if len(word) < MIN_PREFIX_LENGTH or word.lower() in STOP_WORDS or after_or:
            return cls(text, text, "")
        return cls(text, rest, word.lower())


class _QueryThroughFunction(SearchQuery):
    """``websearch_to_tsquery(...)`` passed through one of migration 0006's functions."""

    sql_function = ""

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: Any = None,
        template: Any = None,
        arg_joiner: Any = None,
        **extra_context: Any,
    ) -> Any:
        sql, params = super().as_sql(compiler, connection, function, template)
        return f"{self.sql_function}({sql})", params


class PhraseQuery(_QueryThroughFunction):
    """Each phrase also requiring its word pairs (a two-word phrase becomes its pair): for ``search_vector``."""

    sql_function = "catalog_phrase_pairs"


class NameQuery(_QueryThroughFunction):
    """Every word restricted to weight A: the name, in ``search_head``."""

    sql_function = "catalog_name_query"


class PrefixQuery(SearchQuery):
    """``to_tsquery('english', 'word:*')``: every lexeme starting with the (stemmed) word, optionally of ``weights``.

    ``word`` holds letters and digits only (``ParsedQuery``), so it cannot carry tsquery operators.
    """

    def __init__(self, word: str, weights: str = "") -> None:
        super().__init__(f"{word}:*{weights}", search_type="raw", config=SEARCH_CONFIG)


def _with_prefix(query: SearchQuery | None, parsed: ParsedQuery, weights: str = "") -> SearchQuery:
    if not parsed.prefix:
        assert query is not None
        return query
    prefix = PrefixQuery(parsed.prefix, weights)
    # The typed word alone: no websearch part, whose empty tsquery would match nothing.
    return prefix if query is None else query & prefix  # type: ignore[return-value]


def document_query(q: str | ParsedQuery) -> SearchQuery:
    """The query against the stored document (``search_vector``), its last word as a prefix."""
    parsed = q if isinstance(q, ParsedQuery) else ParsedQuery.parse(q)
    rest = (
        PhraseQuery(parsed.rest, search_type="websearch", config=SEARCH_CONFIG)
        if parsed.rest or not parsed.prefix
        else None
    )
    return _with_prefix(rest, parsed)


class TagsQuery(SearchQuery):
    """Products carrying any of ``names``: the ``#tag`` lexemes of ``search_vector`` (migration 0006)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.text = " | ".join("'#{}'".format(name.replace("'", "''")) for name in sorted(names))
        super().__init__(self.text)

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: Any = None,
        template: Any = None,
        arg_joiner: Any = None,
        **extra_context: Any,
    ) -> Any:
        return "%s::tsquery", [self.text]


class DocumentCost(Func):
    """Always true; its declared cost (``catalog_document_cost``, migration 0006) tells PostgreSQL's planner that
    testing products one by one against their out-of-line document vector is expensive."""

    function = "catalog_document_cost"
    output_field = BooleanField()

    def __init__(self) -> None:
        super().__init__(F("pk"))


def filter_document(queryset: QuerySet[DataProduct], query: SearchQuery) -> QuerySet[DataProduct]:
    """``queryset`` narrowed to the products whose document (``search_vector``) matches ``query`` (PostgreSQL)."""
    return queryset.filter(search_vector=query).filter(DocumentCost())


def head_query(q: str | ParsedQuery) -> SearchQuery:
    """The same query against ``search_head``, which has no word pairs."""
    parsed = q if isinstance(q, ParsedQuery) else ParsedQuery.parse(q)
    rest = (
        SearchQuery(parsed.rest, search_type="websearch", config=SEARCH_CONFIG)
        if parsed.rest or not parsed.prefix
        else None
    )
    return _with_prefix(rest, parsed)


def name_query(parsed: ParsedQuery) -> SearchQuery:
    """The query restricted to weight A of ``search_head``: the product's name."""
    rest = (
        NameQuery(parsed.rest, search_type="websearch", config=SEARCH_CONFIG)
        if parsed.rest or not parsed.prefix
        else None
    )
    return _with_prefix(rest, parsed, "A")


def head_implies_document(q: str) -> bool:
    """Whether every product whose ``search_head`` matches ``q`` also matches it in ``search_vector``.

    True for plain words (``or`` included): the document holds the head's words at the same positions. Not with a
    negation (the excluded word may be elsewhere in the document); phrases are checked against the document too,
    whose word pairs make that cheap.
    """
    return bool(_PLAIN_WORDS.fullmatch(q))


def vector_matches(field: str, query: SearchQuery) -> Func:
    """``field @@ query`` as a plain function call: a row filter the planner will not turn into an index scan.

    For checks that would need a recheck of the rows anyway (phrases, weights): in a bitmap scan combined with the
    document's index, a recheck re-tests every condition of the scan, the out-of-line document included.
    """
    return Func(F(field), query, function="ts_match_vq", output_field=BooleanField())


def apply_search(queryset: QuerySet[DataProduct], q: str, *, rank: bool = True) -> QuerySet[DataProduct]:
    """Filter ``queryset`` to products matching ``q``; with ``rank``, annotate ``rank`` (higher is better)."""
    q = clean_query(q)
    if not q:
        return queryset.annotate(rank=Value(0.0, output_field=FloatField())) if rank else queryset
    if is_postgres():
        parsed = ParsedQuery.parse(q)
        queryset = filter_document(queryset, document_query(parsed))
        if not rank:
            return queryset
        return queryset.annotate(rank=SearchRank(F("search_head"), head_query(parsed), weights=RANK_WEIGHTS))
    return _fallback_search(queryset, q, rank=rank)


def search_results(
    queryset: QuerySet[DataProduct], q: str, order: list[str] | None = None
) -> QuerySet[DataProduct] | SearchResults:
    """``queryset`` searched for ``q``, by relevance (``order`` None) or in ``order`` (``order_by`` fields).

    PostgreSQL: ``SearchResults``. Elsewhere: the fallback search, by its score or in ``order``.
    """
    q = clean_query(q)
    if is_postgres():
        return SearchResults(queryset, q, order)
    if order is not None:
        return apply_search(queryset, q, rank=False).order_by(*order)
    # apply_search annotates "rank", but its QuerySet[DataProduct] return type cannot say so to the stubs' plugin.
    return apply_search(queryset, q).order_by("-rank", "-updated_at", "-id")  # type: ignore[misc]


# Sent in front of each statement (one round trip): a multi-statement query runs as one transaction, so SET LOCAL
# lasts for that statement, or to the end of the caller's transaction when there is one.
PLAN_SETTINGS = "SET LOCAL enable_seqscan = off; SET LOCAL jit = off; SET LOCAL max_parallel_workers_per_gather = 0; "


def _with_plan_settings(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    # Not for executemany, nor for a server-side cursor (QuerySet.iterator()), whose statement is wrapped in
    # DECLARE ... CURSOR FOR and must be a single query.
    if many or getattr(context["cursor"].cursor, "name", None):
        return execute(sql, params, many, context)
    return execute(PLAN_SETTINGS + sql, params, many, context)


@contextmanager
def index_plans() -> Iterator[None]:
    """Run the enclosed queries on ``search_vector`` with plans fit for a web request (PostgreSQL).

    ``DocumentCost`` lets the planner choose between the GIN index and an index walk; here it may not fall back on a
    sequential scan of every product's document, nor start parallel workers or JIT compilation, which the
    declared cost could otherwise make look worthwhile and which cost more than such a query.
    """
    if not is_postgres():
        yield
        return
    with connection.execute_wrapper(_with_plan_settings):
        yield


class SearchResults:
    """Products filtered on ``search_vector`` (PostgreSQL): a search, a tag filter or both, as a lazy sliceable list
    for ``Paginator``.

    ``order`` None is relevance, for a search, in three tiers, newest first within each: the products whose name
    matches (weight A of ``search_head``), then those whose name, summary and tags together match, then every
    other match (columns, documentation). Each tier is read no further than the end of the page, along the
    ``updated_at`` index when its words are common, through a GIN index when they are rare; so no page ranks every
    match. Otherwise the matches in ``order``. A slice costs at most four queries (plus ``queryset``'s prefetches)
    whatever its position or the number of matches, all under ``index_plans``.
    """

    ordered = True  # for Paginator: every order ends with the primary key

    def __init__(self, queryset: QuerySet[DataProduct], q: str, order: list[str] | None = None) -> None:
        if order is None and not q:
            raise ValueError("Relevance needs a search.")
        self.queryset = queryset
        self.order = order
        parsed = ParsedQuery.parse(q)
        self.matches = filter_document(queryset, document_query(parsed)) if q else queryset
        head = head_query(parsed)
        # Plain words: search_head alone (its small GIN index, the vector inline), a head match implying a document
        # match. Otherwise (negations, phrases) the document's matches, their head tested row by row: combining both
        # indexes would make the planner take their (correlated) matches for independent and far fewer.
        head_matches = (
            queryset.filter(search_head=head)
            if head_implies_document(q)
            else self.matches.filter(vector_matches("search_head", head))
        )
        name = vector_matches("search_head", name_query(parsed))
        self.tiers = [head_matches.filter(name), head_matches.exclude(name), self.matches.exclude(search_head=head)]

    def count(self) -> int:
        with index_plans():
            return self.matches.count()

    def count_upto(self, limit: int) -> int:
        """The number of matches, counting no further than ``limit`` (one cheap query)."""
        with index_plans():
            return self.matches.order_by()[:limit].count()

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[DataProduct]:
        return iter(self[0 : self.count()])

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        with index_plans():
            if self.order is not None:
                return list(self.matches.order_by(*self.order)[start:stop])
            ids: list[int] = []
            for tier in self.tiers:  # each tier up to the end of the page: their concatenation is exact up to there
                ids += tier.order_by("-updated_at", "-id").values_list("pk", flat=True)[: stop - len(ids)]
                if len(ids) >= stop:
                    break
            ids = ids[start:stop]
            products = self.queryset.order_by().in_bulk(ids)
        return [products[pk] for pk in ids]


def _fallback_search(queryset: QuerySet[DataProduct], q: str, *, rank: bool) -> QuerySet[DataProduct]:
    # Stop words are left out, as PostgreSQL does; a plural is searched by its singular ("orders" finds "order").
    words = [_singular(w) for w in _WORDS.findall(q.lower()) if w not in STOP_WORDS and any(c.isalnum() for c in w)][
        :10
    ]
    if not words:  # only stop words or punctuation: nothing to find, as on PostgreSQL
        queryset = queryset.none()
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


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def count_upto(results: QuerySet[DataProduct] | SearchResults | ExactFirst, limit: int) -> int:
    """How many results, counting no further than ``limit`` (one query)."""
    if limit <= 0:
        return 0
    if isinstance(results, QuerySet):
        return results.order_by()[:limit].count()
    return results.count_upto(limit)


class ExactFirst:
    """The few products that match a query as typed, then those of its corrected spelling (catalog/spelling.py):
    a lazy sliceable list for ``Paginator``, like ``SearchResults``."""

    ordered = True

    def __init__(self, exact: list[DataProduct], then: QuerySet[DataProduct] | SearchResults) -> None:
        self.exact = exact
        self.then = then

    def count_upto(self, limit: int) -> int:
        return len(self.exact) + count_upto(self.then, limit - len(self.exact))

    def count(self) -> int:
        return len(self.exact) + self.then.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            return self[index : index + 1][0]
        n = len(self.exact)
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        head = self.exact[start:stop]
        tail = list(self.then[max(0, start - n) : stop - n]) if stop > n else []
        return head + tail


COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A ``Paginator`` that counts at most ``COUNT_CAP`` results: ``count`` is then ``COUNT_CAP`` and ``capped``
    is true (shown as "1,000+"); pages past the cap are out of range. The count stops scanning at the cap."""

    cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        objects = self.object_list
        if isinstance(objects, SearchResults | ExactFirst):
            return objects.count_upto(self.cap + 1)
        if isinstance(objects, QuerySet):
            return objects.order_by()[: self.cap + 1].count()
        return len(objects)

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.cap)

    @cached_property
    def capped(self) -> bool:
        return self._counted > self.cap
