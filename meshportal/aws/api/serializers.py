from __future__ import annotations

from rest_framework import serializers

from meshportal.aws.arns import ARN_MAX_LENGTH
from meshportal.aws.models import AwsAccount, ConsumerRole, GlueFootprint
from meshportal.identity.models import Team


class GlueFootprintSerializer(serializers.ModelSerializer):
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), help_text="The owning team's slug."
    )
    aws_account: serializers.SlugRelatedField[AwsAccount] = serializers.SlugRelatedField(
        slug_field="account_id",
        queryset=AwsAccount.objects.all(),
        help_text="The 12-digit id of a registered producer account.",
    )
    database_pattern = serializers.CharField(
        max_length=255, help_text="A Glue database name, or a pattern such as sales_* (fnmatch)."
    )

    class Meta:
        model = GlueFootprint
        fields = ["id", "team", "aws_account", "database_pattern", "created_at"]
        read_only_fields = ["id", "created_at"]
        # The service refuses a duplicate with its own code (409 duplicate_footprint), not a generic 400.
        validators: list = []


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
