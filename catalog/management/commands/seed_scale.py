"""Seed a large synthetic catalog for load tests: ``manage.py seed_scale --products 100000 --columns-per-product 10``.

Bulk inserts in batches (no services, no audit: this is test data, not business events), then fills the
PostgreSQL search vectors with one SQL UPDATE, dropping and recreating the GIN index around it (building an
index once is much faster than maintaining it row by row).
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from catalog.models import Column, DataProduct, Domain, Tag
from catalog.search import (
    column_text_for,
    is_postgres,
    search_head_expression,
    search_vector_expression,
    vocabulary_add,
)
from meshportal.identity.models import Team

SUBJECTS = [
    "order",
    "customer",
    "invoice",
    "payment",
    "shipment",
    "parcel",
    "return",
    "refund",
    "campaign",
    "session",
    "click",
    "impression",
    "product",
    "price",
    "stock",
    "warehouse",
    "supplier",
    "carrier",
    "route",
    "delivery",
    "ledger",
    "account",
    "budget",
    "forecast",
    "revenue",
    "margin",
    "subscription",
    "contract",
    "claim",
    "policy",
    "premium",
    "loan",
    "transaction",
    "card",
    "merchant",
    "store",
    "basket",
    "cart",
    "coupon",
    "discount",
    "employee",
    "payroll",
    "vacancy",
    "candidate",
    "ticket",
    "incident",
    "device",
    "sensor",
    "reading",
    "meter",
    "tariff",
    "energy",
    "emission",
    "fleet",
    "vehicle",
    "trip",
    "booking",
    "flight",
    "hotel",
    "room",
    "guest",
    "review",
    "rating",
    "survey",
    "lead",
    "opportunity",
    "quote",
    "partner",
    "channel",
    "region",
    "country",
    "currency",
    "exchange",
    "rate",
    "tax",
    "audit",
    "risk",
    "fraud",
    "alert",
    "case",
    "document",
    "asset",
    "lease",
    "property",
]
QUALIFIERS = [
    "daily",
    "weekly",
    "monthly",
    "hourly",
    "raw",
    "curated",
    "enriched",
    "aggregated",
    "historical",
    "current",
    "active",
    "closed",
    "open",
    "regional",
    "global",
    "online",
    "retail",
    "wholesale",
    "b2b",
    "b2c",
    "mobile",
    "web",
    "store",
    "partner",
    "internal",
    "external",
]
COLUMN_ROOTS = [
    "id",
    "key",
    "code",
    "name",
    "status",
    "type",
    "date",
    "time",
    "amount",
    "quantity",
    "total",
    "count",
    "price",
    "currency",
    "country",
    "region",
    "channel",
    "category",
    "score",
    "rate",
    "flag",
    "source",
    "version",
    "created",
    "updated",
    "deleted",
    "start",
    "end",
    "duration",
    "weight",
    "length",
    "height",
    "volume",
    "reason",
    "comment",
    "description",
    "owner",
    "segment",
    "tier",
    "level",
    "rank",
    "group",
    "label",
]
DESCRIPTIONS = [
    "identifier of the record",
    "when it happened",
    "value in euros",
    "as reported by the source system",
    "derived nightly from the raw feed",
    "free text entered by staff",
    "ISO code",
    "business key",
    "last change",
    "null when unknown",
    "one of a fixed set of values",
    "rolling seven-day figure",
]
CLASSIFICATIONS = ["public", "internal", "internal", "internal", "confidential", "restricted"]
CRITICALITY = ["low", "medium", "medium", "high", "critical"]
STATUS = ["published"] * 90 + ["deprecated"] * 5 + ["draft"] * 3 + ["retired"] * 2


class Command(BaseCommand):
    help = "Seed N synthetic data products with M columns each (load testing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument("--columns-per-product", type=int, default=10)
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--domains", type=int, default=12)
        parser.add_argument("--teams", type=int, default=40)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--prefix", default="seed")

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])  # noqa: S311 - reproducible test data, not secrets
        started = time.monotonic()
        prefix = options["prefix"]
        domains = [
            Domain.objects.get_or_create(
                slug=f"{prefix}-domain-{i}", defaults={"name": f"{SUBJECTS[i % len(SUBJECTS)].capitalize()} domain {i}"}
            )[0]
            for i in range(options["domains"])
        ]
        teams = [
            Team.objects.get_or_create(slug=f"{prefix}-team-{i}", defaults={"name": f"Seed team {i}"})[0]
            for i in range(options["teams"])
        ]
        Tag.objects.bulk_create([Tag(name=w) for w in SUBJECTS + QUALIFIERS], ignore_conflicts=True)
        tags = list(Tag.objects.filter(name__in=SUBJECTS + QUALIFIERS))
        start = DataProduct.objects.filter(slug__startswith=f"{prefix}-").count()
        total, per, batch = options["products"], options["columns_per_product"], options["batch"]
        now = timezone.now()
        dropped_index = False
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute("DROP INDEX IF EXISTS catalog_product_search_gin")
            dropped_index = True
        try:
            for offset in range(0, total, batch):
                self._batch(
                    rng,
                    prefix,
                    start + offset,
                    min(batch, total - offset),
                    per,
                    domains=domains,
                    teams=teams,
                    tags=tags,
                    now=now,
                )
                done = offset + min(batch, total - offset)
                self.stdout.write(f"{done:>8} products ({time.monotonic() - started:.0f} s)")
            if is_postgres():
                t0 = time.monotonic()
                DataProduct.objects.filter(slug__startswith=f"{prefix}-").update(
                    search_vector=search_vector_expression(), search_head=search_head_expression()
                )
                self.stdout.write(f"search vectors: {time.monotonic() - t0:.0f} s")
        finally:
            if dropped_index:
                t0 = time.monotonic()
                with connection.cursor() as cursor:
                    cursor.execute(
                        "CREATE INDEX IF NOT EXISTS catalog_product_search_gin ON catalog_dataproduct "
                        "USING gin (search_vector)"
                    )
                self.stdout.write(f"GIN index: {time.monotonic() - t0:.0f} s")
                # The vector UPDATE rewrote every row: compact the table so scans read live rows only.
                t0 = time.monotonic()
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM (FULL, ANALYZE) catalog_dataproduct")
                    cursor.execute("ANALYZE catalog_column")
                    cursor.execute("ANALYZE catalog_dataproduct_tags")
                self.stdout.write(f"VACUUM FULL + ANALYZE: {time.monotonic() - t0:.0f} s")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {total} products with {total * per} columns in {time.monotonic() - started:.0f} s."
            )
        )

    @transaction.atomic
    def _batch(
        self,
        rng: random.Random,
        prefix: str,
        first: int,
        count: int,
        per: int,
        *,
        domains: list[Domain],
        teams: list[Team],
        tags: list[Tag],
        now: Any,
    ) -> None:
        products, schemas, product_tags = [], [], []
        for n in range(first, first + count):
            subject, other = rng.choice(SUBJECTS), rng.choice(SUBJECTS)
            qualifier = rng.choice(QUALIFIERS)
            name = f"{qualifier.capitalize()} {subject} {other} {n}"
            chosen_tags = rng.sample(tags, 3)
            columns = []
            for i in range(per):
                root = rng.choice(COLUMN_ROOTS)
                col_subject = subject if i < 3 else rng.choice(SUBJECTS)
                columns.append(
                    {
                        "name": f"{col_subject}_{root}_{i}",
                        "description": f"{col_subject.capitalize()} {root}: {rng.choice(DESCRIPTIONS).strip()}",
                    }
                )
            slo = rng.choice([None, 1, 6, 24, 24, 168])
            refreshed = now - timedelta(hours=rng.randint(0, 200)) if slo else None
            products.append(
                DataProduct(
                    slug=f"{prefix}-{n}",
                    name=name,
                    summary=f"{qualifier.capitalize()} {subject} data joined with {other} records, for analytics.",
                    documentation=f"# {name}\n\nBuilt from the {subject} and {other} sources. "
                    f"Refreshed {qualifier}. Ask the owning team before joining on {subject}_id.",
                    domain=rng.choice(domains),
                    owner_team=rng.choice(teams),
                    status=rng.choice(STATUS),
                    classification=rng.choice(CLASSIFICATIONS),
                    criticality=rng.choice(CRITICALITY),
                    freshness_slo_hours=slo,
                    last_refreshed_at=refreshed,
                    fresh_until=refreshed + timedelta(hours=slo) if slo and refreshed else None,
                    quality_score=rng.randint(60, 100),
                    request_count=rng.randint(0, 500),
                    consumer_count=rng.randint(0, 80),
                    tag_text=" ".join(t.name for t in chosen_tags),
                    column_text=column_text_for(columns),
                    published_at=now,
                )
            )
            schemas.append(columns)
            product_tags.append(chosen_tags)
        DataProduct.objects.bulk_create(products, batch_size=2_000)
        vocabulary_add(products)  # the words of spelling suggestions (catalog/spelling.py)
        Column.objects.bulk_create(
            [
                Column(
                    product=p,
                    position=i,
                    name=c["name"],
                    data_type=rng.choice(["string", "bigint", "date", "decimal(12,2)", "timestamp"]),
                    description=c["description"],
                    classification=p.classification,
                )
                for p, cols in zip(products, schemas, strict=True)
                for i, c in enumerate(cols)
            ],
            batch_size=10_000,
        )
        through = DataProduct.tags.through
        through.objects.bulk_create(
            [
                through(dataproduct_id=p.pk, tag_id=t.pk)
                for p, ts in zip(products, product_tags, strict=True)
                for t in ts
            ],
            batch_size=10_000,
        )
