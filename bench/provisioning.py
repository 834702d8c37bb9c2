"""Provisioning benchmark: approval → granted latency (p50/p99) over N approvals, grants per second, and
AWS API calls per grant, with real Celery workers over Redis and the AWS emulator in its own process.

    .venv/bin/python bench/provisioning.py [--grants 200] [--workers 2] [--concurrency 2] [--latency-ms 150]

``--latency-ms`` delays every emulated AWS call (real AWS is not instant). "Granted" means *verified*: a grant
is active only once the settlement read-back agrees.

Needs PostgreSQL on 127.0.0.1:5432 (trust) and the redis-server binary; uses a scratch database
``meshportal_bench_prov`` and a private Redis on a free port. Prints the figures; the README records them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB = "meshportal_bench_prov"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grants", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--tables", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=0, help="delay injected on every emulated AWS call")
    args = parser.parse_args()

    import psycopg2

    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    admin.cursor().execute(f'CREATE DATABASE "{DB}"')
    database_url = f"postgres://postgres@127.0.0.1:5432/{DB}"
    var_dir = tempfile.mkdtemp(prefix="meshportal-bench-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "meshportal.settings.dev",
            "DATABASE_URL": database_url,
            "MESHPORTAL_VAR_DIR": var_dir,
            "LOG_LEVEL": "WARNING",
            "DJANGO_DEBUG": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.db.models import F

    call_command("migrate", verbosity=0)
    from access_requests.models import Grant
    from aws_emulator.testing import running_emulator
    from meshportal.aws.gateway import clear_session_cache
    from provisioning.models import ProvisioningJob
    from provisioning.services import provisioning_job_create
    from tests.factories import UserFactory
    from tests.fleet import RedisServer, Workers, use_broker
    from tests.provisioning.helpers import CONSUMER, PRODUCER, accounts, approved_grant

    tables = [f"table_{i}" for i in range(args.tables)]
    roles = -(-args.grants // len(tables))
    redis = RedisServer()
    redis.start()
    use_broker(redis.url)
    with running_emulator(mode="subprocess", region="eu-west-1") as aws:
        from django.conf import settings

        settings.AWS_ENDPOINT_URL = aws.endpoint_url
        clear_session_cache()
        aws.seed(
            {
                "region": "eu-west-1",
                "accounts": [
                    {
                        "id": PRODUCER,
                        "data_lake_admins": [f"arn:aws:iam::{PRODUCER}:role/MeshPortal"],
                        "databases": [
                            {
                                "name": "sales",
                                "tables": [{"name": t, "columns": [{"name": "id", "type": "string"}]} for t in tables],
                            }
                        ],
                    },
                    {"id": CONSUMER, "data_lake_admins": [f"arn:aws:iam::{CONSUMER}:role/MeshPortal"]},
                ],
            }
        )
        accounts()

        class People:
            consumer = UserFactory(username="bench-consumer")

        grants = []
        for table in tables:
            first = approved_grant(People, table=table, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst0")
            grants.append(first)
            grants += [
                approved_grant(
                    People, table=table, product=first.product, principal=f"arn:aws:iam::{CONSUMER}:role/Analyst{i}"
                )
                for i in range(1, roles)
            ]
        grants = grants[: args.grants]
        workers = Workers(
            {
                "DATABASE_URL": database_url,
                "CELERY_BROKER_URL": redis.url,
                "AWS_ENDPOINT_URL": aws.endpoint_url,
                "MESHPORTAL_AWS_MODE": "emulator",
                "AWS_DEFAULT_REGION": "eu-west-1",
                "MESHPORTAL_VAR_DIR": var_dir,
            },
            Path(var_dir),
        )
        for _ in range(args.workers):
            workers.start(concurrency=args.concurrency)
        time.sleep(4)  # let the workers connect before the clock starts
        aws.reset_stats()
        if args.latency_ms:
            aws.inject_fault(service="*", operation="*", latency_ms=args.latency_ms)
        started = time.time()
        for grant in grants:
            with transaction.atomic():
                provisioning_job_create(grant=grant, action="grant")
        deadline = time.monotonic() + 600
        while Grant.objects.filter(status=Grant.Status.ACTIVE).count() < len(grants):
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for grants")
            time.sleep(0.2)
        elapsed = time.time() - started
        stats = aws.stats()
        workers.stop_all()
    redis.stop()
    latencies = sorted(
        (g - c).total_seconds()
        for g, c in ProvisioningJob.objects.filter(action="grant")
        .annotate(granted=F("grant__granted_at"))
        .values_list("granted", "created_at")
    )
    services = stats["services"]
    total_calls = sum(sum(ops.values()) for name, ops in services.items() if name != "sts")
    lf_calls = sum(services.get("lakeformation", {}).values())
    batch_calls = services.get("lakeformation", {}).get("BatchGrantPermissions", 0)
    n = len(grants)
    print(f"grants: {n} (tables {len(tables)}, roles {roles}), workers {args.workers}×{args.concurrency}, 2 cores")
    print(
        f"approval→granted latency: p50 {statistics.median(latencies):.2f} s, "
        f"p99 {latencies[int(0.99 * (len(latencies) - 1))]:.2f} s"
    )
    print(f"throughput: {n / elapsed:.1f} grants/s ({elapsed:.1f} s wall)")
    print(
        f"AWS API calls per grant: {total_calls / n:.2f} all services, {lf_calls / n:.2f} Lake Formation, "
        f"{batch_calls / n:.3f} BatchGrantPermissions"
    )
    from provisioning.models import AwsCallAttempt

    grantor_batches = (
        AwsCallAttempt.objects.filter(account_id=PRODUCER, operation="BatchGrantPermissions")
        .values("call_id")
        .distinct()
        .count()
    )
    print(
        f"grantor-account BatchGrantPermissions calls per grant: {grantor_batches / n:.3f} "
        f"(floor with 20-entry batches and 2 entries per grant: 0.100)"
    )
    print("calls by operation:", {f"{s}:{o}": c for s, ops in services.items() for o, c in ops.items()})
    admin.cursor().execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
