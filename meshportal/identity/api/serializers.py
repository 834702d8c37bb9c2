from __future__ import annotations

from rest_framework import serializers

from meshportal.identity import roles
from meshportal.identity.models import Team, User


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


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
        fields = ["id", "slug", "name", "description", "email", "member_count"]
