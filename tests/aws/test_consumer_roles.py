"""The consumer-role registry's services: who may register, what is checked (ARN, account, IAM), audit."""

from __future__ import annotations

import pytest

from meshportal.audit.events import EventType
from meshportal.audit.models import AuditEvent
from meshportal.aws import consumer_roles, selectors
from meshportal.aws.errors import AwsRegistryErrorCode
from meshportal.aws.models import ConsumerRole
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import ACCESS_POLICY, DEMO_LOADER
from tests.aws.roles_helpers import CONSUMER, PRODUCER, arn, iam_role, roles_world

pytestmark = pytest.mark.django_db

FIELDS = {"name": "Nightly ETL", "environment": "prod", "kind": "etl"}


def test_a_team_lead_registers_a_role_that_exists_in_iam(aws):
    world = roles_world()
    role_arn = iam_role(aws, "finance-etl", path="/teams/finance/")
    role = consumer_roles.consumer_role_register(actor=world.lead, team=world.team, arn=role_arn, **FIELDS)
    assert (role.status, role.account, role.team, role.verified_at is not None) == (
        "active",
        world.consumer_account,
        world.team,
        True,
    )
    event = AuditEvent.objects.get(event_type=EventType.CONSUMER_ROLE_REGISTERED)
    assert event.principal == role_arn and event.after["team"] == "finance-analysts"
    assert event.after["checked_in_iam"] is True


def test_a_role_iam_does_not_know_is_refused_and_nothing_is_created(aws):
    world = roles_world()
    with pytest.raises(ValidationFailed) as refused:
        consumer_roles.consumer_role_register(actor=world.lead, team=world.team, arn=arn("ghost"), **FIELDS)
    assert refused.value.code == AwsRegistryErrorCode.ROLE_NOT_FOUND and "ghost" in refused.value.detail
    assert not ConsumerRole.objects.exists()
    assert not AuditEvent.objects.filter(event_type=EventType.CONSUMER_ROLE_REGISTERED).exists()


def test_a_role_with_another_path_than_in_iam_is_refused(aws):
    world = roles_world()
    iam_role(aws, "finance-etl", path="/teams/finance/")
    with pytest.raises(ValidationFailed) as refused:
        consumer_roles.consumer_role_register(
            actor=world.lead, team=world.team, arn=arn("finance-etl", path="/other/"), **FIELDS
        )
    assert refused.value.code == AwsRegistryErrorCode.ROLE_NOT_FOUND and "path" in refused.value.detail


def test_a_role_of_another_account_is_looked_up_in_that_account(aws):
    world = roles_world()
    iam_role(aws, "finance-etl", account=PRODUCER)  # same name, but in the producer account only
    with pytest.raises(ValidationFailed) as refused:
        consumer_roles.consumer_role_register(actor=world.lead, team=world.team, arn=arn("finance-etl"), **FIELDS)
    assert refused.value.code == AwsRegistryErrorCode.ROLE_NOT_FOUND


@pytest.mark.parametrize("case", ["unregistered", "inactive", "central"])
def test_only_registered_active_consumer_or_producer_accounts_hold_roles(case):
    world = roles_world()
    account = {"unregistered": "999999999999", "inactive": CONSUMER, "central": "111111111111"}[case]
    if case == "inactive":
        world.consumer_account.is_active = False
        world.consumer_account.save()
    with pytest.raises(ValidationFailed) as refused:
        consumer_roles.consumer_role_register(
            actor=world.lead, team=world.team, arn=arn("x", account=account), **FIELDS
        )
    assert refused.value.code == AwsRegistryErrorCode.ACCOUNT_NOT_USABLE and account in refused.value.detail


def test_a_malformed_arn_and_bad_fields_are_refused_together():
    world = roles_world()
    with pytest.raises(ValidationFailed) as refused:
        consumer_roles.consumer_role_register(
            actor=world.lead,
            team=world.team,
            name="",
            arn="arn:aws:iam::333333333333:role/Ünï",
            environment="x",
            kind="etl",
        )
    assert set(refused.value.errors) == {"name", "arn", "environment"}
    assert "ASCII" in refused.value.errors["arn"][0]


def test_an_arn_is_registered_once(aws):
    world = roles_world()
    role_arn = iam_role(aws, "finance-etl")
    consumer_roles.consumer_role_register(actor=world.lead, team=world.team, arn=role_arn, **FIELDS)
    with pytest.raises(Conflict) as refused:
        consumer_roles.consumer_role_register(actor=world.lead, team=None, arn=role_arn, **FIELDS)
    assert refused.value.code == AwsRegistryErrorCode.DUPLICATE_ROLE


def test_members_who_are_not_leads_and_outsiders_cannot_manage_a_teams_roles(personas):
    world = roles_world()
    for actor in (world.member, personas.outsider, personas.producer, ACCESS_POLICY):
        with pytest.raises(NotAllowed):
            consumer_roles.consumer_role_register(actor=actor, team=world.team, arn=arn("x"), **FIELDS)


def test_platform_admins_manage_any_teams_roles(aws, personas):
    world = roles_world()
    role = consumer_roles.consumer_role_register(
        actor=personas.admin, team=world.team, arn=iam_role(aws, "bi-reader"), **FIELDS
    )
    consumer_roles.consumer_role_update(actor=personas.admin, role=role, kind="bi")
    consumer_roles.consumer_role_remove(actor=personas.admin, role=role)
    assert not ConsumerRole.objects.exists()


def test_an_update_changes_the_description_fields_only_and_is_audited(aws):
    world = roles_world()
    role = consumer_roles.consumer_role_register(
        actor=world.lead, team=world.team, arn=iam_role(aws, "finance-etl"), **FIELDS
    )
    consumer_roles.consumer_role_update(actor=world.lead, role=role, environment="test", name="ETL (test)")
    role.refresh_from_db()
    assert (role.environment, role.name) == ("test", "ETL (test)")
    event = AuditEvent.objects.get(event_type=EventType.CONSUMER_ROLE_UPDATED)
    assert event.before == {"environment": "prod", "name": "Nightly ETL"}
    with pytest.raises(ValidationFailed):
        consumer_roles.consumer_role_update(actor=world.lead, role=role, arn=arn("other"))
    with pytest.raises(NotAllowed):
        consumer_roles.consumer_role_update(actor=world.member, role=role, name="mine now")


def test_removing_a_role_is_audited(aws):
    world = roles_world()
    role = consumer_roles.consumer_role_register(
        actor=world.lead, team=world.team, arn=iam_role(aws, "finance-etl"), **FIELDS
    )
    with pytest.raises(NotAllowed):
        consumer_roles.consumer_role_remove(actor=world.member, role=role)
    consumer_roles.consumer_role_remove(actor=world.lead, role=role)
    event = AuditEvent.objects.get(event_type=EventType.CONSUMER_ROLE_REMOVED)
    assert event.before["arn"] == role.arn and event.before["team"] == "finance-analysts"


def test_a_personal_role_is_usable_only_once_a_platform_admin_approved_it(aws, personas):
    roles_world()
    carol = personas.consumer
    role = consumer_roles.consumer_role_register(actor=carol, team=None, arn=iam_role(aws, "carol-notebook"), **FIELDS)
    assert (role.status, role.owner) == ("pending", carol)
    assert list(selectors.usable_roles(user=carol)) == []
    with pytest.raises(NotAllowed):
        consumer_roles.consumer_role_approve(actor=carol, role=role)
    consumer_roles.consumer_role_approve(actor=personas.admin, role=role)
    assert list(selectors.usable_roles(user=carol)) == [role]
    with pytest.raises(Conflict):
        consumer_roles.consumer_role_approve(actor=personas.admin, role=role)
    assert AuditEvent.objects.filter(event_type=EventType.CONSUMER_ROLE_APPROVED).count() == 1


def test_an_admin_cannot_approve_their_own_personal_role(aws, personas):
    roles_world()
    role = consumer_roles.consumer_role_register(
        actor=personas.admin, team=None, arn=iam_role(aws, "ada-notebook"), **FIELDS
    )
    with pytest.raises(NotAllowed):
        consumer_roles.consumer_role_approve(actor=personas.admin, role=role)


def test_team_members_may_use_the_teams_roles_and_nobody_else_may(aws, personas):
    world = roles_world()
    role = consumer_roles.consumer_role_register(
        actor=world.lead, team=world.team, arn=iam_role(aws, "finance-etl"), **FIELDS
    )
    assert list(selectors.usable_roles(user=world.member)) == [role]
    assert list(selectors.usable_roles(user=personas.consumer)) == []
    world.consumer_account.is_active = False
    world.consumer_account.save()
    assert list(selectors.usable_roles(user=world.member)) == []


def test_the_demo_loader_registers_the_roles_its_own_seed_creates_without_asking_iam():
    world = roles_world()
    role = consumer_roles.consumer_role_register(actor=DEMO_LOADER, team=world.team, arn=arn("declared"), **FIELDS)
    assert role.verified_at is None and role.status == "active"


def test_a_consumer_teams_members_are_not_producers():
    world = roles_world()
    assert not roles.is_producer(world.lead) and not roles.is_producer(world.member)
    assert world.team.pk in roles.team_ids(world.member)
