"""Streaming exports of the audit log: CSV, and JSON as NDJSON (one event object per line).

Both walk the filtered log in chain order through ``audit_event_rows`` (keyset chunks), and hand the web
server one chunk of text at a time, so memory stays flat for millions of rows. NDJSON holds the values exactly
as stored, hashes included, so it can be checked against the chain. The CSV is for spreadsheets: text cells
that a spreadsheet would run as a formula get a leading ``'`` (``meshportal.core.csv_export``); numbers and
everything else are as stored.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db.models import QuerySet

from meshportal.audit.models import AuditEvent
from meshportal.console.selectors import audit_event_rows
from meshportal.core.csv_export import csv_writer

EXPORT_FIELDS = [
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
ROWS_PER_WRITE = 1_000
_JSON_COLUMNS = {EXPORT_FIELDS.index("before"), EXPORT_FIELDS.index("after")}
_TIME_COLUMN = EXPORT_FIELDS.index("occurred_at")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def csv_lines(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then blocks of ``ROWS_PER_WRITE`` rows. ``before``/``after`` are JSON text; empty means null."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(EXPORT_FIELDS)
    pending = 0
    for row in audit_event_rows(queryset=queryset, fields=EXPORT_FIELDS):
        values = list(row)
        values[_TIME_COLUMN] = _iso(values[_TIME_COLUMN])
        for i in _JSON_COLUMNS:
            values[i] = "" if values[i] is None else _dumps(values[i])
        writer.writerow(values)
        pending += 1
        if pending >= ROWS_PER_WRITE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()


def ndjson_lines(queryset: QuerySet[AuditEvent]) -> Iterator[str]:
    """One JSON object per event and line (application/x-ndjson), in blocks of ``ROWS_PER_WRITE`` lines."""
    block: list[str] = []
    for row in audit_event_rows(queryset=queryset, fields=EXPORT_FIELDS):
        record = dict(zip(EXPORT_FIELDS, row, strict=True))
        record["occurred_at"] = _iso(record["occurred_at"])
        block.append(_dumps(record))
        if len(block) >= ROWS_PER_WRITE:
            yield "\n".join(block) + "\n"
            block = []
    if block:
        yield "\n".join(block) + "\n"
