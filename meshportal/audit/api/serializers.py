from rest_framework import serializers

from meshportal.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "seq", "occurred_at", "actor_kind", "actor_id", "actor", "request_id", "event_type",
                  "object_type", "object_id", "object_repr", "product_id", "principal", "account_id", "before",
                  "after", "prev_hash", "hash"]
        read_only_fields = fields
