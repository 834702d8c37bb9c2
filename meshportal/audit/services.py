"""Writing to and checking the audit log. Every state-changing service calls ``audit_record`` inside its
own transaction, so the change and its record commit or roll back together."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from meshportal.audit.events import EventType
from meshportal.audit.models import AuditChainHead, AuditEvent
from meshportal.core.request_id import get_request_id

# Who acts is the identity app's to say (``Actor``, ``SystemActor``); importable from here with ``audit_record``.
from meshportal.identity.actors import Actor, SystemActor

GENESIS_HASH = "0" * 64


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def compute_hash(event: AuditEvent | dict[str, Any]) -> str:
    get: Callable[[str], Any] = event.get if isinstance(event, dict) else (lambda k: getattr(event, k))
    fields = {
        "seq": get("seq"),
        "occurred_at": _iso(get("occurred_at")),
        "actor_kind": get("actor_kind"),
        "actor_id": get("actor_id"),
        "actor": get("actor"),
        "request_id": get("request_id"),
        "event_type": get("event_type"),
        "object_type": get("object_type"),
        "object_id": get("object_id"),
        "object_repr": get("object_repr"),
        "product_id": get("product_id"),
        "principal": get("principal"),
        "account_id": get("account_id"),
        "before": get("before"),
        "after": get("after"),
        "prev_hash": get("prev_hash"),
    }
    return hashlib.sha256(_canonical(fields)).hexdigest()


def audit_record(
    *,
    actor: Actor | AnonymousUser | None,
    event_type: EventType | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    product_id: int | None = None,
    principal: str = "",
    account_id: str = "",
) -> AuditEvent:
    """Append one event to the chain. Must run inside the caller's transaction (it joins it)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    if isinstance(actor, SystemActor):
        actor_kind, actor_id, actor_label = AuditEvent.ActorKind.SYSTEM, None, actor.label
    elif actor is not None and getattr(actor, "is_authenticated", False):
        actor_kind, actor_id, actor_label = AuditEvent.ActorKind.USER, actor.pk, actor.get_username()
    else:
        actor_kind, actor_id, actor_label = AuditEvent.ActorKind.SYSTEM, None, "system:anonymous"
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        # Times never go backwards along the chain, even across hosts with skewed clocks: the console turns
        # time ranges into id ranges on that promise (AuditEventFilter).
        occurred_at = timezone.now()
        if head.seq and head.updated_at > occurred_at:
            occurred_at = head.updated_at
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=occurred_at,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor=actor_label[:150],
            request_id=get_request_id()[:64],
            event_type=str(event_type),
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:255],
            product_id=product_id,
            principal=principal,
            account_id=account_id,
            before=_jsonable(before),
            after=_jsonable(after),
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash, updated_at=occurred_at)
    return event


def audit_log_exported(*, actor: Actor, export_format: str, filters: dict[str, list[str]]) -> AuditEvent:
    """Who exported which part of the log, and when. Recorded before the export streams, so an interrupted
    download still leaves its trace; the export itself therefore ends with this event when the filters allow."""
    return audit_record(
        actor=actor,
        event_type=EventType.AUDIT_EXPORTED,
        object_type="audit.log",
        object_repr=f"{export_format} export",
        after={"format": export_format, "filters": filters},
    )


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The before/after data of an object: the named fields, JSON-ready."""
    out: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        out[name] = value
    return _jsonable(out)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainProblem:
    kind: str  # edited | deleted | inserted | reordered | head_mismatch | export_mismatch
    seq: int
    event_id: int | None
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_seq: int
    head_hash: str
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


_VERIFY_FIELDS = [
    "id",
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


def _events_in_chain_order() -> Iterator[dict[str, Any]]:
    yield from AuditEvent.objects.order_by("seq").values(*_VERIFY_FIELDS).iterator(chunk_size=5000)


def audit_verify(*, exported_head: dict[str, Any] | None = None) -> ChainReport:
    """Walk the chain and return the first event that was edited, deleted, inserted or reordered."""
    expected_seq, prev_hash, prev_id, checked = 1, GENESIS_HASH, 0, 0
    by_seq: dict[int, str] = {}
    export_seq = int(exported_head["seq"]) if exported_head else None
    for row in _events_in_chain_order():
        checked += 1
        seq, event_id = row["seq"], row["id"]
        if seq != expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}–{seq - 1}"
            return ChainReport(
                checked,
                seq,
                row["hash"],
                ChainProblem(
                    "deleted", expected_seq, event_id, f"event(s) {missing} are missing: deleted from the log"
                ),
            )
        if compute_hash(row) != row["hash"]:
            return ChainReport(
                checked,
                seq,
                row["hash"],
                ChainProblem(
                    "edited", seq, event_id, f"event {seq} (id {event_id}) does not match its hash: it was edited"
                ),
            )
        if row["prev_hash"] != prev_hash:
            kind = "reordered" if event_id < prev_id else "inserted"
            return ChainReport(
                checked,
                seq,
                row["hash"],
                ChainProblem(
                    kind,
                    seq,
                    event_id,
                    f"event {seq} (id {event_id}) does not follow event {seq - 1}: the chain was {kind} here",
                ),
            )
        if export_seq is not None and seq == export_seq:
            by_seq[seq] = row["hash"]
        expected_seq, prev_hash, prev_id = seq + 1, row["hash"], event_id
    head = AuditChainHead.objects.filter(id=1).first()
    last_seq = expected_seq - 1
    if head is None and last_seq:
        return ChainReport(
            checked,
            last_seq,
            prev_hash,
            ChainProblem("head_mismatch", last_seq, None, "the chain head record is missing: it was deleted"),
        )
    if head is not None and (head.seq, head.hash) != (last_seq, prev_hash):
        return ChainReport(
            checked,
            last_seq,
            prev_hash,
            ChainProblem(
                "head_mismatch",
                last_seq,
                None,
                f"the chain ends at event {last_seq} but the recorded head is event {head.seq}: "
                "events were deleted from the end or the head was rewritten",
            ),
        )
    if exported_head is not None and export_seq is not None:
        if export_seq > last_seq:
            return ChainReport(
                checked,
                last_seq,
                prev_hash,
                ChainProblem(
                    "export_mismatch",
                    export_seq,
                    None,
                    f"the exported head names event {export_seq} but the log ends at {last_seq}: events were removed",
                ),
            )
        if by_seq.get(export_seq) != exported_head["hash"]:
            return ChainReport(
                checked,
                last_seq,
                prev_hash,
                ChainProblem(
                    "export_mismatch",
                    export_seq,
                    None,
                    f"event {export_seq} differs from the exported head: the chain was rewritten",
                ),
            )
    return ChainReport(checked, last_seq, prev_hash, None)


def audit_export_head(*, path: str | Path | None = None) -> dict[str, Any]:
    """Append the current chain head to a file outside the database (one JSON line per export)."""
    target = Path(path or settings.MESHPORTAL_AUDIT_HEAD_FILE)
    head = AuditChainHead.objects.filter(id=1).first()
    record = {
        "seq": head.seq if head else 0,
        "hash": head.hash if head else GENESIS_HASH,
        "exported_at": _iso(timezone.now()),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    return record


def read_exported_head(path: str | Path | None = None) -> dict[str, Any] | None:
    target = Path(path or settings.MESHPORTAL_AUDIT_HEAD_FILE)
    if not target.exists():
        return None
    last = None
    with target.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                last = json.loads(line)
    return last
