"""Property test: no sequence of request / approve / reject / withdraw / expire / revoke and worker reports,
and of people joining and leaving the teams that hold the registered roles, by any persona, reaches an invalid
state, lets anyone approve their own request, or grants a role to someone outside its team."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from access_requests import services
from access_requests.models import AccessRequest, Approval, Grant
from meshportal.core.errors import DomainError
from meshportal.identity import roles
from meshportal.identity import services as identity
from meshportal.identity.models import TeamMembership
from tests.access_requests.helpers import ROLE, ask, mesh
from tests.factories import hold_role

pytestmark = pytest.mark.django_db

S = AccessRequest.Status
WITH_GRANT = {S.APPROVED, S.PROVISIONING, S.GRANTED, S.FAILED, S.EXPIRED, S.REVOKED}
WITHOUT_GRANT = {S.PENDING, S.REJECTED}
GRANT_FOR_REQUEST = {
    S.APPROVED: {"pending"},
    S.PROVISIONING: {"pending"},
    S.GRANTED: {"active"},
    S.FAILED: {"failed"},
    S.EXPIRED: {"revoking", "ended"},
    S.REVOKED: {"revoking", "ended"},
    S.WITHDRAWN: {"revoking", "ended"},
}
PERSONAS = ["consumer", "producer", "steward", "admin", "auditor", "outsider"]
REQUESTERS = ["consumer", "producer", "steward", "admin"]


class AccessRequestMachine(RuleBasedStateMachine):
    people: dict = {}
    ports: list = []
    teams: list = []  # the two consumer teams, team i holding the registered role f"{ROLE}{i}"

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        for user in self.people.values():
            roles.clear_cache(user)

    def _pick(self, index: int) -> AccessRequest | None:
        ids = list(AccessRequest.objects.order_by("id").values_list("id", flat=True))
        return AccessRequest.objects.get(pk=ids[index % len(ids)]) if ids else None

    def _try(self, call, *args, **kwargs) -> None:
        with contextlib.suppress(DomainError):
            call(*args, **kwargs)

    @rule(who=st.sampled_from(REQUESTERS), port=st.integers(0, 1), principal=st.integers(0, 1))
    def request(self, who, port, principal):
        before = AccessRequest.objects.count()
        person = self.people[who]
        self._try(ask, person, self.ports[port], hold=False, principal_arn=f"{ROLE}{principal}", columns=["order_id"])
        if AccessRequest.objects.count() > before:  # made: the requester was in the team holding that role
            made = AccessRequest.objects.latest("id")
            assert made.principal_role is not None and made.principal_role.team_id == self.teams[principal].pk
            assert TeamMembership.objects.filter(team=self.teams[principal], user=person).exists()

    @rule(who=st.sampled_from(PERSONAS), team=st.integers(0, 1), join=st.booleans())
    def membership(self, who, team, join):
        person, admin = self.people[who], self.people["admin"]
        if join:
            identity.team_add_member(actor=admin, team=self.teams[team], user=person)
        else:
            identity.team_remove_member(actor=admin, team=self.teams[team], user=person)

    @rule(who=st.sampled_from(PERSONAS), index=st.integers(0, 20))
    def approve(self, who, index):
        if (req := self._pick(index)) is not None:
            self._try(services.access_request_approve, request=req, actor=self.people[who], comment="ok")

    @rule(who=st.sampled_from(PERSONAS), index=st.integers(0, 20))
    def reject(self, who, index):
        if (req := self._pick(index)) is not None:
            self._try(services.access_request_reject, request=req, actor=self.people[who], reason="no")

    @rule(who=st.sampled_from(PERSONAS), index=st.integers(0, 20))
    def withdraw(self, who, index):
        if (req := self._pick(index)) is not None:
            self._try(services.access_request_withdraw, request=req, actor=self.people[who])

    @rule(who=st.sampled_from(PERSONAS), index=st.integers(0, 20))
    def revoke(self, who, index):
        if (req := self._pick(index)) is not None and hasattr(req, "grant"):
            self._try(services.grant_revoke, grant=req.grant, actor=self.people[who], reason="done")

    @rule(index=st.integers(0, 20))
    def expire(self, index):
        if (req := self._pick(index)) is not None and hasattr(req, "grant"):
            Grant.objects.filter(pk=req.grant.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
            services.grants_expire_due()

    @rule(
        index=st.integers(0, 20), report=st.sampled_from(["provisioning", "applied", "failed", "ended", "end_failed"])
    )
    def worker_reports(self, index, report):
        if (req := self._pick(index)) is None or not hasattr(req, "grant"):
            return
        grant = req.grant
        {
            "provisioning": lambda: services.grant_mark_provisioning(grant=grant),
            "applied": lambda: services.grant_mark_applied(grant=grant),
            "failed": lambda: services.grant_mark_failed(grant=grant, error="boom", retryable=True),
            "ended": lambda: services.grant_mark_ended(grant=grant),
            "end_failed": lambda: services.grant_mark_end_failed(grant=grant, error="slow"),
        }[report]()

    @rule(who=st.sampled_from(PERSONAS), index=st.integers(0, 20))
    def retry(self, who, index):
        if (req := self._pick(index)) is not None and hasattr(req, "grant"):
            self._try(services.grant_retry, grant=req.grant, actor=self.people[who])

    @invariant()
    def states_are_valid_and_consistent(self):
        for req in AccessRequest.objects.select_related("grant"):
            assert req.status in S.values
            grant = getattr(req, "grant", None)
            if req.status in WITH_GRANT:
                assert grant is not None, f"#{req.pk} {req.status} without a grant"
            if req.status in WITHOUT_GRANT:
                assert grant is None, f"#{req.pk} {req.status} with a grant"
            if grant is not None:
                assert grant.status in GRANT_FOR_REQUEST[req.status], (req.status, grant.status)
            if req.status == S.PENDING:
                assert req.required_stages
            else:
                assert req.required_stages == []

    @invariant()
    def nobody_approves_their_own_request_or_two_stages(self):
        for approval in Approval.objects.select_related("request"):
            assert approval.approver_id != approval.request.requester_id
        approvers = Counter(
            Approval.objects.filter(approver__isnull=False, decision="approved").values_list(
                "request_id", "approver_id"
            )
        )
        assert all(n == 1 for n in approvers.values())

    @invariant()
    def every_request_names_the_registered_role_of_its_principal(self):
        for req in AccessRequest.objects.select_related("principal_role"):
            assert req.principal_role is not None and req.principal_role.arn == req.principal_arn

    @invariant()
    def at_most_one_open_request_per_requester_port_principal(self):
        keys = Counter(
            AccessRequest.objects.filter(status__in=AccessRequest.OPEN_STATUSES, extension_of__isnull=True).values_list(
                "requester_id", "port_id", "principal_arn"
            )
        )
        assert all(n == 1 for n in keys.values())


def test_no_sequence_of_actions_reaches_an_invalid_state(personas):
    two_stage = mesh(personas, classification="confidential", slug="customer-360")
    single = mesh(personas, slug="sales-orders", auto_owning_team=False)
    AccessRequestMachine.people = personas.all()
    AccessRequestMachine.ports = [two_stage.port, single.port]
    AccessRequestMachine.teams = [
        hold_role(personas.consumer, f"{ROLE}{i}", team_slug=f"readers-{i}").team for i in range(2)
    ]
    run_state_machine_as_test(
        AccessRequestMachine,
        settings=settings(
            max_examples=40, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
