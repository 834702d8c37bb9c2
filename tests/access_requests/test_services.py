"""Every transition of a request and a grant, and every refusal, through the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from access_requests import services
from access_requests.models import AccessRequest, Approval, Grant
from catalog.models import Column, DataProduct
from meshportal.audit.models import AuditEvent
from meshportal.aws.models import AwsAccount, GovernanceSettings
from meshportal.core.errors import Conflict, NotAllowed, ValidationFailed
from provisioning.models import ProvisioningJob
from tests.access_requests.helpers import ROLE, ask, mesh
from tests.factories import TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def events(kind: str) -> int:
    return AuditEvent.objects.filter(event_type=kind).count()


def jobs(grant: Grant, action: str) -> int:
    return ProvisioningJob.objects.filter(grant=grant, action=action).count()


def approved(personas, m, **kw) -> AccessRequest:
    request = ask(personas.consumer, m.port, **kw)
    services.access_request_approve(request=request, actor=personas.producer, comment="ok")
    request.refresh_from_db()
    return request


# --- creating ------------------------------------------------------------------------------------


def test_auto_policy_on_internal_product_approves_at_once_and_schedules_the_grant(personas):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    request.refresh_from_db()
    assert request.status == "approved"
    assert request.decision_reason == "auto-approved: classification internal, policy auto"
    approval = request.approvals.get()
    assert approval.approver is None and approval.reason == request.decision_reason
    grant = request.grant
    assert grant.status == "pending" and grant.principal_arn == ROLE and grant.columns == ["order_id", "amount"]
    assert grant.expires_at == datetime.combine(request.requested_until, datetime.max.time(), tzinfo=UTC).replace(
        microsecond=0
    )
    assert jobs(grant, "grant") == 1
    assert events("access.request_created") == 1 and events("access.request_auto_approved") == 1
    event = AuditEvent.objects.get(event_type="access.request_created")
    assert (event.product_id, event.principal, event.account_id) == (m.product.pk, ROLE, "333333333333")
    m.product.refresh_from_db()
    assert m.product.request_count == 1


def test_producer_policy_waits_for_the_producer(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    assert request.status == "pending" and request.required_stages == ["producer"]
    assert request.decision_reason == "producer approval: classification internal, policy producer"
    assert not Grant.objects.exists()


def test_confidential_product_forces_two_stage_even_with_auto_policy(personas):
    m = mesh(personas, policy="auto", classification="confidential")
    request = ask(personas.consumer, m.port)
    assert request.required_stages == ["producer", "steward"]
    assert "two-stage approval required: classification confidential" in request.decision_reason


def test_requesting_a_pii_column_forces_two_stage_but_other_columns_do_not(personas):
    m = mesh(personas, policy="auto")
    with_pii = ask(personas.consumer, m.port, columns=["order_id", "email"])
    assert with_pii.required_stages == ["producer", "steward"] and "PII column email" in with_pii.decision_reason
    every_column = ask(personas.consumer, m.port, columns=[], principal_arn=ROLE + "2")
    assert every_column.required_stages == ["producer", "steward"]


def test_owning_team_member_is_auto_approved_when_the_port_allows_it(personas):
    m = mesh(personas, auto_owning_team=True)
    request = ask(personas.producer, m.port)
    assert request.status == "approved" and "owning team" in request.decision_reason


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"principal_arn": "arn:aws:iam::12345:role/x"}, "principal_arn", "malformed_arn"),
        ({"principal_arn": "arn:aws:iam::333333333333:user/bob"}, "principal_arn", "malformed_arn"),
        ({"principal_arn": "arn:aws:iam::999999999999:role/Analyst"}, "principal_arn", "unknown_account"),
        ({"requested_until": date.today() + timedelta(days=400)}, "requested_until", "end_date_too_late"),
        ({"requested_until": date.today() - timedelta(days=1)}, "requested_until", "end_date_past"),
        ({"columns": ["order_id", "nope"]}, "columns", "unknown_columns"),
        ({"purpose": "  "}, "purpose", "purpose_required"),
        ({"accept_terms": False}, "accept_terms", "terms_not_accepted"),
        ({"permissions": []}, "permissions", "invalid_permissions"),
        ({"permissions": ["DROP"]}, "permissions", "invalid_permissions"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_is_created(personas, overrides, field, code):
    m = mesh(personas)
    with pytest.raises(ValidationFailed) as exc:
        ask(personas.consumer, m.port, **overrides)
    assert exc.value.code == code and field in exc.value.errors
    assert not AccessRequest.objects.exists() and events("access.request_created") == 0


def test_an_inactive_account_is_unknown(personas):
    m = mesh(personas)
    AwsAccount.objects.filter(account_id="333333333333").update(is_active=False)
    with pytest.raises(ValidationFailed) as exc:
        ask(personas.consumer, m.port)
    assert exc.value.code == "unknown_account"


def test_several_bad_fields_are_reported_together(personas):
    m = mesh(personas)
    with pytest.raises(ValidationFailed) as exc:
        ask(personas.consumer, m.port, principal_arn="nope", purpose="", accept_terms=False)
    assert set(exc.value.errors) == {"principal_arn", "purpose", "accept_terms"}


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_draft_and_retired_products_cannot_be_requested(personas, status):
    m = mesh(personas, status=status)
    with pytest.raises(ValidationFailed) as exc:
        ask(personas.consumer, m.port)
    assert exc.value.code == "product_not_available" and status in exc.value.detail
    assert not AccessRequest.objects.exists()


def test_deprecated_products_can_still_be_requested(personas):
    m = mesh(personas, status="deprecated")
    assert ask(personas.consumer, m.port).status == "pending"


def test_a_second_identical_open_request_is_refused_pointing_at_the_first(personas):
    m = mesh(personas)
    first = ask(personas.consumer, m.port)
    with pytest.raises(Conflict) as exc:
        ask(personas.consumer, m.port, purpose="again")
    assert exc.value.code == "duplicate_request"
    assert exc.value.extra["existing_request_id"] == first.pk and f"#{first.pk}" in exc.value.detail
    assert AccessRequest.objects.count() == 1


def test_re_requesting_after_a_rejection_is_allowed(personas):
    m = mesh(personas)
    first = ask(personas.consumer, m.port)
    services.access_request_reject(request=first, actor=personas.producer, reason="too broad")
    assert ask(personas.consumer, m.port).status == "pending"


def test_re_requesting_after_expiry_is_allowed(personas):
    m = mesh(personas)
    request = approved(personas, m)
    services.grant_mark_applied(grant=request.grant)
    Grant.objects.filter(pk=request.grant.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.grants_expire_due() == 1
    assert ask(personas.consumer, m.port).status == "pending"


# --- deciding ------------------------------------------------------------------------------------


def test_producer_approval_creates_the_grant_and_its_job(personas):
    m = mesh(personas)
    request = approved(personas, m)
    assert request.status == "approved" and request.required_stages == []
    assert "producer: pat-producer" in request.decision_reason
    assert request.grant.status == "pending" and jobs(request.grant, "grant") == 1
    assert events("access.request_approved") == 1


def test_requester_cannot_approve_own_request_even_as_platform_admin(personas):
    m = mesh(personas)
    request = ask(personas.admin, m.port)
    with pytest.raises(NotAllowed) as exc:
        services.access_request_approve(request=request, actor=personas.admin, comment="")
    assert exc.value.code == "own_request"
    request.refresh_from_db()
    assert request.status == "pending" and not request.approvals.exists()


@pytest.mark.parametrize("who", ["outsider", "steward", "auditor", "consumer"])
def test_only_the_owning_team_or_an_admin_decides_the_producer_stage(personas, who):
    m = mesh(personas)
    request = ask(UserFactory(username="someone"), m.port)
    with pytest.raises(NotAllowed):
        services.access_request_approve(request=request, actor=getattr(personas, who), comment="")
    services.access_request_approve(request=request, actor=personas.admin, comment="")


def test_two_stage_needs_the_producer_then_a_steward(personas):
    m = mesh(personas, classification="confidential")
    request = ask(personas.consumer, m.port)
    with pytest.raises(NotAllowed):  # the steward cannot go first
        services.access_request_approve(request=request, actor=personas.steward, comment="")
    services.access_request_approve(request=request, actor=personas.producer, comment="fine")
    request.refresh_from_db()
    assert request.status == "pending" and request.pending_stage == "steward" and not Grant.objects.exists()
    with pytest.raises(NotAllowed):  # the producer cannot do the steward's stage
        services.access_request_approve(request=request, actor=personas.producer, comment="")
    services.access_request_approve(request=request, actor=personas.steward, comment="ok for GDPR")
    request.refresh_from_db()
    assert request.status == "approved" and request.grant.status == "pending"
    assert list(request.approvals.values_list("stage", "approver__username")) == [
        ("producer", "pat-producer"),
        ("steward", "sam-steward"),
    ]
    assert events("access.request_stage_approved") == 1 and events("access.request_approved") == 1


def test_one_person_cannot_approve_both_stages(personas):
    m = mesh(personas, classification="restricted")
    request = ask(personas.consumer, m.port)
    services.access_request_approve(request=request, actor=personas.admin, comment="")
    with pytest.raises(NotAllowed) as exc:
        services.access_request_approve(request=request, actor=personas.admin, comment="")
    assert exc.value.code == "same_approver"
    steward_and_producer = personas.steward
    TeamMembershipFactory(team=m.product.owner_team, user=steward_and_producer)
    other = ask(personas.consumer, m.port, principal_arn=ROLE + "B")
    services.access_request_approve(request=other, actor=steward_and_producer, comment="")
    with pytest.raises(NotAllowed):
        services.access_request_approve(request=other, actor=steward_and_producer, comment="")


def test_approval_is_blocked_when_the_product_was_retired_meanwhile(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    DataProduct.objects.filter(pk=m.product.pk).update(status="retired")
    with pytest.raises(Conflict) as exc:
        services.access_request_approve(request=request, actor=personas.producer, comment="")
    assert exc.value.code == "product_not_available" and "retired" in exc.value.detail
    assert not Grant.objects.exists() and not Approval.objects.exists()


def test_approval_is_blocked_when_a_requested_column_was_flagged_pii_meanwhile(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port, columns=["order_id", "amount"])
    Column.objects.filter(product=m.product, name="amount").update(is_pii=True)
    with pytest.raises(Conflict) as exc:
        services.access_request_approve(request=request, actor=personas.producer, comment="")
    assert exc.value.code == "policy_changed" and "PII column amount" in exc.value.detail
    services.access_request_reject(request=request, actor=personas.producer, reason=exc.value.detail)


def test_a_missing_grantor_account_propagates_and_nothing_is_written(personas):
    m = mesh(personas)
    GovernanceSettings.objects.update_or_create(id=1, defaults={"model": "central"})
    request = ask(personas.consumer, m.port)
    with pytest.raises(ValidationFailed) as exc:
        services.access_request_approve(request=request, actor=personas.producer, comment="")
    assert exc.value.code == "no_grantor_account"
    request.refresh_from_db()
    assert request.status == "pending" and not Grant.objects.exists() and not Approval.objects.exists()


def test_reject_needs_a_reason_and_ends_the_request(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    with pytest.raises(ValidationFailed):
        services.access_request_reject(request=request, actor=personas.producer, reason=" ")
    services.access_request_reject(request=request, actor=personas.producer, reason="use the aggregate port")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert request.decision_reason == "rejected by pat-producer at the producer stage: use the aggregate port"
    with pytest.raises(Conflict):
        services.access_request_approve(request=request, actor=personas.producer, comment="")


def test_requester_cannot_reject_own_request(personas):
    m = mesh(personas)
    request = ask(personas.producer, m.port, principal_arn=ROLE, columns=["email"])  # PII: not auto-approved
    with pytest.raises(NotAllowed):
        services.access_request_reject(request=request, actor=personas.producer, reason="no")


# --- withdrawing ---------------------------------------------------------------------------------


def test_withdraw_before_a_decision_needs_no_aws_work(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    services.access_request_withdraw(request=request, actor=personas.consumer)
    request.refresh_from_db()
    assert request.status == "withdrawn" and not ProvisioningJob.objects.exists()


def test_withdraw_after_the_grant_ends_it_with_a_revoke_job(personas):
    m = mesh(personas)
    request = approved(personas, m)
    services.grant_mark_applied(grant=request.grant)
    services.access_request_withdraw(request=request, actor=personas.consumer)
    request.refresh_from_db()
    grant = request.grant
    assert request.status == "withdrawn"
    assert (grant.status, grant.end_reason, grant.ended_by) == ("revoking", "withdrawn", personas.consumer)
    assert jobs(grant, "revoke") == 1
    services.grant_mark_ended(grant=grant)
    grant.refresh_from_db()
    assert grant.status == "ended" and grant.ended_at is not None
    assert AuditEvent.objects.get(event_type="grant.revoked").after["end_reason"] == "withdrawn"


def test_withdraw_of_an_approved_not_yet_applied_grant_still_schedules_a_revoke(personas):
    m = mesh(personas)
    request = approved(personas, m)
    services.access_request_withdraw(request=request, actor=personas.consumer)
    assert jobs(request.grant, "revoke") == 1


def test_only_the_requester_withdraws(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    for who in ("producer", "admin"):
        with pytest.raises(NotAllowed):
            services.access_request_withdraw(request=request, actor=getattr(personas, who))


def test_a_rejected_request_cannot_be_withdrawn(personas):
    m = mesh(personas)
    request = ask(personas.consumer, m.port)
    services.access_request_reject(request=request, actor=personas.producer, reason="no")
    with pytest.raises(Conflict):
        services.access_request_withdraw(request=request, actor=personas.consumer)


# --- the worker reports back ---------------------------------------------------------------------


def test_provisioning_then_applied_reaches_granted_once(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_provisioning(grant=grant)
    request.refresh_from_db()
    assert request.status == "provisioning"
    services.grant_mark_applied(grant=grant)
    services.grant_mark_applied(grant=grant)
    request.refresh_from_db()
    grant.refresh_from_db()
    assert request.status == "granted" and grant.status == "active" and grant.granted_at is not None
    assert events("grant.applied") == 1 and events("grant.provisioning") == 1
    m.product.refresh_from_db()
    assert m.product.consumer_count == 1


def test_a_failure_that_cannot_heal_is_not_retried(personas):
    m = mesh(personas)
    grant = approved(personas, m).grant
    services.grant_mark_failed(grant=grant, error="The table sales.x does not exist", code="EntityNotFoundException")
    grant.refresh_from_db()
    assert grant.last_error_code == "EntityNotFoundException" and not grant.failure_retryable
    with pytest.raises(Conflict) as refused:
        services.grant_retry(grant=grant, actor=personas.consumer)
    assert refused.value.code == "not_retryable" and "does not exist" in str(refused.value)
    with pytest.raises(NotAllowed):
        services.grant_retry(grant=grant, actor=personas.outsider)  # who may retry is checked first


def test_failed_grant_can_be_retried_by_the_requester(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_failed(grant=grant, error="AccessDeniedException: no", code="Throttling", retryable=True)
    request.refresh_from_db()
    grant.refresh_from_db()
    assert request.status == "failed" and grant.status == "failed" and "AccessDenied" in grant.last_error
    with pytest.raises(NotAllowed):
        services.grant_retry(grant=grant, actor=personas.outsider)
    services.grant_retry(grant=grant, actor=personas.consumer)
    request.refresh_from_db()
    grant.refresh_from_db()
    assert request.status == "approved" and grant.status == "pending" and jobs(grant, "grant") == 2
    with pytest.raises(Conflict):
        services.grant_retry(grant=grant, actor=personas.consumer)
    assert events("grant.failed") == 1 and events("grant.retried") == 1


def test_revoke_needs_the_owning_team_or_an_admin_and_a_reason(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_applied(grant=grant)
    for who in ("steward", "auditor", "outsider"):
        with pytest.raises(NotAllowed):
            services.grant_revoke(grant=grant, actor=getattr(personas, who), reason="x")
    with pytest.raises(ValidationFailed):
        services.grant_revoke(grant=grant, actor=personas.producer, reason="")
    services.grant_revoke(grant=grant, actor=personas.producer, reason="contract ended")
    grant.refresh_from_db()
    request.refresh_from_db()
    assert request.status == "revoked" and grant.status == "revoking" and grant.end_note == "contract ended"
    assert jobs(grant, "revoke") == 1
    with pytest.raises(Conflict):
        services.grant_revoke(grant=grant, actor=personas.admin, reason="again")
    services.grant_mark_end_failed(grant=grant, error="ThrottlingException")
    grant.refresh_from_db()
    assert grant.status == "revoking" and grant.last_error == "ThrottlingException"
    services.grant_mark_ended(grant=grant)
    grant.refresh_from_db()
    assert grant.status == "ended"
    assert events("grant.revoke_failed") == 1 and events("grant.revoked") == 1
    m.product.refresh_from_db()
    assert m.product.consumer_count == 0


def test_expiry_ends_grants_past_their_end_date(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_applied(grant=grant)
    assert services.grants_expire_due() == 0
    later = grant.expires_at + timedelta(seconds=1)
    assert services.grants_expire_due(now=later) == 1
    grant.refresh_from_db()
    request.refresh_from_db()
    assert request.status == "expired" and (grant.status, grant.end_reason) == ("revoking", "expired")
    services.grant_mark_ended(grant=grant)
    assert events("grant.expired") == 1
    assert services.grants_expire_due(now=later) == 0


def test_reminder_is_sent_once_seven_days_before_the_end(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_applied(grant=grant)
    assert services.grants_remind_expiring(now=grant.expires_at - timedelta(days=8)) == 0
    assert services.grants_remind_expiring(now=grant.expires_at - timedelta(days=6)) == 1
    assert services.grants_remind_expiring(now=grant.expires_at - timedelta(days=5)) == 0
    grant.refresh_from_db()
    assert grant.reminder_sent_at is not None


# --- extensions and policy -----------------------------------------------------------------------


def test_extension_goes_through_the_policy_and_moves_the_same_grant(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    services.grant_mark_applied(grant=grant)
    new_end = date.today() + timedelta(days=120)
    extension = services.access_request_extend(
        grant=grant, actor=personas.consumer, requested_until=new_end, purpose=""
    )
    assert extension.status == "pending" and extension.extension_of == request
    assert extension.purpose == request.purpose
    with pytest.raises(Conflict):
        services.access_request_extend(grant=grant, actor=personas.consumer, requested_until=new_end)
    services.access_request_approve(request=extension, actor=personas.producer, comment="")
    extension.refresh_from_db()
    grant.refresh_from_db()
    assert extension.status == "granted"
    assert grant.expires_at.date() == new_end and Grant.objects.count() == 1
    assert jobs(grant, "grant") == 1 and events("grant.extended") == 1


def test_auto_policy_extends_at_once(personas):
    m = mesh(personas, policy="auto")
    request = ask(personas.consumer, m.port)
    services.grant_mark_applied(grant=request.grant)
    extension = services.access_request_extend(
        grant=request.grant, actor=personas.consumer, requested_until=date.today() + timedelta(days=200)
    )
    assert extension.status == "granted"


def test_extension_refusals(personas):
    m = mesh(personas)
    request = approved(personas, m)
    grant = request.grant
    with pytest.raises(Conflict):  # not active yet
        services.access_request_extend(grant=grant, actor=personas.consumer, requested_until=date.today())
    services.grant_mark_applied(grant=grant)
    with pytest.raises(NotAllowed):
        services.access_request_extend(
            grant=grant, actor=personas.producer, requested_until=date.today() + timedelta(days=60)
        )
    with pytest.raises(ValidationFailed) as exc:
        services.access_request_extend(grant=grant, actor=personas.consumer, requested_until=date.today())
    assert exc.value.code == "end_date_not_later"
    with pytest.raises(ValidationFailed) as exc:
        services.access_request_extend(
            grant=grant, actor=personas.consumer, requested_until=date.today() + timedelta(days=500)
        )
    assert exc.value.code == "end_date_too_late"


def test_pending_extension_closes_when_the_grant_ends(personas):
    m = mesh(personas)
    request = approved(personas, m)
    services.grant_mark_applied(grant=request.grant)
    extension = services.access_request_extend(
        grant=request.grant, actor=personas.consumer, requested_until=date.today() + timedelta(days=60)
    )
    services.grant_revoke(grant=request.grant, actor=personas.producer, reason="done")
    extension.refresh_from_db()
    assert extension.status == "withdrawn"


def test_producer_sets_the_port_policy_and_it_is_audited(personas):
    m = mesh(personas)
    with pytest.raises(NotAllowed):
        services.access_policy_set(
            port=m.port, actor=personas.consumer, approval_policy="auto", auto_approve_owning_team=False
        )
    with pytest.raises(ValidationFailed):
        services.access_policy_set(
            port=m.port, actor=personas.producer, approval_policy="yolo", auto_approve_owning_team=False
        )
    services.access_policy_set(
        port=m.port, actor=personas.producer, approval_policy="auto", auto_approve_owning_team=False
    )
    m.port.refresh_from_db()
    assert m.port.approval_policy == "auto" and not m.port.auto_approve_owning_team
    event = AuditEvent.objects.get(event_type="catalog.policy_changed")
    assert event.before == {"approval_policy": "producer", "auto_approve_owning_team": True}
    assert ask(personas.consumer, m.port).status == "approved"
