from __future__ import annotations

from rest_framework import serializers

from access_requests.models import AccessRequest, Approval, Grant
from meshportal.audit.models import AuditEvent
from meshportal.core.api import ModelSerializer


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
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
        read_only_fields = fields


class ApprovalTrailSerializer(serializers.ModelSerializer):
    approver = serializers.CharField(
        source="approver.username", default=None, allow_null=True, help_text="Username; null when a policy decided."
    )
    by_policy = serializers.SerializerMethodField()

    class Meta:
        model = Approval
        fields = ["stage", "decision", "approver", "by_policy", "reason", "decided_at"]
        read_only_fields = fields

    def get_by_policy(self, approval: Approval) -> bool:
        return approval.approver_id is None


class EntitlementRequestSerializer(serializers.ModelSerializer):
    requester = serializers.CharField(source="requester.username")
    approvals = ApprovalTrailSerializer(many=True)

    class Meta:
        model = AccessRequest
        fields = ["id", "requester", "purpose", "created_at", "decision_reason", "approvals"]
        read_only_fields = fields


class EntitlementSerializer(ModelSerializer):
    """One entitlement: a grant that was in place at the instant asked about, with its approval trail."""

    grant_id = serializers.IntegerField(source="id")
    product: serializers.SlugRelatedField = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    product_name = serializers.CharField(source="product.name")
    domain = serializers.CharField(source="product.domain.slug")
    database_name = serializers.CharField(source="port.database_name")
    table_name = serializers.CharField(source="port.table_name")
    consumer_account = serializers.CharField(source="consumer_account.account_id")
    request = EntitlementRequestSerializer()

    class Meta:
        model = Grant
        fields = [
            "grant_id",
            "product",
            "product_name",
            "domain",
            "database_name",
            "table_name",
            "principal_arn",
            "consumer_account",
            "permissions",
            "columns",
            "status",
            "approved_at",
            "granted_at",
            "expires_at",
            "ended_at",
            "end_reason",
            "request",
        ]
        read_only_fields = fields
