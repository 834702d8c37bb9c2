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
    SearchResults,
    TagsQuery,
    apply_search,
    clean_query,
    filter_document,
    is_postgres,
    search_results,
)
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
    "name": "Name",
}
SORT_ORDER = {
    "updated": ["-updated_at", "-id"],
    "requested": ["-request_count", "-updated_at", "-id"],
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

    class Meta:
        model = DataProduct
        fields = ["q", "domain", "owner_team", "classification", "criticality", "status", "tag", "freshness", "sort"]

    def __init__(self, *args: Any, order: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Facet counts reuse the filters without ranking and ordering.
        self.order = order

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

    def filter_queryset(self, queryset: QuerySet[DataProduct]) -> QuerySet[DataProduct] | SearchResults:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if not data.get("status"):
            queryset = queryset.exclude(status=DataProduct.Status.RETIRED)
        q = clean_query(data.get("q") or "")
        sort = data.get("sort") or ("relevance" if q else "updated")
        if not self.order:
            return apply_search(queryset, q, rank=False) if q else queryset
        order = None if q and sort == "relevance" else SORT_ORDER["updated" if sort == "relevance" else sort]
        if q or (data.get("tag") and is_postgres()):
            # PostgreSQL: SearchResults (pages without ranking every match, plans on the GIN index); elsewhere an
            # ordered queryset.
            return search_results(queryset, q, order)
        return queryset.order_by(*order)  # type: ignore[misc]  # order is set when there is no search
