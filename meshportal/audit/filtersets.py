"""One FilterSet for the audit log, shared by the console and the API."""

from __future__ import annotations

import django_filters

from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    event_type = django_filters.MultipleChoiceFilter(choices=EventType.choices)
    actor = django_filters.CharFilter(field_name="actor", help_text="Username, or system:<task>.")
    product = django_filters.NumberFilter(field_name="product_id", help_text="Data product id.")
    principal = django_filters.CharFilter(field_name="principal", help_text="IAM principal ARN.")
    account = django_filters.CharFilter(field_name="account_id", help_text="AWS account id.")
    object_type = django_filters.CharFilter(field_name="object_type")
    object_id = django_filters.CharFilter(field_name="object_id")
    since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte",
                                             help_text="ISO 8601 date-time, inclusive.")
    until = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt",
                                             help_text="ISO 8601 date-time, exclusive.")

    class Meta:
        model = AuditEvent
        fields = ["event_type", "actor", "product", "principal", "account", "object_type", "object_id",
                  "since", "until"]
