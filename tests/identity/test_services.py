from __future__ import annotations

import pytest

from meshportal.audit.models import AuditEvent
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from meshportal.identity import roles, services
from meshportal.identity.models import TeamMembership

pytestmark = pytest.mark.django_db


def test_admin_creates_user_and_it_is_audited(personas):
    user = services.user_create(
        actor=personas.admin, username="newbie", email="n@example.com", password="a-Long-enough-pass-123"
    )
    assert user.check_password("a-Long-enough-pass-123")
    event = AuditEvent.objects.get(event_type="identity.user_created")
    assert event.actor == "ada-admin" and event.object_id == str(user.pk)


def test_non_admin_cannot_create_users(personas):
    with pytest.raises(NotAllowed):
        services.user_create(actor=personas.producer, username="sneaky")
    assert not AuditEvent.objects.filter(event_type="identity.user_created").exists()


def test_duplicate_username_is_refused_case_insensitively(personas):
    with pytest.raises(Conflict):
        services.user_create(actor=personas.admin, username="CAROL-consumer")


def test_weak_password_is_refused_and_nothing_created(personas):
    with pytest.raises(ValidationFailed) as exc:
        services.user_create(actor=personas.admin, username="weak", password="123")
    assert exc.value.field == "password"
    from meshportal.identity.models import User

    assert not User.objects.filter(username="weak").exists()


def test_role_change_is_audited_with_before_and_after(personas):
    services.user_set_roles(actor=personas.admin, user=personas.consumer, is_auditor=True)
    personas.consumer.refresh_from_db()
    assert personas.consumer.is_auditor
    event = AuditEvent.objects.get(event_type="identity.roles_changed")
    assert event.before["is_auditor"] is False and event.after["is_auditor"] is True


def test_platform_admin_flag_drives_django_admin_flags(personas):
    services.user_set_roles(actor=personas.admin, user=personas.consumer, is_platform_admin=True)
    personas.consumer.refresh_from_db()
    assert personas.consumer.is_staff and personas.consumer.is_superuser


def test_admin_cannot_demote_themselves(personas):
    with pytest.raises(NotAllowed):
        services.user_set_roles(actor=personas.admin, user=personas.admin, is_platform_admin=False)


def test_only_admins_change_roles(personas):
    with pytest.raises(NotAllowed):
        services.user_set_roles(actor=personas.auditor, user=personas.consumer, is_auditor=True)


def test_team_lead_adds_members_but_plain_members_cannot(personas, team):
    lead = personas.producer
    TeamMembership.objects.filter(team=team, user=lead).update(role="lead")
    services.team_add_member(actor=lead, team=team, user=personas.consumer)
    assert roles.team_ids(personas.consumer) == frozenset({team.pk})
    with pytest.raises(NotAllowed):
        services.team_add_member(actor=personas.consumer, team=team, user=personas.outsider)


def test_team_create_refuses_duplicates(personas):
    services.team_create(actor=personas.admin, name="Marketing Insights")
    with pytest.raises(Conflict):
        services.team_create(actor=personas.admin, name="marketing insights")


def test_roles_of_personas(personas):
    assert roles.is_producer(personas.producer) and not roles.is_producer(personas.consumer)
    assert roles.is_steward(personas.steward)
    assert roles.sees_everything(personas.auditor) and roles.sees_everything(personas.admin)
    assert not roles.sees_everything(personas.consumer)


def test_idp_login_creates_user_and_maps_groups(db):
    user = services.user_sync_from_idp(
        claims={"sub": "s-1", "preferred_username": "ivy", "email": "ivy@example.com", "groups": ["mesh-auditors"]},
        admin_groups=["mesh-admins"],
        auditor_groups=["mesh-auditors"],
    )
    assert user.username == "ivy" and user.is_auditor and not user.is_platform_admin
    user = services.user_sync_from_idp(
        claims={"sub": "s-1", "preferred_username": "ivy", "groups": ["mesh-admins"]},
        admin_groups=["mesh-admins"],
        auditor_groups=["mesh-auditors"],
    )
    assert user.is_platform_admin and not user.is_auditor
    assert AuditEvent.objects.filter(event_type="identity.roles_changed", actor="system:oidc").count() == 2
