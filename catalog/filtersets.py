"""The one FilterSet for the data-product list: the search page (htmx) and ``/api/v1/products/`` both use it.

Every parameter is a shareable URL: ``?q=orders&domain=sales&classification=internal&freshness=stale&sort=requested``.
Without ``status``, retired products are left out (they stay reachable by their address).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from catalog.models import Classification, DataProduct, Domain, Tag
from catalog.search import (
    ExactFirst,
    SearchResults,
    TagsQuery,
    apply_search,
    clean_query,
    count_upto,
    filter_document,
    index_plans,
    is_postgres,
    search_results,
)
from catalog.spelling import LITTLE, Spelling, corrections
from meshportal.identity.models import Team


class Freshness:
    FRESH = "fresh"
    STALE = "stale"
    choices = [(FRESH, "Within SLA"), (STALE, "Stale")]


def freshness_q(value: str) -> Q:
    now = timezone.now()
    if value == Freshness.FRESH:
        return Q(fresh_until__gte=now)
    # Stale: past its objective, or an objective and no refresh on record.
    return Q(fresh_until__lt=now) | Q(freshness_slo_hours__isnull=False, last_refreshed_at__isnull=True)


SORTS = {
    "relevance": "Relevance",
    "updated": "Recently updated",
    "requested": "Most requested",
    "popular": "Popular (last 90 days)",
    "name": "Name",
}
SORT_ORDER = {
    "updated": ["-updated_at", "-id"],
    "requested": ["-request_count", "-updated_at", "-id"],
    "popular": ["-popularity", "-updated_at", "-id"],
    "name": ["name", "id"],
}


class ProductFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_noop",
        label="Search",
        help_text="Words in names, summaries, docs, tags, column names and descriptions. "
        'Quote phrases ("order date"), exclude words with -word, combine with or.',
    )
    domain = django_filters.ModelMultipleChoiceFilter(
        queryset=Domain.objects.all(),
        to_field_name="slug",
        method="filter_in",
        distinct=False,
        help_text="Domain slug; repeatable.",
    )
    owner_team = django_filters.ModelMultipleChoiceFilter(
        queryset=Team.objects.all(),
        to_field_name="slug",
        method="filter_in",
        label="Owner team",
        distinct=False,
        help_text="Team slug; repeatable.",
    )
    classification = django_filters.MultipleChoiceFilter(choices=Classification.choices, distinct=False)
    criticality = django_filters.MultipleChoiceFilter(choices=DataProduct.Criticality.choices, distinct=False)
    status = django_filters.MultipleChoiceFilter(
        choices=DataProduct.Status.choices, distinct=False, help_text="Default: every status but retired."
    )
    tag = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="name",
        method="filter_tag",
        distinct=False,
        help_text="Tag; repeatable (any of).",
    )
    freshness = django_filters.ChoiceFilter(
        choices=Freshness.choices,
        method="filter_freshness",
        help_text="fresh: refreshed within its freshness objective; stale: not.",
    )
    sort = django_filters.ChoiceFilter(
        choices=list(SORTS.items()),
        method="filter_noop",
        empty_label=None,
        help_text="Default: relevance with a search, else recently updated.",
    )
    certified = django_filters.BooleanFilter(
        help_text="true: products whose governance checklist passes and that have a data contract and a service "
        "level (freshness or availability objective)."
    )
    as_typed = django_filters.BooleanFilter(
        method="filter_noop",
        label="Spelling as typed",
        help_text="true: search the words as typed. By default, when a search finds little, close spellings of "
        "its words found in the catalog are searched too (the response's spelling says which).",
    )

    class Meta:
        model = DataProduct
        fields = [
            "q",
            "domain",
            "owner_team",
            "classification",
            "criticality",
            "status",
            "tag",
            "freshness",
            "sort",
            "certified",
            "as_typed",
        ]

    def __init__(self, *args: Any, order: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Facet counts reuse the filters without ranking and ordering.
        self.order = order
        # Set by filter_queryset (through .qs) when the search found little: see catalog/spelling.py.
        self.spelling: Spelling | None = None

    def filter_noop(self, queryset: QuerySet[DataProduct], name: str, value: Any) -> QuerySet[DataProduct]:
        return queryset  # q and sort are applied last, in filter_queryset

    def filter_in(self, queryset: QuerySet[DataProduct], name: str, value: Any) -> QuerySet[DataProduct]:
        # Compare foreign keys with the chosen objects' ids: no join to the domain or team table.
        return queryset.filter(**{f"{name}__in": [obj.pk for obj in value]}) if value else queryset

    def filter_tag(self, queryset: QuerySet[DataProduct], name: str, value: Any) -> QuerySet[DataProduct]:
        if not value:
            return queryset
        if is_postgres():
            # The "#tag" lexemes of the document vector: its GIN index, combined with a search's.
            return filter_document(queryset, TagsQuery(tag.name for tag in value))
        through = DataProduct.tags.through.objects.filter(tag__in=value).values("dataproduct_id")
        return queryset.filter(pk__in=through)

    def filter_freshness(self, queryset: QuerySet[DataProduct], name: str, value: str) -> QuerySet[DataProduct]:
        return queryset.filter(freshness_q(value)) if value else queryset

    def filter_queryset(self, queryset: QuerySet[DataProduct]) -> QuerySet[DataProduct] | SearchResults | ExactFirst:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("status"):
            queryset = queryset.exclude(status=DataProduct.Status.RETIRED)
        q = clean_query(data.get("q") or "")
        sort = data.get("sort") or ("relevance" if q else "updated")
        if not self.order:
            return apply_search(queryset, q, rank=False) if q else queryset
        order = None if q and sort == "relevance" else SORT_ORDER["updated" if sort == "relevance" else sort]
        tagged = bool(data.get("tag"))
        results = self._search(queryset, q, order, tagged=tagged)
        if not q or data.get("as_typed"):
            return results
        with index_plans():
            return self._respell(queryset, q, order, results, tagged=tagged)

    def _search(
        self, queryset: QuerySet[DataProduct], q: str, order: list[str] | None, *, tagged: bool
    ) -> QuerySet[DataProduct] | SearchResults:
        if q or (tagged and is_postgres()):
            # PostgreSQL: SearchResults (pages without ranking every match, plans on the GIN index); elsewhere an
            # ordered queryset.
            return search_results(queryset, q, order)
        return queryset.order_by(*order)  # type: ignore[misc]  # order is set when there is no search

    @staticmethod
    def _finds_more(queryset: QuerySet[DataProduct], q: str, found: int) -> bool:
        return count_upto(apply_search(queryset, q, rank=False), found + 1) > found

    def _respell(
        self,
        queryset: QuerySet[DataProduct],
        q: str,
        order: list[str] | None,
        results: QuerySet[DataProduct] | SearchResults,
        *,
        tagged: bool,
    ) -> QuerySet[DataProduct] | SearchResults | ExactFirst:
        """When ``q`` finds at most ``LITTLE`` products: its exact matches, then those of its closest respelling
        (every word that finds little respelled) when that finds more. A bounded number of queries: one when the
        search finds more than a little."""
        found = count_upto(results, LITTLE + 1)
        if found > LITTLE:
            return results

        def finds_little(word: str) -> bool:
            return count_upto(apply_search(queryset, word, rank=False), LITTLE + 1) <= LITTLE

        candidates = corrections(q, finds_little=finds_little)
        # The first candidate respells every word that finds little: the one most likely meant, and one count.
        better = candidates[:1] if candidates and self._finds_more(queryset, candidates[0], found) else []
        if not better:
            # Nothing found, and no close spelling finds more under these filters: still worth offering them.
            self.spelling = Spelling(original=q, suggestions=candidates[:3]) if candidates and not found else None
            return results
        exact = list(results[:found]) if found else []
        corrected = self._search(queryset.exclude(pk__in=[p.pk for p in exact]), better[0], order, tagged=tagged)
        self.spelling = Spelling(original=q, corrected=better[0], suggestions=candidates[1:3])
        return ExactFirst(exact, corrected)
