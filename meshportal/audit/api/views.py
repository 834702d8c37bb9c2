from __future__ import annotations

from rest_framework import generics
from rest_framework.exceptions import PermissionDenied

from meshportal.audit.api.serializers import AuditEventSerializer
from meshportal.audit.filtersets import AuditEventFilter
from meshportal.audit.models import AuditEvent
from meshportal.audit.selectors import audit_event_list
from meshportal.core.api import StableCursorPagination
from meshportal.core.errors import NotAllowed


class AuditEventListView(generics.ListAPIView):
    """The append-only audit log, newest first, cursor-paginated. Auditors and platform admins only."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = StableCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no real user
            return AuditEvent.objects.none()
        try:
            return audit_event_list(user=self.request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.detail) from exc
