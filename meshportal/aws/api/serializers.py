from __future__ import annotations

from rest_framework import serializers

from meshportal.aws.models import AwsAccount, GlueFootprint
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
