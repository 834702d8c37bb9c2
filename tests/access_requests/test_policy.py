"""The access policy as pure functions: no database."""

from __future__ import annotations

import pytest

from access_requests.policy import ColumnFacts, decide, sensitive_findings

PLAIN = [ColumnFacts("order_id"), ColumnFacts("amount")]
WITH_PII = [*PLAIN, ColumnFacts("email", is_pii=True)]


def _decide(**kw):
    args = {
        "approval_policy": "producer",
        "classification": "internal",
        "columns": PLAIN,
        "auto_approve_owning_team": False,
        "requester_in_owning_team": False,
    }
    args.update(kw)
    return decide(**args)


@pytest.mark.parametrize("classification", ["public", "internal"])
def test_auto_policy_approves_public_and_internal_at_once(classification):
    decision = _decide(approval_policy="auto", classification=classification)
    assert decision.auto_approved
    assert decision.reason == f"auto-approved: classification {classification}, policy auto"


@pytest.mark.parametrize("classification", ["confidential", "restricted"])
def test_confidential_or_restricted_forces_two_stage_whatever_the_policy(classification):
    for policy in ("auto", "producer", "two_stage"):
        decision = _decide(
            approval_policy=policy,
            classification=classification,
            auto_approve_owning_team=True,
            requester_in_owning_team=True,
        )
        assert decision.stages == ["producer", "steward"]
        assert decision.two_stage_forced
        assert f"classification {classification}" in decision.reason


def test_a_pii_column_forces_two_stage_even_for_the_owning_team():
    decision = _decide(
        approval_policy="auto", columns=WITH_PII, auto_approve_owning_team=True, requester_in_owning_team=True
    )
    assert decision.stages == ["producer", "steward"]
    assert "PII column email" in decision.reason


def test_a_confidential_column_forces_two_stage():
    decision = _decide(columns=[ColumnFacts("salary", classification="confidential")])
    assert decision.two_stage_forced and "confidential column salary" in decision.reason


def test_owning_team_is_auto_approved_when_the_port_allows_it():
    decision = _decide(auto_approve_owning_team=True, requester_in_owning_team=True)
    assert decision.auto_approved and "owning team" in decision.reason
    assert not _decide(auto_approve_owning_team=False, requester_in_owning_team=True).auto_approved
    assert not _decide(auto_approve_owning_team=True, requester_in_owning_team=False).auto_approved


def test_producer_policy_needs_the_producer():
    decision = _decide()
    assert decision.stages == ["producer"]
    assert decision.reason == "producer approval: classification internal, policy producer"


def test_two_stage_policy_needs_producer_then_steward_without_being_forced():
    decision = _decide(approval_policy="two_stage")
    assert decision.stages == ["producer", "steward"] and not decision.two_stage_forced


def test_auto_policy_on_an_unclassified_product_falls_back_to_the_producer():
    decision = _decide(approval_policy="auto", classification="")
    assert decision.stages == ["producer"] and "unclassified" in decision.reason


def test_sensitive_findings_lists_every_reason():
    assert sensitive_findings(classification="restricted", columns=WITH_PII) == [
        "classification restricted",
        "PII column email",
    ]
    assert sensitive_findings(classification="public", columns=PLAIN) == []
