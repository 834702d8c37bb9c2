"""Reads of the audit log: auditors and platform admins only."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from meshportal.audit.models import AuditEvent
from meshportal.core.errors import NotAllowed
from meshportal.identity import roles


def require_audit_access(user: Any) -> None:
    if not roles.sees_everything(user):
        raise NotAllowed("The audit log is for auditors and platform admins.")


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    require_audit_access(user)
    return AuditEvent.objects.all().order_by("-id")
