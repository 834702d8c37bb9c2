"""The pages of the consumer-role registry: a team's roles, your roles, personal roles to approve."""

from __future__ import annotations

import pytest

from meshportal.aws.models import ConsumerRole
from tests.aws.roles_helpers import arn, iam_role, roles_world, team_role

pytestmark = pytest.mark.django_db

FORM = {"name": "Nightly ETL", "environment": "prod", "kind": "etl", "description": ""}


def test_the_teams_roles_page_lists_roles_in_a_constant_number_of_queries(client_for, django_assert_num_queries):
    world = roles_world()
    team_role(world, "one", role_name="one")
    client = client_for(world.lead)
    client.get("/teams/finance-analysts/roles/")  # warm the session
    with django_assert_num_queries(9) as first:
        page = client.get("/teams/finance-analysts/roles/")
    assert page.status_code == 200 and "one" in page.content.decode()
    for n in range(5):
        team_role(world, f"more-{n}", role_name=f"more-{n}")
    with django_assert_num_queries(len(first.captured_queries)):
        assert client.get("/teams/finance-analysts/roles/").status_code == 200


def test_a_lead_registers_a_role_from_the_page(aws, client_for):
    world = roles_world()
    response = client_for(world.lead).post(
        "/teams/finance-analysts/roles/", {**FORM, "arn": iam_role(aws, "finance-etl")}
    )
    assert response.status_code == 302
    assert ConsumerRole.objects.get().team == world.team


def test_the_page_shows_the_refusal_on_the_arn_field(aws, client_for):
    world = roles_world()
    response = client_for(world.lead).post("/teams/finance-analysts/roles/", {**FORM, "arn": arn("ghost")})
    assert response.status_code == 400
    assert "has no IAM role named" in response.content.decode()
    assert not ConsumerRole.objects.exists()


def test_members_see_the_list_without_the_form_and_cannot_post(client_for):
    world = roles_world()
    member = client_for(world.member)
    page = member.get("/teams/finance-analysts/roles/")
    assert page.status_code == 200 and "Register a role" not in page.content.decode()
    assert member.post("/teams/finance-analysts/roles/", {**FORM, "arn": arn("x")}).status_code == 403


def test_a_lead_edits_and_removes_a_role(client_for):
    world = roles_world()
    role = team_role(world)
    lead = client_for(world.lead)
    assert lead.get(f"/teams/finance-analysts/roles/{role.pk}/").status_code == 200
    edited = lead.post(f"/teams/finance-analysts/roles/{role.pk}/", {**FORM, "name": "Renamed"})
    assert edited.status_code == 302
    role.refresh_from_db()
    assert role.name == "Renamed"
    assert client_for(world.member).post(f"/teams/finance-analysts/roles/{role.pk}/remove/").status_code == 403
    assert lead.post(f"/teams/finance-analysts/roles/{role.pk}/remove/").status_code == 302
    assert not ConsumerRole.objects.exists()


def test_a_personal_role_is_registered_and_approved_in_the_browser(aws, client_for, personas):
    roles_world()
    carol = client_for(personas.consumer)
    assert carol.post("/roles/mine/", {**FORM, "arn": iam_role(aws, "carol-nb")}).status_code == 302
    role = ConsumerRole.objects.get()
    assert "Waiting for a platform admin" in carol.get("/roles/mine/").content.decode()
    admin = client_for(personas.admin)
    assert "carol-nb" in admin.get("/roles/pending/").content.decode()
    assert admin.post(f"/roles/{role.pk}/approve/").status_code == 302
    role.refresh_from_db()
    assert role.status == "active"
    assert client_for(personas.consumer).get("/roles/pending/").status_code == 403


def test_your_roles_and_the_pending_roles_pages_take_a_constant_number_of_queries(personas, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = roles_world()

    def personal(n: int) -> None:
        for i in range(n):
            ConsumerRole.objects.create(
                owner=world.member,
                name=f"nb-{n}-{i}",
                arn=arn(f"nb-{n}-{i}"),
                account=world.consumer_account,
                environment="dev",
                kind="notebook",
                status=ConsumerRole.Status.PENDING,
            )
        team_role(world, f"t-{n}", role_name=f"t-{n}")

    counts = []
    for n in (1, 6):
        personal(n)
        member, admin = client_for(world.member), client_for(personas.admin)
        with CaptureQueriesContext(connection) as mine:
            assert member.get("/roles/mine/").status_code == 200
        with CaptureQueriesContext(connection) as pending:
            assert admin.get("/roles/pending/").status_code == 200
        counts.append((len(mine), len(pending)))
    assert counts[0] == counts[1]
