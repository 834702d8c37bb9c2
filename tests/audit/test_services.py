from __future__ import annotations

import pytest
from django.db import connection, transaction

from meshportal.audit.events import EventType
from meshportal.audit.models import AuditChainHead, AuditEvent
from meshportal.audit.services import (
    GENESIS_HASH,
    SystemActor,
    audit_export_head,
    audit_record,
    audit_verify,
    compute_hash,
    read_exported_head,
)

pytestmark = pytest.mark.django_db


def _record_many(user, n: int = 5) -> list[AuditEvent]:
    return [
        audit_record(
            actor=user, event_type=EventType.TEAM_UPDATED, object_type="identity.team", object_id=i, after={"n": i}
        )
        for i in range(n)
    ]


def _raw(sql: str, params: list) -> None:
    # Tamper below the ORM, as an attacker with database access would.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")


def test_events_form_a_gapless_hash_chain(personas):
    events = _record_many(personas.admin, 3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert all(compute_hash(e) == e.hash for e in events)
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, events[-1].hash)
    assert audit_verify().ok


def test_event_records_actor_object_and_request_id(personas):
    from meshportal.core.request_id import set_request_id

    set_request_id("req-123")
    event = audit_record(
        actor=personas.producer,
        event_type=EventType.PRODUCT_CREATED,
        obj=personas.producer,
        before=None,
        after={"name": "x"},
        principal="arn:aws:iam::111111111111:role/r",
        account_id="111111111111",
        product_id=7,
    )
    set_request_id("")
    event.refresh_from_db()
    assert event.actor == "pat-producer" and event.actor_id == personas.producer.pk
    assert event.actor_kind == "user" and event.request_id == "req-123"
    assert event.object_type == "identity.user" and event.object_id == str(personas.producer.pk)
    assert event.after == {"name": "x"} and event.product_id == 7


def test_system_actor_is_labelled():
    event = audit_record(actor=SystemActor("reconciler"), event_type=EventType.DRIFT_FOUND)
    assert event.actor == "system:reconciler" and event.actor_kind == "system" and event.actor_id is None


def test_audit_event_rolls_back_with_the_change(personas):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=personas.admin, event_type=EventType.TEAM_CREATED)
        raise RuntimeError("the change failed")
    assert AuditEvent.objects.count() == 0
    assert audit_verify().ok


def test_verify_detects_an_edited_event(personas):
    events = _record_many(personas.admin)
    _raw("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 99}', events[2].id])
    report = audit_verify()
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("edited", 3)


def test_verify_detects_a_deleted_event(personas):
    events = _record_many(personas.admin)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[1].id])
    report = audit_verify()
    assert (report.problem.kind, report.problem.seq) == ("deleted", 2)


def test_verify_detects_a_deleted_tail_through_the_head(personas):
    events = _record_many(personas.admin)
    _raw("DELETE FROM audit_auditevent WHERE id = %s", [events[-1].id])
    report = audit_verify()
    assert report.problem.kind == "head_mismatch"


def test_verify_detects_a_deleted_chain_head(personas):
    _record_many(personas.admin, 2)
    AuditChainHead.objects.all().delete()
    assert audit_verify().problem.kind == "head_mismatch"


def test_event_times_never_go_backwards_along_the_chain(personas, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    first = audit_record(actor=personas.admin, event_type=EventType.TEAM_UPDATED)
    skewed = first.occurred_at - timedelta(minutes=5)  # another host with a slow clock
    monkeypatch.setattr(timezone, "now", lambda: skewed)
    second = audit_record(actor=personas.admin, event_type=EventType.TEAM_UPDATED)
    assert second.occurred_at >= first.occurred_at
    assert audit_verify().ok


def test_verify_detects_an_inserted_event(personas):
    events = _record_many(personas.admin)
    # Make room by renumbering the tail, then slip a well-formed event in at position 3.
    for e in reversed(events[2:]):
        _raw("UPDATE audit_auditevent SET seq = seq + 1 WHERE id = %s", [e.id])
    forged = AuditEvent(
        seq=3,
        occurred_at=events[1].occurred_at,
        actor_kind="user",
        actor_id=None,
        actor="mallory",
        request_id="",
        event_type="identity.roles_changed",
        object_type="",
        object_id="",
        object_repr="",
        product_id=None,
        principal="",
        account_id="",
        before=None,
        after={"is_platform_admin": True},
        prev_hash=events[1].hash,
    )
    forged.hash = compute_hash(forged)
    forged.save(force_insert=True)
    report = audit_verify()
    assert report.problem is not None
    assert report.problem.seq == 4  # the event after the forgery no longer links
    assert report.problem.kind in {"edited", "inserted"}


def test_verify_detects_reordered_events(personas):
    events = _record_many(personas.admin)
    a, b = events[1], events[2]
    _raw("UPDATE audit_auditevent SET seq = 1000 WHERE id = %s", [a.id])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [a.seq, b.id])
    _raw("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [b.seq, a.id])
    report = audit_verify()
    assert report.problem is not None
    assert report.problem.seq == 2
    assert report.problem.kind in {"edited", "reordered"}


def test_exported_head_detects_a_rewritten_chain(personas, tmp_path):
    _record_many(personas.admin, 3)
    head_file = tmp_path / "head.jsonl"
    audit_export_head(path=head_file)
    exported = read_exported_head(head_file)
    assert exported["seq"] == 3
    assert audit_verify(exported_head=exported).ok
    # Rewrite event 3 consistently (new content, new hash, head updated): only the export notices.
    event = AuditEvent.objects.get(seq=3)
    event.after = {"n": "rewritten"}
    new_hash = compute_hash(event)
    _raw("UPDATE audit_auditevent SET after = %s, hash = %s WHERE id = %s", ['{"n": "rewritten"}', new_hash, event.id])
    AuditChainHead.objects.filter(id=1).update(hash=new_hash)
    assert audit_verify().ok
    report = audit_verify(exported_head=exported)
    assert report.problem.kind == "export_mismatch"


@pytest.mark.postgres
def test_postgres_rejects_update_and_delete(personas):
    from django.db import DatabaseError

    event = _record_many(personas.admin, 1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).update(actor="mallory")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(id=event.id).delete()
    assert AuditEvent.objects.get(id=event.id).actor == "ada-admin"


def test_audit_verify_command_reports_ok_and_tampering(personas, tmp_path, settings):
    from django.core.management import CommandError, call_command

    settings.MESHPORTAL_AUDIT_HEAD_FILE = str(tmp_path / "none.jsonl")
    events = _record_many(personas.admin, 2)
    call_command("audit_verify")
    _raw("UPDATE audit_auditevent SET actor = %s WHERE id = %s", ["mallory", events[0].id])
    with pytest.raises(CommandError, match=r"TAMPERED \(edited\) at event 1"):
        call_command("audit_verify")
