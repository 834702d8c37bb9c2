from __future__ import annotations

from rest_framework import serializers

from meshportal.aws.arns import ARN_MAX_LENGTH
from meshportal.aws.models import ConsumerRole


class ConsumerRoleSerializer(serializers.ModelSerializer):
    account_id = serializers.CharField(source="account.account_id", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True, default=None)
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = ConsumerRole
        fields = [
            "id",
            "name",
            "arn",
            "account_id",
            "environment",
            "kind",
            "description",
            "status",
            "team",
            "owner",
            "verified_at",
            "approved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ConsumerRoleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=ConsumerRole.NAME_MAX_LENGTH)
    arn = serializers.CharField(
        max_length=ARN_MAX_LENGTH, help_text="arn:aws:iam::<account>:role/<path/><name>; must exist in IAM."
    )
    environment = serializers.ChoiceField(choices=ConsumerRole.Environment.choices)
    kind = serializers.ChoiceField(choices=ConsumerRole.Kind.choices)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ConsumerRoleUpdateSerializer(serializers.Serializer):
    """What can change about a registered role (its ARN cannot: register another role)."""

    name = serializers.CharField(max_length=ConsumerRole.NAME_MAX_LENGTH, required=False)
    environment = serializers.ChoiceField(choices=ConsumerRole.Environment.choices, required=False)
    kind = serializers.ChoiceField(choices=ConsumerRole.Kind.choices, required=False)
    description = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    def to_internal_value(self, data):  # type: ignore[no-untyped-def]
        unknown = sorted(set(getattr(data, "keys", dict)()) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {f: ["Cannot be changed; to use another ARN register a new role."] for f in unknown}
            )
        return super().to_internal_value(data)
