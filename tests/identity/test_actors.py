"""System actors in identity, the AWS registry and access requests: each may exactly what it declares."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.conf import settings

from access_requests import permissions as access_permissions
from meshportal.audit.models import AuditEvent
from meshportal.aws import services as aws_services
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import NotAllowed
from meshportal.identity import roles, services
from meshportal.identity.actors import DEMO_LOADER, IDENTITY_PROVIDER, SystemActor, harvest_actor
from meshportal.identity.models import TeamMembership, User
from tests.factories import AccessRequestFactory

pytestmark = pytest.mark.django_db

ACCOUNT = {"account_id": "111122223333", "name": "sales", "role": "consumer", "region": "eu-west-1"}


def test_demo_loader_creates_teams_users_members_and_accounts_as_an_admin_would(personas):
    team = services.team_create(actor=DEMO_LOADER, name="Logistics")
    user = services.user_create(actor=DEMO_LOADER, username="lou", is_platform_admin=True)
    services.team_add_member(actor=DEMO_LOADER, team=team, user=user, role=TeamMembership.Role.LEAD)
    aws_services.account_register(actor=DEMO_LOADER, **ACCOUNT)
    assert user.is_platform_admin and AwsAccount.objects.filter(account_id=ACCOUNT["account_id"]).exists()
    actors = set(AuditEvent.objects.values_list("actor", flat=True))
    assert actors == {"system:demo-loader"}


def test_identity_provider_creates_people_without_platform_roles_only(personas):
    user = services.user_create(actor=IDENTITY_PROVIDER, username="sso-person")
    assert not user.is_platform_admin
    with pytest.raises(NotAllowed):
        services.user_create(actor=IDENTITY_PROVIDER, username="sso-admin", is_platform_admin=True)
    with pytest.raises(NotAllowed):
        services.user_create(actor=IDENTITY_PROVIDER, username="sso-auditor", is_auditor=True)
    with pytest.raises(NotAllowed):
        services.team_create(actor=IDENTITY_PROVIDER, name="Shadow team")
    with pytest.raises(NotAllowed):
        services.user_set_roles(actor=IDENTITY_PROVIDER, user=user, is_platform_admin=True)
    assert not User.objects.filter(username__startswith="sso-a").exists()


@pytest.mark.parametrize(
    "actor", [SystemActor("nightly-job"), IDENTITY_PROVIDER], ids=["no-permissions", "identity-provider"]
)
def test_system_actors_without_the_admin_permission_cannot_administer(personas, team, actor):
    with pytest.raises(NotAllowed):
        services.team_add_member(actor=actor, team=team, user=personas.consumer)
    with pytest.raises(NotAllowed):
        aws_services.account_register(actor=actor, **ACCOUNT)
    assert not roles.is_platform_admin(actor) and not roles.sees_everything(actor)


def test_harvest_actor_is_nobodys_member_steward_or_admin(team):
    actor = harvest_actor(team_id=team.pk)
    assert roles.team_ids(actor) == frozenset()
    assert roles.stewarded_domain_ids(actor) == frozenset()
    assert not roles.is_platform_admin(actor)
    with pytest.raises(NotAllowed):
        services.team_create(actor=actor, name="Harvesters")


@pytest.mark.parametrize("actor", [DEMO_LOADER, harvest_actor(team_id=1), SystemActor("nightly-job")])
def test_access_requests_are_decided_by_people_never_by_system_actors(personas, actor):
    request = AccessRequestFactory(requester=personas.consumer)
    code, _message = access_permissions.refusal_to_decide(actor, request)
    assert code in ("not_an_approver", "not_pending")
    assert not access_permissions.can_decide(actor, request)
    assert not access_permissions.can_withdraw(actor, request)


def test_no_service_takes_a_flag_that_turns_authorization_off():
    """Neither a parameter nor an argument named ``check_actor`` anywhere in the application."""
    root = Path(settings.BASE_DIR)
    offenders = []
    for package in ("meshportal", "catalog", "access_requests", "provisioning", "aws_emulator"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if (isinstance(node, ast.arg) and node.arg == "check_actor") or (
                    isinstance(node, ast.keyword) and node.arg == "check_actor"
                ):
                    offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == []
