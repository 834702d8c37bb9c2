"""The access policy of an output port, as pure functions: who must approve a request, or why no one must.

The rules, in order:

1. Two-stage approval (producer, then a steward of the product's domain) is forced when the port exposes
   sensitive data: the product is classified confidential or restricted, or a requested column (every column
   when none is named) is PII or classified confidential or above. No policy setting can lower this.
2. ``auto`` policy on a public or internal product: approved at once.
3. ``auto_approve_owning_team`` and the requester is a member of the owning team: approved at once.
4. Otherwise the port's policy names the stages: ``producer`` (and ``auto`` on an unclassified product) needs
   the producer; ``two_stage`` needs the producer, then a steward.

Every decision carries a reason written for people, stored on the request and on its policy Approval row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from catalog.models import Classification

PRODUCER = "producer"
STEWARD = "steward"
AUTO, PRODUCER_POLICY, TWO_STAGE = "auto", "producer", "two_stage"
AUTO_APPROVABLE = (Classification.PUBLIC, Classification.INTERNAL)


@dataclass(frozen=True)
class ColumnFacts:
    """What the policy needs to know about one column."""

    name: str
    is_pii: bool = False
    classification: str = ""


@dataclass(frozen=True)
class Decision:
    stages: list[str] = field(default_factory=list)  # stages still to approve; empty means approved by policy
    reason: str = ""
    two_stage_forced: bool = False

    @property
    def auto_approved(self) -> bool:
        return not self.stages


def is_sensitive_classification(classification: str) -> bool:
    return Classification.rank(classification) >= Classification.rank(Classification.CONFIDENTIAL)


def sensitive_findings(*, classification: str, columns: Iterable[ColumnFacts]) -> list[str]:
    """Why a request touches sensitive data, one phrase per finding; empty when it does not."""
    findings = []
    if is_sensitive_classification(classification):
        findings.append(f"classification {classification}")
    cols = list(columns)
    pii = [c.name for c in cols if c.is_pii]
    if pii:
        findings.append(f"PII column{'s' if len(pii) > 1 else ''} {', '.join(pii)}")
    confidential = [c.name for c in cols if not c.is_pii and is_sensitive_classification(c.classification)]
    if confidential:
        findings.append(f"confidential column{'s' if len(confidential) > 1 else ''} {', '.join(confidential)}")
    return findings


def decide(
    *,
    approval_policy: str,
    classification: str,
    columns: Iterable[ColumnFacts],
    auto_approve_owning_team: bool,
    requester_in_owning_team: bool,
) -> Decision:
    """The stages a new request needs, or approval by policy, with the reason. ``columns`` are the requested
    columns (every column of the product when the request names none)."""
    label = classification or "unclassified"
    findings = sensitive_findings(classification=classification, columns=columns)
    if findings:
        return Decision(
            stages=[PRODUCER, STEWARD],
            two_stage_forced=True,
            reason=f"two-stage approval required: {'; '.join(findings)}, policy {approval_policy}",
        )
    if approval_policy == AUTO and classification in AUTO_APPROVABLE:
        return Decision(reason=f"auto-approved: classification {label}, policy auto")
    if auto_approve_owning_team and requester_in_owning_team:
        return Decision(
            reason=f"auto-approved: requester is in the owning team, classification {label}, policy {approval_policy}"
        )
    if approval_policy == TWO_STAGE:
        return Decision(
            stages=[PRODUCER, STEWARD],
            reason=f"producer and steward approval: classification {label}, policy two_stage",
        )
    if approval_policy == AUTO:
        return Decision(
            stages=[PRODUCER],
            reason=f"producer approval: policy auto applies to public or internal products only, "
            f"classification {label}",
        )
    return Decision(stages=[PRODUCER], reason=f"producer approval: classification {label}, policy producer")


def needs_steward_now(*, classification: str, columns: Iterable[ColumnFacts]) -> list[str]:
    """Re-check at approval time: the findings that force a steward stage on the product as it is now."""
    return sensitive_findings(classification=classification, columns=columns)
