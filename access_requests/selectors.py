"""Reads of access requests and grants, narrowed to what the acting user may see (STYLE.md §4).

- requesters see their own requests and grants;
- the owning team sees every request and grant of its products;
- a team sees the requests and grants made to its registered roles (whoever of its members asked);
- stewards see those of their domains;
- platform admins and auditors see all.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from access_requests import policy
from access_requests.models import AccessRequest, Approval, Grant
from access_requests.policy import PRODUCER, STEWARD
from catalog.models import Column, DataProduct, OutputPort
from catalog.selectors import port_get_for_user
from meshportal.identity import roles

_APPROVALS = Approval.objects.select_related("approver").order_by("decided_at", "id")


def _visible_q(user: Any, prefix: str = "") -> Q:
    teams, domains = roles.team_ids(user), roles.stewarded_domain_ids(user)
    q = Q(**{f"{prefix}requester": user})
    if teams:
        q |= Q(**{f"{prefix}product__owner_team_id__in": teams})
        q |= Q(**{f"{prefix}principal_role__team_id__in": teams})
    if domains:
        q |= Q(**{f"{prefix}product__domain_id__in": domains})
    return q


def access_request_list(*, user: Any) -> QuerySet[AccessRequest]:
    qs = (
        AccessRequest.objects.select_related(
            "requester",
            "product__domain",
            "product__owner_team",
            "port",
            "consumer_account",
            "grant",
            "principal_role__team",
            "principal_role__owner",
        )
        .prefetch_related(Prefetch("approvals", queryset=_APPROVALS))
        .order_by("-created_at", "-id")
    )
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs if roles.sees_everything(user) else qs.filter(_visible_q(user))


def access_request_get_for_user(*, user: Any, pk: int) -> AccessRequest:
    return get_object_or_404(access_request_list(user=user), pk=pk)


def approval_inbox(*, user: Any) -> QuerySet[AccessRequest]:
    """Pending requests whose current stage ``user`` may decide: never their own, never a stage after one they
    approved themselves."""
    qs = access_request_list(user=user).filter(status=AccessRequest.Status.PENDING).exclude(requester=user)
    if not roles.is_platform_admin(user):
        may = Q(pk__in=[])
        teams, domains = roles.team_ids(user), roles.stewarded_domain_ids(user)
        if teams:
            may |= Q(required_stages__0=PRODUCER, product__owner_team_id__in=teams)
        if domains:
            may |= Q(required_stages__0=STEWARD, product__domain_id__in=domains)
        qs = qs.filter(may)
    approved_before = Approval.objects.filter(
        request=OuterRef("pk"), approver=user, decision=Approval.Decision.APPROVED
    )
    return qs.filter(~Exists(approved_before)).order_by("created_at", "id")


def approval_inbox_count(*, user: Any) -> int:
    return approval_inbox(user=user).count()


def grant_list(*, user: Any) -> QuerySet[Grant]:
    qs = Grant.objects.select_related(
        "request__requester",
        "request__principal_role__team",
        "request__principal_role__owner",
        "product__domain",
        "product__owner_team",
        "port",
        "consumer_account",
        "ended_by",
    ).order_by("-created_at", "-id")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs if roles.sees_everything(user) else qs.filter(_visible_q(user, "request__"))


def grant_get_for_user(*, user: Any, pk: int) -> Grant:
    return get_object_or_404(grant_list(user=user), pk=pk)


MAX_ID = 2**63 - 1


def port_for_request(*, user: Any, pk: int) -> OutputPort:
    """The port a user asks about: only ports of products the user may see in the catalog (404 otherwise,
    so drafts stay invisible); whether the product can be requested is the service's rule."""
    if not 0 < pk <= MAX_ID:
        raise Http404("No such output port.")
    return port_get_for_user(user=user, pk=pk)


def last_principal_arn(*, user: Any, usable: list[Any]) -> str:
    """The role the request form proposes: the one the user's latest request named, when they may still use it,
    else their only role (else none: they choose)."""
    arns = {r.arn for r in usable}
    last = (
        AccessRequest.objects.filter(requester=user, principal_role__isnull=False)
        .order_by("-created_at", "-id")
        .values_list("principal_arn", flat=True)
        .first()
    )
    if last in arns:
        return str(last)
    return usable[0].arn if len(usable) == 1 else ""


def open_extension_for(*, grant: Grant) -> AccessRequest | None:
    return AccessRequest.objects.filter(extension_of_id=grant.request_id, status=AccessRequest.Status.PENDING).first()


# --- policy inputs -------------------------------------------------------------------------------


def column_facts(*, product: DataProduct, names: list[str] | tuple[str, ...] = ()) -> list[policy.ColumnFacts]:
    """The requested columns as the policy sees them (every column when none is named)."""
    qs = Column.objects.filter(product=product)
    if names:
        qs = qs.filter(name__in=list(names))
    return [
        policy.ColumnFacts(name=c.name, is_pii=c.is_pii, classification=c.classification)
        for c in qs.only("name", "is_pii", "classification")
    ]


def policy_decision(*, port: OutputPort, product: DataProduct, requester: Any, columns: list[str]) -> policy.Decision:
    """What the port's policy says about a request by ``requester`` for ``columns``, on the data as it is now."""
    in_team = product.owner_team_id is not None and product.owner_team_id in roles.team_ids(requester)
    return policy.decide(
        approval_policy=port.approval_policy,
        classification=product.classification,
        columns=column_facts(product=product, names=columns),
        auto_approve_owning_team=port.auto_approve_owning_team,
        requester_in_owning_team=in_team,
    )


def policy_preview(*, port: OutputPort, user: Any) -> policy.Decision:
    """The request form's "how will this be decided" line (for a request of every column)."""
    return policy_decision(port=port, product=port.product, requester=user, columns=[])


def two_stage_findings(*, port: OutputPort) -> list[str]:
    """Why the port is two-stage whatever its policy says (empty when it is not forced)."""
    return policy.sensitive_findings(
        classification=port.product.classification, columns=column_facts(product=port.product)
    )


def access_badges(user: Any, product_ids: list[int]) -> dict[int, str]:
    """For a page of search results (catalog/matches.py): ``"granted"`` where the user holds an active grant from
    a request of theirs, ``"pending"`` where a request of theirs is waiting (for a decision or to be applied).
    One query."""
    waiting = [AccessRequest.Status.PENDING, AccessRequest.Status.APPROVED, AccessRequest.Status.PROVISIONING]
    rows = (
        AccessRequest.objects.filter(requester=user, product_id__in=product_ids)
        .filter(Q(status__in=waiting) | Q(grant__status=Grant.Status.ACTIVE))
        .values_list("product_id", "grant__status")
    )
    badges: dict[int, str] = {}
    for product_id, grant_status in rows:
        if grant_status == Grant.Status.ACTIVE:
            badges[product_id] = "granted"
        else:
            badges.setdefault(product_id, "pending")
    return badges
