from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access_requests.models import PURPOSE_MAX_LENGTH, REASON_MAX_LENGTH, AccessRequest, Approval, Grant
from access_requests.query import ready_to_query
from access_requests.selectors import port_for_request
from catalog.models import OutputPort

if TYPE_CHECKING:
    from catalog.models import DataProduct
    from meshportal.aws.models import AwsAccount
    from meshportal.identity.models import User


class ApprovalSerializer(serializers.ModelSerializer):
    approver: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Empty when a policy decided."
    )

    class Meta:
        model = Approval
        fields = ["stage", "decision", "approver", "reason", "decided_at"]


class GrantRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Grant
        fields = ["id", "status", "approved_at", "granted_at", "expires_at", "ended_at", "end_reason"]


class PrincipalRoleSerializer(serializers.Serializer):
    """Whose role the principal is: approvers see the team (or the person) it belongs to."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.CharField(source="team.slug", default=None, allow_null=True)
    team_name = serializers.CharField(source="team.name", default=None, allow_null=True)
    owner = serializers.CharField(source="owner.username", default=None, allow_null=True)
    environment = serializers.CharField()
    kind = serializers.CharField()


class AccessRequestSerializer(serializers.ModelSerializer):
    requester: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    product: serializers.SlugRelatedField[DataProduct] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    consumer_account: serializers.SlugRelatedField[AwsAccount] = serializers.SlugRelatedField(
        slug_field="account_id", read_only=True
    )
    pending_stage = serializers.CharField(read_only=True, allow_null=True)
    approvals = ApprovalSerializer(many=True, read_only=True)
    grant = serializers.SerializerMethodField()
    principal_role = PrincipalRoleSerializer(read_only=True, allow_null=True)

    class Meta:
        model = AccessRequest
        fields = [
            "id",
            "status",
            "pending_stage",
            "required_stages",
            "decision_reason",
            "requester",
            "product",
            "port",
            "principal_arn",
            "principal_role",
            "consumer_account",
            "permissions",
            "columns",
            "purpose",
            "requested_until",
            "terms_accepted_at",
            "extension_of",
            "created_at",
            "decided_at",
            "version",
            "approvals",
            "grant",
        ]

    @extend_schema_field(GrantRefSerializer(allow_null=True))
    def get_grant(self, obj: AccessRequest) -> dict[str, Any] | None:
        grant = getattr(obj, "grant", None)
        return GrantRefSerializer(grant).data if grant is not None else None


class AccessRequestCreateSerializer(serializers.Serializer):
    port = serializers.IntegerField(min_value=1, help_text="Output port id.")
    principal_arn = serializers.CharField(
        max_length=2048,
        help_text="The ARN of a registered role you may use (your teams' roles, your approved personal role: "
        "GET /api/v1/me/roles/usable/); anything else is refused with the list of roles you may use.",
    )
    permissions = serializers.ListField(
        child=serializers.CharField(max_length=16), max_length=10, default=["SELECT", "DESCRIBE"]
    )
    columns = serializers.ListField(
        child=serializers.CharField(max_length=255),
        max_length=2000,
        default=list,
        help_text="Column names; empty means every column.",
    )
    purpose = serializers.CharField(max_length=PURPOSE_MAX_LENGTH, allow_blank=True)
    requested_until = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Default: today + the product's default access days."
    )
    accept_terms = serializers.BooleanField(help_text="Accept the product's terms of use.")

    def validate_port(self, value: int) -> OutputPort:
        try:  # only ports of products the caller may see: a draft's port does not exist for outsiders
            return port_for_request(user=self.context["request"].user, pk=value)
        except Http404 as exc:
            raise serializers.ValidationError("No output port with this id.") from exc


class SeenSerializer(serializers.Serializer):
    """What the approver decided on: a decision on any other stage or version is answered 409 stale_decision
    with the request's current state."""

    stage = serializers.ChoiceField(
        choices=AccessRequest.Stage.choices, help_text="The pending stage you decide (the request's pending_stage)."
    )
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The request's version you saw; omit to decide on the stage only.",
    )


class ApproveSerializer(SeenSerializer):
    comment = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, allow_blank=True)


class ReadySampleQuerySerializer(serializers.Serializer):
    title = serializers.CharField()
    sql = serializers.CharField()


class ReadyToQuerySerializer(serializers.Serializer):
    account_id = serializers.CharField()
    region = serializers.CharField()
    database = serializers.CharField(help_text="The database to query in the consumer account (resource links).")
    table = serializers.CharField(help_text="The table to query: the resource link's name in the consumer account.")
    columns = serializers.ListField(child=serializers.CharField(), help_text="Granted columns; empty: every column.")
    sample_queries = ReadySampleQuerySerializer(many=True)
    athena_url = serializers.URLField()


class RejectSerializer(SeenSerializer, ReasonSerializer):
    pass


class GrantSerializer(serializers.ModelSerializer):
    request: serializers.PrimaryKeyRelatedField[AccessRequest] = serializers.PrimaryKeyRelatedField(read_only=True)
    requester = serializers.CharField(source="request.requester.username", read_only=True)
    product: serializers.SlugRelatedField[DataProduct] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    consumer_account: serializers.SlugRelatedField[AwsAccount] = serializers.SlugRelatedField(
        slug_field="account_id", read_only=True
    )
    ended_by: serializers.SlugRelatedField[User] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    ready_to_query = serializers.SerializerMethodField(
        help_text="How to query an active grant in the consumer account; null until it is active and verified."
    )

    @extend_schema_field(ReadyToQuerySerializer(allow_null=True))
    def get_ready_to_query(self, grant: Grant) -> dict[str, Any] | None:
        ready = ready_to_query(
            grant=grant, port=grant.port, product=grant.product, consumer_account=grant.consumer_account
        )
        return ready.to_json() if ready else None

    principal_role = PrincipalRoleSerializer(source="request.principal_role", read_only=True, allow_null=True)

    class Meta:
        model = Grant
        fields = [
            "id",
            "request",
            "requester",
            "status",
            "product",
            "port",
            "principal_arn",
            "principal_role",
            "consumer_account",
            "grantor_account_id",
            "permissions",
            "columns",
            "approved_at",
            "granted_at",
            "expires_at",
            "reminder_sent_at",
            "ended_at",
            "end_reason",
            "ended_by",
            "end_note",
            "last_error",
            "last_error_code",
            "failure_retryable",
            "left_in_aws",
            "evidence",
            "ready_to_query",
            "created_at",
        ]


class ExtendSerializer(serializers.Serializer):
    requested_until = serializers.DateField()
    purpose = serializers.CharField(max_length=PURPOSE_MAX_LENGTH, required=False, allow_blank=True, default="")


class PortPolicySerializer(serializers.Serializer):
    port = serializers.IntegerField(read_only=True, source="pk")
    approval_policy = serializers.ChoiceField(choices=OutputPort.ApprovalPolicy.choices)
    auto_approve_owning_team = serializers.BooleanField()
