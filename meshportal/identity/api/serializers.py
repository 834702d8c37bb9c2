from __future__ import annotations

from rest_framework import serializers

from meshportal.identity import roles
from meshportal.identity.models import ApiToken, Team, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(max_length=ApiToken.NAME_MAX_LENGTH, required=False, allow_blank=True)
    expires_in_days = serializers.IntegerField(required=False, min_value=1, help_text="Default 90, at most 365.")


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as listed: never its key."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at"]
        read_only_fields = fields


class NewTokenSerializer(ApiTokenSerializer):
    """A token just issued: the only response that ever carries its key."""

    token = serializers.CharField(read_only=True, help_text="Send as 'Authorization: Token <token>'. Shown once.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "slug", "name"]


class MeSerializer(serializers.ModelSerializer):
    teams = TeamRefSerializer(many=True, read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name", "teams", "roles"]

    def get_roles(self, user: User) -> list[str]:
        out = ["consumer"]
        if roles.is_producer(user):
            out.append("producer")
        if roles.is_steward(user):
            out.append("steward")
        if roles.is_platform_admin(user):
            out.append("platform_admin")
        if roles.is_auditor(user):
            out.append("auditor")
        return out


class TeamSerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["id", "slug", "name", "kind", "description", "email", "member_count"]
