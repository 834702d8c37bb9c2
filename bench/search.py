"""Search API latency: p50/p95 of ``GET /api/v1/products/`` over varied queries (default 240) at full size.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meshportal_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py seed_scale --products 100000 --columns-per-product 10
    DATABASE_URL=... .venv/bin/python bench/search.py [--queries 240] [--user bench-consumer]

Each request goes through the real stack (URL routing, authentication, the shared FilterSet, the search, the
paginator's COUNT, the 20-result page and its serialisation) with Django's test client. The acting user is a
plain consumer: the visibility filter applies as in production.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshportal.settings.dev")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from catalog.management.commands.seed_scale import COLUMN_ROOTS, QUALIFIERS, SUBJECTS  # noqa: E402
from catalog.models import DataProduct, Domain  # noqa: E402
from meshportal.identity.models import User  # noqa: E402


def queries(n: int, rng: random.Random) -> list[str]:
    domains = list(Domain.objects.values_list("slug", flat=True)[:12])
    out: list[str] = []
    shapes = [
        lambda: f"q={rng.choice(SUBJECTS)}",
        lambda: f"q={rng.choice(SUBJECTS)}+{rng.choice(SUBJECTS)}",
        lambda: f"q={rng.choice(SUBJECTS)}_{rng.choice(COLUMN_ROOTS)}",  # a column name
        lambda: f"q=%22{rng.choice(QUALIFIERS)}+{rng.choice(SUBJECTS)}%22",  # a phrase
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
    ]
    while len(out) < n:
        out.append(rng.choice(shapes)())
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--user", default="bench-consumer")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--slowest", type=int, default=0, help="Also print the N slowest queries.")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user, _ = User.objects.get_or_create(username=args.user)
    products = DataProduct.objects.count()
    client = APIClient()
    client.force_authenticate(user)
    rng = random.Random(args.seed)
    workload = queries(args.queries, rng)
    for q in workload[:20]:  # warm caches and connections
        client.get(f"/api/v1/products/?{q}")
    timings: list[float] = []
    by_query: list[tuple[float, str, int]] = []
    errors = 0
    results = 0
    for q in workload:
        user.__dict__.pop("_role_cache", None)  # each request looks up the user's teams afresh
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/products/?{q}")
        timings.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            errors += 1
        else:
            results += len(response.json()["results"])
            by_query.append((timings[-1], q, response.json()["count"]))
    print(f"database: {connection.vendor} ({settings.DATABASES['default']['NAME']}), products: {products}")
    print(f"requests: {len(timings)}, errors: {errors}, mean results per page: {results / len(timings):.1f}")
    print(f"p50: {statistics.median(timings):.1f} ms  p95: {percentile(timings, 95):.1f} ms  "
          f"p99: {percentile(timings, 99):.1f} ms  max: {max(timings):.1f} ms")
    for ms, q, count in sorted(by_query, reverse=True)[:args.slowest]:
        print(f"  {ms:7.1f} ms  {count:>6} matches  ?{q}")


if __name__ == "__main__":
    main()
