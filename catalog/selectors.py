"""Catalog reads. Each takes the acting user and returns only what that user may see (catalog/permissions.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, QueryDict
from django.utils import timezone

from catalog import permissions
from catalog.filtersets import Freshness, ProductFilter, freshness_q
from catalog.models import (
    Classification,
    Column,
    DataContract,
    DataProduct,
    Domain,
    HarvestJob,
    OutputPort,
    QualityMeasurement,
    SchemaProposal,
)
from catalog.search import COUNT_CAP, count_upto, index_plans
from meshportal.identity import roles

if TYPE_CHECKING:
    # django-stubs-ext is a dev (typing) dependency; the portal must run on requirements/base.txt alone.
    from django_stubs_ext import WithAnnotations

QUALITY_HISTORY_POINTS = 30


# --- domains ----------------------------------------------------------------------------------------


def domain_list(*, user: Any) -> QuerySet[Domain]:
    """Domains are public inside the organisation; each with how many products this user can see."""
    visible = permissions.visible_products_q(user)
    product_filter = Q(
        products__in=DataProduct.objects.filter(visible).exclude(status=DataProduct.Status.RETIRED).values("pk")
    )
    return (
        Domain.objects.prefetch_related("stewards")
        .annotate(product_count=Count("products", filter=product_filter, distinct=True))
        .order_by("name")
    )


def domain_get_for_user(*, user: Any, slug: str) -> Domain:
    domain = domain_list(user=user).filter(slug=slug).first()
    if domain is None:
        raise Http404("No such domain.")
    return domain


# --- products ---------------------------------------------------------------------------------------


def product_list(*, user: Any) -> QuerySet[DataProduct]:
    """Every product the user may see, ready for a list page: domain and team joined, tags from ``tag_names``."""
    return (
        DataProduct.objects.filter(permissions.visible_products_q(user))
        .select_related("domain", "owner_team")
        .defer("documentation", "column_text", "search_vector", "search_head", "terms_of_use")
    )


def product_search(*, user: Any, params: Mapping[str, Any]) -> ProductFilter:
    """The product list filtered, searched and ordered by ``params`` (query string). Check ``.is_valid()``."""
    return ProductFilter(params, queryset=product_list(user=user))


def _facet_base(user: Any, params: QueryDict, without: str) -> QuerySet[DataProduct] | None:
    data = params.copy()
    data.pop(without, None)
    data.pop("page", None)
    data.pop("sort", None)
    filterset = ProductFilter(
        data, queryset=DataProduct.objects.filter(permissions.visible_products_q(user)), order=False
    )
    if not filterset.is_valid():
        return None
    return filterset.qs.order_by()


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


def product_facets(*, user: Any, params: QueryDict) -> dict[str, list[FacetValue]]:
    """Counts for each facet value, under every filter except the facet's own (so choices stay open).

    One aggregate query per facet, whatever the number of products.
    """
    if params.get("q") or params.get("tag"):
        with index_plans():  # the filters use search_vector: keep to its GIN index
            return _product_facets(user, params)
    return _product_facets(user, params)


def _product_facets(user: Any, params: QueryDict) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}

    def selected(name: str) -> set[str]:
        return set(params.getlist(name))

    def build(name: str, rows: list[tuple[str, str, int]]) -> None:
        chosen = selected(name)
        facets[name] = [FacetValue(v, label, n, v in chosen) for v, label, n in rows if v]

    base = _facet_base(user, params, "domain")
    if base is not None:
        domain_rows = base.values("domain__slug", "domain__name").annotate(n=Count("id")).order_by("-n", "domain__name")
        build("domain", [(r["domain__slug"], r["domain__name"], r["n"]) for r in domain_rows])
    base = _facet_base(user, params, "owner_team")
    if base is not None:
        team_rows = (
            base.filter(owner_team__isnull=False)
            .values("owner_team__slug", "owner_team__name")
            .annotate(n=Count("id"))
            .order_by("-n", "owner_team__name")[:30]
        )
        build("owner_team", [(r["owner_team__slug"], r["owner_team__name"], r["n"]) for r in team_rows])
    for name, choices in (
        ("classification", Classification.choices),
        ("criticality", DataProduct.Criticality.choices),
        ("status", DataProduct.Status.choices),
    ):
        # The status facet counts every status, retired included, though the default list hides retired.
        base = (
            _facet_base(user, _with_all_statuses(params), "") if name == "status" else _facet_base(user, params, name)
        )
        if base is None:
            continue
        counts = {r[name]: r["n"] for r in base.values(name).annotate(n=Count("id")).order_by()}
        build(name, [(value, label, counts.get(value, 0)) for value, label in choices if counts.get(value)])
    base = _facet_base(user, params, "tag")
    if base is not None:
        tag_rows = (
            DataProduct.tags.through.objects.filter(dataproduct_id__in=base.values("pk"))
            .values("tag__name")
            .annotate(n=Count("id"))
            .order_by("-n", "tag__name")[:30]
        )
        build("tag", [(r["tag__name"], r["tag__name"], r["n"]) for r in tag_rows])
    base = _facet_base(user, params, "freshness")
    if base is not None:
        agg = base.aggregate(
            fresh=Count("id", filter=freshness_q(Freshness.FRESH)),
            stale=Count("id", filter=freshness_q(Freshness.STALE)),
        )
        build("freshness", [(value, label, agg[value]) for value, label in Freshness.choices if agg[value]])
    base = _facet_base(user, params, "certified")
    if base is not None:
        certified = base.filter(certified=True).count()
        build("certified", [("true", "Certified", certified)] if certified else [])
    return facets


FACET_LABELS = {
    "domain": "Domain",
    "owner_team": "Owner team",
    "classification": "Classification",
    "criticality": "Criticality",
    "tag": "Tags",
    "freshness": "Freshness",
    "status": "Status",
    "certified": "Certified",
}


@dataclass(frozen=True)
class FilterChip:
    """A filter in force, shown as a chip; ``remove_query`` is the query string without it."""

    name: str
    label: str
    value_label: str
    remove_query: str


def product_filter_chips(*, params: QueryDict, facets: dict[str, list[FacetValue]]) -> list[FilterChip]:
    """The facet filters of ``params``, each with the query string that drops it (no query)."""
    chips: list[FilterChip] = []
    for name, label in FACET_LABELS.items():
        labels = {f.value: f.label for f in facets.get(name, [])}
        for value in params.getlist(name):
            rest = params.copy()
            rest.setlist(name, [v for v in params.getlist(name) if v != value])
            rest.pop("page", None)
            chips.append(FilterChip(name, label, labels.get(value, value), rest.urlencode()))
    return chips


def product_search_count(*, user: Any, q: str) -> int:
    """How many products ``q`` finds without any filter (up to ``COUNT_CAP``): one query."""
    search = product_search(user=user, params={"q": q, "as_typed": "true"})
    if not search.is_valid():
        return 0
    with index_plans():
        return min(count_upto(search.qs, COUNT_CAP), COUNT_CAP)


def _with_all_statuses(params: QueryDict) -> QueryDict:
    data = params.copy()
    data.setlist("status", [s for s, _ in DataProduct.Status.choices])
    return data


def product_get_for_user(*, user: Any, slug: str) -> DataProduct:
    """The product at ``slug`` if the user may see it; 404 otherwise (drafts of other teams do not exist)."""
    product = (
        DataProduct.objects.select_related("domain", "owner_team", "pii_override_by")
        .filter(permissions.visible_products_q(user), slug=slug)
        .first()
    )
    if product is None:
        raise Http404("No such data product.")
    return product


class ProductDetailPrefetches(TypedDict):
    """What ``product_detail_for_user`` prefetches into list attributes (``Prefetch(to_attr=...)``)."""

    latest_contracts: list[DataContract]
    recent_quality: list[QualityMeasurement]
    pending_proposals: list[SchemaProposal]


def product_detail_for_user(*, user: Any, slug: str) -> WithAnnotations[DataProduct, ProductDetailPrefetches]:
    """The product with everything its page shows, in a constant number of queries."""
    visible = DataProduct.objects.filter(permissions.visible_products_q(user)).select_related("domain")
    product = (
        DataProduct.objects.select_related("domain", "owner_team", "pii_override_by")
        .prefetch_related(
            "tags",
            "domain__stewards",
            Prefetch("columns", queryset=Column.objects.order_by("position", "id")),
            Prefetch("output_ports", queryset=OutputPort.objects.select_related("aws_account").order_by("name")),
            Prefetch("upstream", queryset=visible.order_by("name")),
            Prefetch("downstream", queryset=visible.order_by("name")),
            Prefetch(
                "contracts",
                queryset=DataContract.objects.select_related("imported_by").order_by("-imported_at", "-id")[:1],
                to_attr="latest_contracts",
            ),
            Prefetch(
                "quality_history",
                queryset=QualityMeasurement.objects.order_by("-measured_at")[:QUALITY_HISTORY_POINTS],
                to_attr="recent_quality",
            ),
            Prefetch(
                "schema_proposals",
                queryset=SchemaProposal.objects.filter(status=SchemaProposal.Status.PENDING).order_by("-id"),
                to_attr="pending_proposals",
            ),
        )
        .filter(permissions.visible_products_q(user), slug=slug)
        .first()
    )
    if product is None:
        raise Http404("No such data product.")
    return product


def product_freshness(product: DataProduct) -> str:
    """ "fresh", "stale" or "" (no objective)."""
    if product.freshness_slo_hours is None:
        return ""
    if product.fresh_until is not None and product.fresh_until >= timezone.now():
        return Freshness.FRESH
    return Freshness.STALE


def product_editable_by(user: Any, product: DataProduct) -> bool:
    return permissions.can_edit(user, product)


def recent_products_by_domain(*, user: Any, per_domain: int = 5) -> dict[int, list[DataProduct]]:
    """The most recently updated visible products of each domain, in one query (a window function)."""
    return _products_by_domain(user, per_domain, [F("updated_at").desc(), F("id").desc()], Q())


def popular_products_by_domain(*, user: Any, per_domain: int = 5) -> dict[int, list[DataProduct]]:
    """The most popular visible products of each domain (requests of the last 90 days and active consumers,
    ``DataProduct.popularity``), leaving out those nobody asked for; one query."""
    order = [F("popularity").desc(), F("updated_at").desc(), F("id").desc()]
    return _products_by_domain(user, per_domain, order, Q(popularity__gt=0))


def published_products_by_domain(*, user: Any, per_domain: int = 5) -> dict[int, list[DataProduct]]:
    """The most recently published products of each domain (published, not yet deprecated); one query."""
    order = [F("published_at").desc(), F("id").desc()]
    return _products_by_domain(
        user, per_domain, order, Q(status=DataProduct.Status.PUBLISHED, published_at__isnull=False)
    )


def _products_by_domain(user: Any, per_domain: int, order: list[Any], where: Q) -> dict[int, list[DataProduct]]:
    ranked = (
        DataProduct.objects.filter(permissions.visible_products_q(user))
        .filter(where)
        .exclude(status=DataProduct.Status.RETIRED)
        .annotate(row=Window(RowNumber(), partition_by=[F("domain_id")], order_by=order))
        .filter(row__lte=per_domain)
        .only(
            "id",
            "slug",
            "name",
            "summary",
            "status",
            "classification",
            "domain_id",
            "updated_at",
            "published_at",
            "popularity",
        )
        .order_by("domain_id", "row")
    )
    out: dict[int, list[DataProduct]] = {}
    for product in ranked:
        out.setdefault(product.domain_id, []).append(product)
    return out


def port_get_for_user(*, user: Any, pk: int) -> OutputPort:
    """An output port of a product the user may see (for access requests)."""
    port = (
        OutputPort.objects.select_related("product", "product__domain", "product__owner_team", "aws_account")
        .filter(pk=pk, product__in=DataProduct.objects.filter(permissions.visible_products_q(user)))
        .first()
    )
    if port is None:
        raise Http404("No such output port.")
    return port


# --- harvests -----------------------------------------------------------------------------------------


def harvest_list(*, user: Any) -> QuerySet[HarvestJob]:
    qs = HarvestJob.objects.select_related("aws_account", "domain", "owner_team", "requested_by")
    if roles.sees_everything(user):
        return qs
    return qs.filter(Q(requested_by=user) | Q(owner_team_id__in=roles.team_ids(user)))


def harvest_get_for_user(*, user: Any, pk: int) -> HarvestJob:
    job = harvest_list(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such harvest.")
    return job


def harvest_proposals(*, job: HarvestJob) -> list[SchemaProposal]:
    return list(job.proposals.select_related("product").order_by("id"))


def proposal_get_for_user(*, user: Any, pk: int) -> SchemaProposal:
    """A schema change waiting for review, for those who may decide it (the owning team, platform admins);
    404 for everyone else, even when the product itself is published."""
    proposal = SchemaProposal.objects.select_related("product", "harvest").filter(pk=pk).first()
    if proposal is None or not permissions.can_edit(user, proposal.product):
        raise Http404("No such schema change.")
    return proposal


def pending_proposal_count(*, product: DataProduct) -> int:
    return SchemaProposal.objects.filter(product=product, status=SchemaProposal.Status.PENDING).count()
