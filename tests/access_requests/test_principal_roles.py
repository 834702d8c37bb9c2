"""Requests are made for a role you hold (issue 13 item 2): the principal is a registered role of one of the
requester's teams or their approved personal role; the team holding the role sees and ends its grants."""

from __future__ import annotations

import pytest

from access_requests import services
from access_requests.errors import AccessRequestErrorCode
from access_requests.models import AccessRequest
from meshportal.aws.models import ConsumerRole
from meshportal.core.errors import Conflict, ValidationFailed
from meshportal.identity import services as identity
from tests.access_requests.helpers import CONSUMER_ACCOUNT, ROLE, ask, mesh
from tests.access_requests.test_views import form_data
from tests.factories import TeamMembershipFactory, UserFactory, hold_role

pytestmark = pytest.mark.django_db

FINANCE_ETL = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/finance-etl"


def test_a_consumer_without_a_team_cannot_name_any_role_even_on_an_auto_approve_port(personas):
    m = mesh(personas, policy="auto")
    hold_role(UserFactory(username="fin"), FINANCE_ETL, team_slug="finance")
    with pytest.raises(ValidationFailed) as refused:
        ask(personas.outsider, m.port, hold=False, principal_arn=FINANCE_ETL)
    assert refused.value.code == AccessRequestErrorCode.PRINCIPAL_NOT_HELD
    assert "You may use no registered role yet" in refused.value.detail
    assert not AccessRequest.objects.filter(requester=personas.outsider).exists()


def test_another_teams_role_is_refused_with_the_roles_the_requester_may_use(personas):
    m = mesh(personas, policy="auto")
    hold_role(UserFactory(username="fin"), FINANCE_ETL, team_slug="finance")
    with pytest.raises(ValidationFailed) as refused:
        ask(personas.consumer, m.port, hold=False, principal_arn=FINANCE_ETL)
    assert refused.value.code == AccessRequestErrorCode.PRINCIPAL_NOT_HELD
    assert ROLE in refused.value.detail and "Consumers" in refused.value.detail
    assert [r["arn"] for r in refused.value.extra["usable_roles"]] == [ROLE]


def test_an_unregistered_arn_in_a_registered_account_is_refused(personas):
    m = mesh(personas)
    with pytest.raises(ValidationFailed) as refused:
        ask(personas.consumer, m.port, hold=False, principal_arn=f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/Unknown")
    assert refused.value.code == AccessRequestErrorCode.PRINCIPAL_NOT_HELD


def test_a_role_in_an_inactive_account_is_refused(personas):
    m = mesh(personas)
    m.consumer_account.is_active = False
    m.consumer_account.save()
    with pytest.raises(ValidationFailed) as refused:
        ask(personas.consumer, m.port, hold=False)
    assert refused.value.code == AccessRequestErrorCode.UNKNOWN_ACCOUNT


def test_a_personal_role_is_usable_once_approved(personas):
    m = mesh(personas)
    arn = f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/otto-notebook"
    role = ConsumerRole.objects.create(
        owner=personas.outsider,
        name="Otto's notebook",
        arn=arn,
        account=m.consumer_account,
        environment="dev",
        kind="notebook",
        status=ConsumerRole.Status.PENDING,
    )
    with pytest.raises(ValidationFailed):
        ask(personas.outsider, m.port, hold=False, principal_arn=arn)
    role.status = ConsumerRole.Status.ACTIVE
    role.save()
    request = ask(personas.outsider, m.port, hold=False, principal_arn=arn)
    assert request.principal_role == role and request.consumer_account == m.consumer_account


def test_the_api_refusal_lists_the_roles_the_requester_may_use(personas, api_for):
    m = mesh(personas)
    body = {
        "port": m.port.pk,
        "principal_arn": FINANCE_ETL,
        "permissions": ["SELECT"],
        "purpose": "x",
        "accept_terms": True,
    }
    response = api_for(personas.consumer).post("/api/v1/access-requests/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "principal_not_held"
    assert response.json()["usable_roles"][0]["arn"] == ROLE and "principal_arn" in response.json()["errors"]
    created = api_for(personas.consumer).post(
        "/api/v1/access-requests/", {**body, "principal_arn": ROLE}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["principal_role"]["team"] == "consumers"


def test_the_roles_team_sees_and_ends_the_grant_even_after_the_requester_left(personas, api_for):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    services.grant_mark_applied(grant=request.grant)
    teammate = UserFactory(username="tia-teammate")
    TeamMembershipFactory(team=request.principal_role.team, user=teammate)
    identity.team_remove_member(actor=personas.admin, team=request.principal_role.team, user=personas.consumer)
    mate = api_for(teammate)
    assert mate.get(f"/api/v1/access-requests/{request.pk}/").status_code == 200
    assert [g["id"] for g in mate.get("/api/v1/grants/").json()["results"]] == [request.grant.pk]
    ended = mate.post(f"/api/v1/grants/{request.grant.pk}/revoke/", {"reason": "job moved"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "revoking"
    assert api_for(personas.outsider).get(f"/api/v1/grants/{request.grant.pk}/").status_code == 404


def test_approvers_see_whose_role_the_principal_is(personas, client_for):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    inbox = client_for(personas.producer).get("/requests/approvals/").content.decode()
    assert "team Consumers" in inbox
    detail = client_for(personas.producer).get(f"/requests/{request.pk}/").content.decode()
    assert "team Consumers" in detail and "Analyst" in detail


def test_the_form_picks_among_the_requesters_roles_and_remembers_the_last(personas, client_for):
    m = mesh(personas)
    hold_role(personas.consumer, f"arn:aws:iam::{CONSUMER_ACCOUNT}:role/second", team_slug="second-team")
    client = client_for(personas.consumer)
    page = client.get(f"/requests/new/?port={m.port.pk}").content.decode()
    assert "Consumers · Analyst — Production" in page and "Second Team · second — Production" in page
    assert "selected>Consumers" not in page  # two roles and no request yet: the requester chooses
    response = client.post(f"/requests/new/?port={m.port.pk}", {**form_data(), "port": m.port.pk})
    assert response.status_code == 302
    page = client.get(f"/requests/new/?port={m.port.pk}").content.decode()
    assert f'value="{ROLE}" selected' in page


def test_the_form_refuses_another_teams_role_listing_the_users_roles(personas, client_for):
    m = mesh(personas)
    response = client_for(personas.consumer).post(
        f"/requests/new/?port={m.port.pk}", {**form_data(principal_arn=FINANCE_ETL), "port": m.port.pk}
    )
    assert response.status_code == 400 and "Roles you may use" in response.content.decode()


def test_a_role_named_by_open_requests_cannot_leave_the_registry(personas):
    from meshportal.aws import consumer_roles

    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    with pytest.raises(Conflict) as refused:
        consumer_roles.consumer_role_remove(actor=personas.admin, role=request.principal_role)
    assert f"#{request.pk}" in refused.value.detail
    services.access_request_withdraw(request=request, actor=personas.consumer)
    consumer_roles.consumer_role_remove(actor=personas.admin, role=request.principal_role)
    request.refresh_from_db()
    assert request.principal_role is None and request.principal_arn == ROLE  # the record stays
