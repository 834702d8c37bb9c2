"""Search latency: p50/p95 of the product search over varied queries (default 240) at full size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meshportal_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py seed_scale --products 100000 --columns-per-product 10
    DATABASE_URL=... .venv/bin/python bench/search.py [--queries 240] [--user bench-consumer]

Two figures per query, each over the same workload, in several passes (the machine's speed varies from pass to
pass, so every pass is printed):

- "query + serialisation", what the issue's target names: the selector (visibility and the shared FilterSet), the
  paginator's capped COUNT, the 20-result page and its serialisation with the API's serializer;
- "API request": ``GET /api/v1/products/`` through the whole stack with Django's test client (URL routing,
  middleware, authentication, parsing, the above, JSON rendering).

The acting user is a plain consumer, looked up afresh for every query: the visibility filter and its role queries
apply as in production.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshportal.settings.dev")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import QueryDict  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from catalog import selectors  # noqa: E402
from catalog.api.serializers import ProductListSerializer  # noqa: E402
from catalog.management.commands.seed_scale import COLUMN_ROOTS, QUALIFIERS, SUBJECTS  # noqa: E402
from catalog.matches import annotate_results, highlight_query  # noqa: E402
from catalog.models import DataProduct, Domain  # noqa: E402
from catalog.search import CappedPaginator  # noqa: E402
from meshportal.identity.models import User  # noqa: E402


def _typo(word: str, rng: random.Random) -> str:
    """One slip of the fingers: two neighbouring letters swapped, or a letter dropped (never the first)."""
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i + 1 :]


def intended_shapes(rng: random.Random, user: User) -> list[Callable[[], tuple[str, str, str]]]:
    """Queries written for one product the user can see, as people type them (issue 16): the product is the one
    they mean, so the bench can tell whether it is on the first page."""
    published = list(
        selectors.product_list(user=user)
        .filter(status=DataProduct.Status.PUBLISHED)
        .order_by("pk")
        .values_list("slug", "name")[:5000]
    )
    sample = rng.sample(published, min(500, len(published)))  # the same products for the same --seed

    def pick() -> tuple[str, list[str]]:
        while True:
            slug, name = rng.choice(sample)
            words = [w.lower() for w in name.split() if not w.isdigit()]
            if len(words) >= 3 and all(len(w) >= 5 for w in words[1:3]):
                return slug, words

    def prefix() -> tuple[str, str, str]:  # typing: the last word cut short
        slug, (qualifier, subject, other, *_) = pick()
        return "prefix", f"q={qualifier}+{subject}+{other[: max(3, len(other) * 2 // 3)]}", slug

    def typo() -> tuple[str, str, str]:  # one misspelled word
        slug, (qualifier, subject, other, *_) = pick()
        return "typo", f"q={qualifier}+{_typo(subject, rng)}+{other}", slug

    def phrase() -> tuple[str, str, str]:  # a natural phrase with stop words
        slug, (qualifier, subject, other, *_) = pick()
        return "phrase", f"q={qualifier}+{subject}+of+the+{other}", slug

    return [prefix, typo, phrase] if sample else []


def queries(n: int, rng: random.Random, user: User) -> list[tuple[str, str, str]]:
    """``n`` (shape, query string, intended product slug or "") triples."""
    domains = list(Domain.objects.values_list("slug", flat=True)[:12])
    out: list[tuple[str, str, str]] = []
    plain = [
        lambda: f"q={rng.choice(SUBJECTS)}",
        lambda: f"q={rng.choice(SUBJECTS)}+{rng.choice(SUBJECTS)}",
        lambda: f"q={rng.choice(SUBJECTS)}_{rng.choice(COLUMN_ROOTS)}",  # a column name
        lambda: f"q=%22{rng.choice(QUALIFIERS)}+{rng.choice(SUBJECTS)}%22",  # a quoted phrase
        lambda: f"q={rng.choice(SUBJECTS)}&domain={rng.choice(domains)}",
        lambda: f"q={rng.choice(SUBJECTS)}&classification={rng.choice(['internal', 'confidential'])}",
        lambda: f"q={rng.choice(SUBJECTS)}&sort=requested",
        lambda: f"q={rng.choice(SUBJECTS)}&tag={rng.choice(QUALIFIERS)}",
        lambda: f"q={rng.choice(SUBJECTS)}+-{rng.choice(SUBJECTS)}",
        lambda: f"q={rng.choice(SUBJECTS)}&freshness=stale",
        lambda: f"domain={rng.choice(domains)}&sort=updated",
        lambda: f"tag={rng.choice(SUBJECTS)}&criticality=high",
        lambda: "sort=requested",
        lambda: f"q={rng.choice(SUBJECTS)}+or+{rng.choice(SUBJECTS)}&page=2",
        lambda: f"q={rng.choice(SUBJECTS)[:4]}",  # the first letters of a word, while typing
    ]
    shapes: list[Callable[[], tuple[str, str, str]]] = [(lambda make=make: ("other", make(), "")) for make in plain]
    # The shapes of issue 16 (prefix, typo, phrase) weigh as much as all the others together.
    intended = intended_shapes(rng, user)
    shapes += intended * max(1, len(plain) // max(1, len(intended)))
    while len(out) < n:
        out.append(rng.choice(shapes)())
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def query_and_serialise(user: User, q: str) -> list[str]:
    """The search and its page as the API computes them (spelling, why each matched, access badges included),
    without the HTTP layer; returns the page's slugs."""
    search = selectors.product_search(user=user, params=QueryDict(q))
    if not search.is_valid():
        raise SystemExit(f"invalid query in the workload: {q}: {search.errors}")
    params = QueryDict(q)
    page = CappedPaginator(search.qs, 20).page(int(params.get("page", "1")))
    products = list(page.object_list)
    annotate_results(user=user, products=products, q=highlight_query(search))
    return [row["slug"] for row in ProductListSerializer(products, many=True).data]


def summary(label: str, timings: list[float]) -> str:
    return (
        f"{label}: p50 {statistics.median(timings):.1f} ms  p95 {percentile(timings, 95):.1f} ms  "
        f"p99 {percentile(timings, 99):.1f} ms  max {max(timings):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--user", default="bench-consumer")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--slowest", type=int, default=0, help="Also print the N slowest API requests of the last pass."
    )
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    User.objects.get_or_create(username=args.user)
    products = DataProduct.objects.count()
    client = APIClient()
    rng = random.Random(args.seed)
    workload = queries(args.queries, rng, User.objects.get(username=args.user))
    print(
        f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}), products: {products}, "
        f"queries: {len(workload)} x {args.passes} passes"
    )

    def fresh_user() -> User:  # a new user object: role lookups as in a new request
        return User.objects.get(username=args.user)

    for _, q, _ in workload[:20]:  # warm caches and connections
        client.force_authenticate(fresh_user())
        client.get(f"/api/v1/products/?{q}")
    gc.freeze()  # as the web workers do once the application is loaded (meshportal/gunicorn_conf.py)
    p95s: list[float] = []
    for n in range(1, args.passes + 1):
        inner: list[float] = []
        outer: list[float] = []
        by_query: list[tuple[float, str, int]] = []
        by_shape: dict[str, list[float]] = {}
        hits: dict[str, list[bool]] = {}
        errors = results = 0
        for shape, q, intended in workload:
            user = fresh_user()
            t0 = time.perf_counter()
            slugs = query_and_serialise(user, q)
            inner.append((time.perf_counter() - t0) * 1000)
            by_shape.setdefault(shape, []).append(inner[-1])
            if intended:
                hits.setdefault(shape, []).append(intended in slugs)
            client.force_authenticate(fresh_user())
            t0 = time.perf_counter()
            response = client.get(f"/api/v1/products/?{q}")
            outer.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                errors += 1
            else:
                results += len(response.json()["results"])
                by_query.append((outer[-1], q, response.json()["count"]))
        p95s.append(percentile(inner, 95))
        print(f"pass {n}: errors {errors}, mean results per page {results / len(workload):.1f}")
        print("  " + summary("query + serialisation", inner))
        print("  " + summary("API request          ", outer))
        for shape, timings in sorted(by_shape.items()):
            share = hits.get(shape)
            found = f", intended product on the first page {sum(share)}/{len(share)}" if share else ""
            print(f"    {shape:<7} n={len(timings):<4} {summary('query + serialisation', timings)}{found}")
    print(
        f"query + serialisation p95 over the passes: {', '.join(f'{v:.1f}' for v in p95s)} ms "
        f"(median {statistics.median(p95s):.1f} ms)"
    )
    for ms, q, count in sorted(by_query, reverse=True)[: args.slowest]:
        print(f"  {ms:7.1f} ms  {count:>6} matches  ?{q}")


if __name__ == "__main__":
    main()
