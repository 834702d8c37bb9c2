"""A consumer team with a lead and a member, the mesh's accounts, and IAM roles in the emulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meshportal.aws.models import AwsAccount, ConsumerRole
from meshportal.identity.models import Team, TeamMembership, User
from tests.factories import AwsAccountFactory, TeamFactory, TeamMembershipFactory, UserFactory
from tests.provisioning.helpers import CENTRAL, CONSUMER, PRODUCER, accounts


def arn(name: str, *, account: str = CONSUMER, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


@dataclass
class RolesWorld:
    team: Team
    lead: User
    member: User
    producer_account: AwsAccount
    consumer_account: AwsAccount


def roles_world() -> RolesWorld:
    producer_account, consumer_account = accounts()
    AwsAccountFactory(account_id=CENTRAL, name="central", role="central")
    team = TeamFactory(name="Finance Analysts", slug="finance-analysts", kind=Team.Kind.CONSUMER)
    lead = UserFactory(username="lea-lead")
    member = UserFactory(username="mo-member")
    TeamMembershipFactory(team=team, user=lead, role=TeamMembership.Role.LEAD)
    TeamMembershipFactory(team=team, user=member)
    return RolesWorld(team, lead, member, producer_account, consumer_account)


def iam_role(aws: Any, name: str, *, account: str = CONSUMER, path: str = "/") -> str:
    """Create the role in the emulator's IAM of ``account``; returns its ARN."""
    created = aws.client("iam", account).create_role(RoleName=name, Path=path, AssumeRolePolicyDocument="{}")
    return str(created["Role"]["Arn"])


def team_role(world: RolesWorld, name: str = "Nightly ETL", *, role_name: str = "finance-etl") -> ConsumerRole:
    """A registered, active role of the world's team (no IAM call: for tests about what uses roles)."""
    return ConsumerRole.objects.create(
        team=world.team,
        name=name,
        arn=arn(role_name),
        account=world.consumer_account,
        environment=ConsumerRole.Environment.PROD,
        kind=ConsumerRole.Kind.ETL,
    )


__all__ = ["CONSUMER", "PRODUCER", "RolesWorld", "arn", "iam_role", "roles_world", "team_role"]
