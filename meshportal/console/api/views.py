from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from access_requests.models import Grant
from meshportal.audit.models import AuditEvent
from meshportal.console import selectors
from meshportal.console.api.serializers import AuditEventSerializer, EntitlementSerializer
from meshportal.console.filtersets import AuditEventFilter, EntitlementFilter
from meshportal.core.api import StableCursorPagination


class AuditEventListView(generics.ListAPIView):
    """The append-only audit log, newest first, cursor-paginated. Auditors and platform admins only."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    pagination_class = StableCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):  # schema generation has no real user
            return AuditEvent.objects.none()
        return selectors.audit_event_list(user=self.request.user)


@extend_schema(
    description="Who could read what at one instant: grants whose permissions were in place in AWS at "
    "`as_of` (default now), with the approval trail of each. Cursor-paginated, newest grant "
    "first. Auditors and platform admins only."
)
class EntitlementListView(generics.ListAPIView):
    serializer_class = EntitlementSerializer
    filterset_class = EntitlementFilter
    pagination_class = StableCursorPagination

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Grant.objects.none()
        return selectors.entitlement_list(user=self.request.user)
