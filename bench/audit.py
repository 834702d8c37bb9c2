"""Audit console at scale: bulk-load N hash-chained events, then time the list, the export and the verifier.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/meshportal_bench_audit \\
        .venv/bin/python bench/audit.py --events 10000000

The load bypasses ``audit_record`` (one row at a time would take hours) but builds the same chain: each
event's hash is ``compute_hash`` over its fields and its predecessor's hash, and the chain head is kept up
to date, so ``audit_verify`` passes afterwards. On PostgreSQL rows go in with COPY, with the secondary
indexes dropped during a large load and rebuilt after it (faster than maintaining them row by row). The
load resumes from the current chain head, so a second run with the same ``--events`` only measures.

Prints: list p50/p95 latency over filtered first pages and deep keyset pages (HTML page and API),
CSV export rows per second, and audit_verify rows per second.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meshportal.settings.dev")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from meshportal.audit.events import EventType  # noqa: E402
from meshportal.audit.models import AuditChainHead, AuditEvent  # noqa: E402
from meshportal.audit.services import GENESIS_HASH, audit_verify, compute_hash  # noqa: E402

BATCH = 50_000
HISTORY = timedelta(days=730)
COLUMNS = [
    "seq",
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor",
    "request_id",
    "event_type",
    "object_type",
    "object_id",
    "object_repr",
    "product_id",
    "principal",
    "account_id",
    "before",
    "after",
    "prev_hash",
    "hash",
]
INDEX_FILE = ROOT / "var" / "bench-audit-indexes.sql"
TYPES = [t.value for t in EventType]
# A plausible mix: most events are request and grant traffic, a few are rare (role changes, drift).
WEIGHTS = [40 if t.startswith(("access.", "grant.")) else 10 if t.startswith("catalog.") else 2 for t in TYPES]
N_USERS, N_PRODUCTS, N_PRINCIPALS, N_ACCOUNTS = 2_000, 3_000, 8_000, 300
SYSTEM_ACTORS = ["system:grant-worker", "system:reconciler", "system:expiry", "system:policy"]


def account_id(i: int) -> str:
    return f"{100000000000 + i:012d}"


def principal(i: int) -> str:
    return f"arn:aws:iam::{account_id(i % N_ACCOUNTS)}:role/consumer-{i}"


# --- Load -------------------------------------------------------------------------------------------


def _drop_secondary_indexes() -> None:
    """Drop every index but the primary key, saving the SQL that rebuilds them (in a file, in case we crash)."""
    with connection.cursor() as cur:
        cur.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = 'audit_auditevent'::regclass AND contype = 'u'""")
        constraints = cur.fetchall()
        cur.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent'
                       AND indexname NOT IN (SELECT conname FROM pg_constraint
                                             WHERE conrelid = 'audit_auditevent'::regclass)""")
        indexes = cur.fetchall()
        rebuild = [
            f"ALTER TABLE audit_auditevent ADD CONSTRAINT {name} {definition}" for name, definition in constraints
        ] + [definition for _, definition in indexes]
        INDEX_FILE.parent.mkdir(parents=True, exist_ok=True)
        INDEX_FILE.write_text(";\n".join(rebuild) + ";\n")
        for name, _ in constraints:
            cur.execute(f"ALTER TABLE audit_auditevent DROP CONSTRAINT {name}")
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {name}")


def _rebuild_indexes() -> None:
    if not INDEX_FILE.exists():
        return
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for statement in INDEX_FILE.read_text().split(";\n"):
            if statement.strip():
                started = time.perf_counter()
                cur.execute(statement)
                print(f"  rebuilt in {time.perf_counter() - started:6.1f}s: {statement[:90]}")
    INDEX_FILE.unlink()


def _event_rows(first_seq: int, count: int, *, start: datetime, step: timedelta, prev_hash: str, rng: random.Random):
    for seq in range(first_seq, first_seq + count):
        event_type = rng.choices(TYPES, WEIGHTS)[0]
        app = event_type.split(".")[0]
        if rng.random() < 0.2:
            actor_kind, actor_id, actor = "system", None, rng.choice(SYSTEM_ACTORS)
        else:
            uid = rng.randrange(1, N_USERS)
            actor_kind, actor_id, actor = "user", uid, f"user{uid:04d}"
        has_product = app in {"catalog", "access", "grant", "provisioning"}
        product_id = rng.randrange(1, N_PRODUCTS) if has_product else None
        p = rng.randrange(N_PRINCIPALS)
        has_principal = app in {"access", "grant", "provisioning"}
        object_id = str(rng.randrange(1, 5_000_000))
        row = {
            "seq": seq,
            "occurred_at": start + step * (seq - first_seq),
            "actor_kind": actor_kind,
            "actor_id": actor_id,
            "actor": actor,
            "request_id": f"{rng.getrandbits(64):016x}",
            "event_type": event_type,
            "object_type": f"{app}.object",
            "object_id": object_id,
            "object_repr": f"{app} object #{object_id}",
            "product_id": product_id,
            "principal": principal(p) if has_principal else "",
            "account_id": account_id(p % N_ACCOUNTS) if has_principal else "",
            "before": {"status": "pending"} if rng.random() < 0.5 else None,
            "after": {"status": "granted", "n": seq % 97},
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = compute_hash(row)
        yield row


def _copy_batch(rows: list[dict]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL)
    for r in rows:
        writer.writerow(
            [
                r["seq"],
                r["occurred_at"].isoformat(),
                r["actor_kind"],
                "" if r["actor_id"] is None else r["actor_id"],
                r["actor"],
                r["request_id"],
                r["event_type"],
                r["object_type"],
                r["object_id"],
                r["object_repr"],
                "" if r["product_id"] is None else r["product_id"],
                r["principal"],
                r["account_id"],
                "" if r["before"] is None else json.dumps(r["before"]),
                json.dumps(r["after"]),
                r["prev_hash"],
                r["hash"],
            ]
        )
    buf.seek(0)
    with connection.cursor() as cur:
        # Every field is quoted, so blank CharFields stay empty strings; FORCE_NULL turns the empty nullable
        # fields back into NULL.
        cur.cursor.copy_expert(
            f"COPY audit_auditevent ({', '.join(COLUMNS)}) FROM STDIN WITH "
            "(FORMAT csv, FORCE_NULL (actor_id, product_id, before))",
            buf,
        )


def _copy_batch_orm(rows: list[dict]) -> None:
    AuditEvent.objects.bulk_create([AuditEvent(**r) for r in rows], batch_size=2_000)


def load(target: int, seed: int) -> None:
    head, _ = AuditChainHead.objects.get_or_create(id=1)
    have = AuditEvent.objects.count()
    if have != head.seq:
        raise SystemExit(f"the table holds {have} events but the head says {head.seq}: use an empty database")
    if have >= target:
        print(f"load: {have:,} events already there")
        return
    missing = target - have
    postgres = connection.vendor == "postgresql"
    # Times are spread evenly over the history and never go backwards along the chain (a resumed load
    # continues after the head).
    start = head.updated_at if have else datetime.now(UTC) - HISTORY
    step = (datetime.now(UTC) - start) / (missing + 1)
    start += step
    rng = random.Random(seed + have)
    big = postgres and missing >= 500_000
    if big:
        _drop_secondary_indexes()
    started, prev_hash, seq = time.perf_counter(), head.hash if have else GENESIS_HASH, have + 1
    write = _copy_batch if postgres else _copy_batch_orm
    while seq <= target:
        count = min(BATCH, target - seq + 1)
        rows = list(
            _event_rows(seq, count, start=start + step * (seq - have - 1), step=step, prev_hash=prev_hash, rng=rng)
        )
        with transaction.atomic():
            write(rows)
            AuditChainHead.objects.filter(id=1).update(
                seq=rows[-1]["seq"], hash=rows[-1]["hash"], updated_at=rows[-1]["occurred_at"]
            )
        prev_hash, seq = rows[-1]["hash"], seq + count
        done = seq - have - 1
        if done % 1_000_000 < BATCH or seq > target:
            rate = done / (time.perf_counter() - started)
            print(f"  loaded {done:>11,} / {missing:,}  ({rate:,.0f} events/s)", flush=True)
    print(f"load: {missing:,} events in {time.perf_counter() - started:.0f}s")
    if big:
        started = time.perf_counter()
        _rebuild_indexes()
        print(f"indexes rebuilt in {time.perf_counter() - started:.0f}s")
    if postgres:
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) audit_auditevent")


# --- Measure -----------------------------------------------------------------------------------------


def _client() -> Client:
    from meshportal.identity.models import User

    auditor, _ = User.objects.get_or_create(username="bench-auditor", defaults={"is_auditor": True})
    client = Client(HTTP_HOST="localhost")
    client.force_login(auditor)
    return client


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _list_queries(n: int, rng: random.Random) -> list[dict[str, str]]:
    head = AuditChainHead.objects.get(id=1)
    first = AuditEvent.objects.order_by("id").values_list("id", "occurred_at").first()
    last = AuditEvent.objects.order_by("-id").values_list("id", "occurred_at").first()
    assert first, "load events first"
    assert last
    span = (last[1] - first[1]).total_seconds()

    def moment() -> str:
        return (first[1] + timedelta(seconds=rng.random() * span)).isoformat()

    def deep() -> str:
        return str(rng.randrange(first[0], last[0]))

    common = [t for t, w in zip(TYPES, WEIGHTS, strict=True) if w >= 10]
    rare = [t for t, w in zip(TYPES, WEIGHTS, strict=True) if w < 10]
    makers = [
        dict,
        lambda: {"before": deep()},
        lambda: {"event_type": rng.choice(common)},
        lambda: {"event_type": rng.choice(rare), "before": deep()},
        lambda: {"actor": f"user{rng.randrange(1, N_USERS):04d}"},
        lambda: {"actor": rng.choice(SYSTEM_ACTORS), "before": deep()},
        lambda: {"product": str(rng.randrange(1, N_PRODUCTS))},
        lambda: {"principal": principal(rng.randrange(N_PRINCIPALS))},
        lambda: {"account": account_id(rng.randrange(N_ACCOUNTS)), "before": deep()},
        lambda: {"since": moment()},
        lambda: {"until": moment()},
        lambda: {"until": moment(), "event_type": rng.choice(common)},
        lambda: {"since": moment(), "actor": f"user{rng.randrange(1, N_USERS):04d}"},
    ]
    print(f"list: {head.seq:,} events; {len(makers)} query shapes, first pages and deep keyset pages")
    return [makers[i % len(makers)]() for i in range(n)]


def measure_list(client: Client, n: int, rng: random.Random) -> None:
    for label, url_name in (("HTML, htmx partial", "audit:events"), ("API", "api-audit-event-list")):
        url = reverse(url_name)
        timings: list[float] = []
        for params in _list_queries(n, rng):
            started = time.perf_counter()
            # The htmx partial: what the console fetches on every filter change and "older events" click.
            response = client.get(url, params, headers={"HX-Request": "true"})
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (params, response.status_code, response.content[:300])
        print(
            f"list ({label}, {n} requests): p50 {1000 * statistics.median(timings):.1f} ms, "
            f"p95 {1000 * _percentile(timings, 0.95):.1f} ms, max {1000 * max(timings):.1f} ms"
        )


def measure_export(client: Client, rows: int) -> None:
    total = AuditEvent.objects.count()
    rows = min(rows, total)
    # The newest ``rows`` events, chosen by time so the export runs through the filter path.
    since = AuditEvent.objects.order_by("-id").values_list("occurred_at", flat=True)[rows - 1]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(reverse("audit:export-csv"), {"since": since.isoformat()})
    lines, size = 0, 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
        size += len(chunk)
    elapsed = time.perf_counter() - started
    exported = lines - 1  # header
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"export CSV: {exported:,} rows, {size / 1e6:,.0f} MB in {elapsed:.1f}s = {exported / elapsed:,.0f} rows/s; "
        f"peak RSS grew {max(0, rss_after - rss_before) / 1024:.0f} MB"
    )


def measure_verify() -> None:
    started = time.perf_counter()
    report = audit_verify()
    elapsed = time.perf_counter() - started
    state = "OK" if report.ok else f"PROBLEM {report.problem}"
    print(
        f"audit_verify: {report.checked:,} events in {elapsed:.1f}s = {report.checked / elapsed:,.0f} events/s "
        f"({state})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = 10_000_000 if connection.vendor == "postgresql" else 100_000
    parser.add_argument("--events", type=int, default=default, help=f"events in the log (default {default:,})")
    parser.add_argument("--requests", type=int, default=260, help="list requests per front door (default 260)")
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="rows to export (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    _rebuild_indexes()  # a crashed earlier load left them dropped
    load(args.events, args.seed)
    if args.load_only:
        return
    cores = os.cpu_count()
    print(f"machine: {cores} cores; database: {connection.vendor} {connection.settings_dict['NAME']}")
    rng = random.Random(args.seed)
    client = _client()
    measure_list(client, args.requests, rng)
    measure_export(client, args.export_rows)
    if not args.skip_verify:
        measure_verify()


if __name__ == "__main__":
    main()
