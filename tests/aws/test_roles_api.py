"""/api/v1/teams/{slug}/roles/ and /api/v1/me/roles/: the same services as the pages, errors as 4xx JSON."""

from __future__ import annotations

import pytest

from meshportal.aws.models import ConsumerRole
from tests.aws.roles_helpers import arn, iam_role, roles_world, team_role

pytestmark = pytest.mark.django_db

BODY = {"name": "Nightly ETL", "environment": "prod", "kind": "etl"}


def test_a_lead_registers_reads_updates_and_removes_a_teams_role(aws, api_for):
    world = roles_world()
    api = api_for(world.lead)
    created = api.post("/api/v1/teams/finance-analysts/roles/", {**BODY, "arn": iam_role(aws, "etl")}, format="json")
    assert created.status_code == 201, created.json()
    role_id = created.json()["id"]
    assert created.json()["team"] == "finance-analysts" and created.json()["account_id"] == "333333333333"
    url = f"/api/v1/teams/finance-analysts/roles/{role_id}/"
    assert api.get(url).json()["name"] == "Nightly ETL"
    patched = api.patch(url, {"kind": "bi"}, format="json")
    assert patched.status_code == 200 and patched.json()["kind"] == "bi"
    assert api.get("/api/v1/teams/finance-analysts/roles/").json()["results"][0]["id"] == role_id
    assert api.delete(url).status_code == 204
    assert not ConsumerRole.objects.exists()


def test_an_unknown_role_is_a_400_with_a_code_and_a_message(aws, api_for):
    world = roles_world()
    response = api_for(world.lead).post(
        "/api/v1/teams/finance-analysts/roles/", {**BODY, "arn": arn("ghost")}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "role_not_found" and "ghost" in response.json()["detail"]


def test_a_malformed_arn_is_a_400_naming_the_field(api_for):
    world = roles_world()
    response = api_for(world.lead).post(
        "/api/v1/teams/finance-analysts/roles/", {**BODY, "arn": "arn:aws:iam::1:role/x"}, format="json"
    )
    assert response.status_code == 400 and "arn" in response.json()["errors"]


def test_members_read_but_do_not_manage_and_outsiders_see_nothing(api_for, personas):
    world = roles_world()
    role = team_role(world)
    url = f"/api/v1/teams/finance-analysts/roles/{role.pk}/"
    member = api_for(world.member)
    assert member.get(url).status_code == 200
    assert member.patch(url, {"name": "x"}, format="json").status_code == 403
    assert member.delete(url).status_code == 403
    assert (
        member.post("/api/v1/teams/finance-analysts/roles/", {**BODY, "arn": arn("y")}, format="json").status_code
        == 403
    )
    outsider = api_for(personas.outsider)
    assert outsider.get(url).status_code == 404
    assert outsider.get("/api/v1/teams/finance-analysts/roles/").status_code == 404
    assert api_for(personas.auditor).get(url).status_code == 200


def test_the_arn_of_a_registered_role_cannot_be_changed(api_for):
    world = roles_world()
    role = team_role(world)
    response = api_for(world.lead).patch(
        f"/api/v1/teams/finance-analysts/roles/{role.pk}/", {"arn": arn("other")}, format="json"
    )
    assert response.status_code == 400 and "arn" in response.json()["errors"]


def test_a_personal_role_waits_for_a_platform_admin(aws, api_for, personas):
    roles_world()
    carol = api_for(personas.consumer)
    created = carol.post("/api/v1/me/roles/", {**BODY, "arn": iam_role(aws, "carol-nb")}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert carol.get("/api/v1/me/roles/usable/").json()["results"] == []
    role_id = created.json()["id"]
    assert carol.post(f"/api/v1/roles/{role_id}/approve/").status_code == 403
    assert api_for(personas.outsider).post(f"/api/v1/roles/{role_id}/approve/").status_code == 404
    approved = api_for(personas.admin).post(f"/api/v1/roles/{role_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "active"
    assert [r["id"] for r in carol.get("/api/v1/me/roles/usable/").json()["results"]] == [role_id]
    assert api_for(personas.outsider).delete(f"/api/v1/me/roles/{role_id}/").status_code == 404
    assert carol.delete(f"/api/v1/me/roles/{role_id}/").status_code == 204
