"""How popular a data product is: access requests made in the last ``POPULARITY_DAYS`` days plus its active
consumers, kept in ``DataProduct.popularity`` for the catalog's "popular" sort and the mesh home.

A request adds one at once (``access_request_create``); a grant that starts or ends recomputes its product; a
daily beat task recomputes every product, so requests older than the window drop out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from access_requests.models import AccessRequest
from catalog.models import DataProduct

POPULARITY_DAYS = 90


def product_popularity_refresh(*, product_ids: Iterable[int] | None = None) -> int:
    """Recompute ``popularity`` of these products (all when None); returns how many rows changed."""
    since = timezone.now() - timedelta(days=POPULARITY_DAYS)
    recent = (
        AccessRequest.objects.filter(product=OuterRef("pk"), created_at__gte=since)
        .order_by()
        .values("product")
        .annotate(n=Count("id"))
        .values("n")
    )
    value = Coalesce(Subquery(recent, output_field=IntegerField()), 0) + F("consumer_count")
    products = DataProduct.objects.all() if product_ids is None else DataProduct.objects.filter(pk__in=product_ids)
    # Only the rows whose figure changes: a daily run does not rewrite every product.
    return products.alias(fresh=value).filter(~Q(popularity=F("fresh"))).update(popularity=value)
