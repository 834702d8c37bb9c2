"""Settlement: read back from AWS that a grant is effective end to end, or that a revocation left nothing.

A grant job becomes ``active`` only when these reads agree with its plan (the engine retries while they do not,
since Lake Formation, RAM and Glue are eventually consistent):

- the grantor's Lake Formation holds every planned entry for the principal (``ListPermissions`` per resource);
- where the plan accepts a RAM invitation, the grantor's resource share is associated with the consumer
  account (``ListPrincipals``) and the consumer's invitation from the grantor is ``ACCEPTED``
  (https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-permissions.html);
- the resource link in the consumer catalog resolves to the target table (``GetTable``'s ``TargetTable``,
  https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html);
- the principal holds DESCRIBE on the link in the consumer account.

Reads are shared per account and batch: one ``ListPermissions`` per distinct resource, one ``ListPrincipals``
per grantor, one invitation listing per consumer, one ``GetTable`` per link. Each check is kept as evidence
(what was read, where, when, the outcome) on the grant and in its audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.utils import timezone

from meshportal.aws.gateway import AwsError, CallObserver, glue, ram, registered_account_client
from meshportal.aws.gateway import lakeformation as lf
from provisioning.attempts import attempt_recorder
from provisioning.backends.base import steps_from_json
from provisioning.backends.lakeformation.steps import GlueLink, LfLinkDescribe, LfPermissions, RamAccept
from provisioning.models import ProvisioningJob

type Held = dict[tuple[str, str], set[str]]


class CheckName(StrEnum):
    KEPT = "kept"  # a revocation kept it: another grant holding access still needs it
    GONE = "gone"  # a revocation removed it and the read-back shows it gone
    GRANTOR_PERMISSIONS = "grantor_permissions"
    RAM_SHARE = "ram_share"
    RAM_INVITATION = "ram_invitation"
    RESOURCE_LINK = "resource_link"
    LINK_DESCRIBE = "link_describe"


@dataclass(frozen=True)
class Check:
    """One read-back: what was checked, in which account, whether AWS agreed, and what was read."""

    name: str
    account_id: str
    ok: bool
    detail: str


def evidence(checks: Iterable[Check]) -> dict[str, Any]:
    return {"read_at": timezone.now().isoformat(), "checks": [asdict(check) for check in checks]}


def key_of(resource: dict[str, Any]) -> str:
    return repr(lf.resource_key(resource))


def read_held(client: Any, *, account_id: str, resources: Iterable[dict[str, Any]], observer: CallObserver) -> Held:
    """What every principal holds on each of ``resources`` (one paged ``ListPermissions`` per distinct resource)."""
    distinct = {key_of(resource): resource for resource in resources}
    held: Held = {}
    for key, resource in distinct.items():
        for live in lf.iter_permissions(client, account_id=account_id, observer=observer, Resource=resource):
            if lf.same_resource(live["Resource"], resource):
                principal = live["Principal"]["DataLakePrincipalIdentifier"]
                held.setdefault((principal, key), set()).update(live.get("Permissions", []))
    return held


def _describe(resource: dict[str, Any]) -> str:
    kind, body = next(iter(resource.items()))
    name = ".".join(str(body[k]) for k in ("DatabaseName", "Name") if body.get(k)) or str(body.get("Expression"))
    return f"{kind} {name}"


def verify_grants(jobs: Sequence[ProvisioningJob]) -> dict[int, list[Check]]:
    """The read-back checks of grant jobs that share a grantor account, by job id. Raises ``AwsError`` when a
    read itself fails (the engine retries it like any other call)."""
    checks: dict[int, list[Check]] = {job.pk: [] for job in jobs}
    if not jobs:
        return checks
    grantor = jobs[0].grantor_account_id
    observer = attempt_recorder(grants=[job.grant for job in jobs])
    plans = {job.pk: steps_from_json(job.plan) for job in jobs}

    entries = [(job, step.entry) for job in jobs for step in plans[job.pk] if isinstance(step, LfPermissions)]
    lf_client = registered_account_client("lakeformation", grantor)
    held = read_held(lf_client, account_id=grantor, resources=[e.resource for _, e in entries], observer=observer)
    for job, entry in entries:
        missing = sorted(set(entry.permissions) - held.get((entry.principal, key_of(entry.resource)), set()))
        checks[job.pk].append(
            Check(
                CheckName.GRANTOR_PERMISSIONS,
                grantor,
                not missing,
                f"{'+'.join(entry.permissions)} on {_describe(entry.resource)} for {entry.principal}"
                + (f": {'+'.join(missing)} not held" if missing else ": held"),
            )
        )

    by_consumer: dict[str, list[ProvisioningJob]] = {}
    for job in jobs:
        if any(isinstance(step, RamAccept | GlueLink | LfLinkDescribe) for step in plans[job.pk]):
            by_consumer.setdefault(str(job.grant.consumer_account.account_id), []).append(job)
    for consumer, group in by_consumer.items():
        _verify_consumer(grantor, consumer, group, plans, checks)
    return checks


def _verify_consumer(
    grantor: str,
    consumer: str,
    jobs: Sequence[ProvisioningJob],
    plans: dict[int, list[Any]],
    checks: dict[int, list[Check]],
) -> None:
    observer = attempt_recorder(grants=[job.grant for job in jobs])
    sharing = [job for job in jobs if any(isinstance(step, RamAccept) for step in plans[job.pk])]
    if sharing:
        shares = {
            row.get("resourceShareArn")
            for row in ram.iter_share_principals(
                registered_account_client("ram", grantor), account_id=grantor, principals=[consumer], observer=observer
            )
        }
        accepted = {
            invitation.get("resourceShareArn")
            for invitation in ram.iter_invitations(
                registered_account_client("ram", consumer), account_id=consumer, observer=observer
            )
            if invitation.get("senderAccountId") == grantor and invitation.get("status") == "ACCEPTED"
        }
        for job in sharing:
            checks[job.pk].append(
                Check(
                    CheckName.RAM_SHARE,
                    grantor,
                    bool(shares),
                    f"resource share of {grantor} associated with {consumer}"
                    if shares
                    else f"no resource share of {grantor} is associated with {consumer}",
                )
            )
            checks[job.pk].append(
                Check(
                    CheckName.RAM_INVITATION,
                    consumer,
                    bool(shares & accepted),
                    f"invitation from {grantor} accepted in {consumer}"
                    if shares & accepted
                    else f"no accepted invitation from {grantor} in {consumer}",
                )
            )

    links = [(job, step) for job in jobs for step in plans[job.pk] if isinstance(step, GlueLink)]
    glue_client = registered_account_client("glue", consumer)
    targets: dict[tuple[str, str], dict[str, Any] | None] = {}
    for _, step in links:
        if (step.database, step.link) in targets:
            continue
        try:
            table = glue.get_table(
                glue_client, account_id=consumer, database=step.database, name=step.link, observer=observer
            )
        except AwsError as error:
            if error.code != "EntityNotFoundException":
                raise
            table = None
        targets[(step.database, step.link)] = table.get("TargetTable") if table else None
    for job, step in links:
        target = targets[(step.database, step.link)]
        resolves = target is not None and {k: target.get(k) for k in step.target} == step.target
        checks[job.pk].append(
            Check(
                CheckName.RESOURCE_LINK,
                consumer,
                resolves,
                f"{step.database}.{step.link} → {step.target['CatalogId']}:{step.target['DatabaseName']}."
                f"{step.target['Name']}"
                + (": resolves" if resolves else (": missing" if target is None else f": points to {target}")),
            )
        )

    describes = [(job, step) for job in jobs for step in plans[job.pk] if isinstance(step, LfLinkDescribe)]
    if describes:
        resources = {(s.database, s.link): lf.table_resource(s.account_id, s.database, s.link) for _, s in describes}
        held = read_held(
            registered_account_client("lakeformation", consumer),
            account_id=consumer,
            resources=resources.values(),
            observer=observer,
        )
        for job, describe in describes:
            has = "DESCRIBE" in held.get(
                (job.grant.principal_arn, key_of(resources[(describe.database, describe.link)])), set()
            )
            checks[job.pk].append(
                Check(
                    CheckName.LINK_DESCRIBE,
                    consumer,
                    has,
                    f"DESCRIBE on {describe.database}.{describe.link} for {job.grant.principal_arn}"
                    + (": held" if has else ": not held"),
                )
            )


def kept(account_id: str, what: str) -> Check:
    return Check(CheckName.KEPT, account_id, True, f"kept for another grant holding access: {what}")


def verify_removed(
    *,
    gone: Sequence[tuple[str, str, dict[str, Any], list[str]]],
    unlinked: Sequence[tuple[str, str, str]],
    observer: CallObserver,
) -> list[Check]:
    """Read back that what a revocation removed is gone: the permissions (one ``ListPermissions`` per distinct
    resource and account) and the resource links (``GetTable`` answers EntityNotFound)."""
    checks: list[Check] = []
    by_account: dict[str, list[tuple[str, dict[str, Any], list[str]]]] = {}
    for account_id, principal, resource, permissions in gone:
        by_account.setdefault(account_id, []).append((principal, resource, permissions))
    for account_id, removed in by_account.items():
        held = read_held(
            registered_account_client("lakeformation", account_id),
            account_id=account_id,
            resources=[resource for _, resource, _ in removed],
            observer=observer,
        )
        for principal, resource, permissions in removed:
            left = sorted(set(permissions) & held.get((principal, key_of(resource)), set()))
            checks.append(
                Check(
                    CheckName.GONE,
                    account_id,
                    not left,
                    f"{'+'.join(permissions)} on {_describe(resource)} for {principal}"
                    + (f": {'+'.join(left)} still held in {account_id}" if left else ": gone"),
                )
            )
    for account_id, database, link in unlinked:
        try:
            glue.get_table(
                registered_account_client("glue", account_id),
                account_id=account_id,
                database=database,
                name=link,
                observer=observer,
            )
            exists = True
        except AwsError as error:
            if error.code != "EntityNotFoundException":
                raise
            exists = False
        checks.append(
            Check(
                CheckName.GONE,
                account_id,
                not exists,
                f"resource link {database}.{link}" + (f": still in {account_id}" if exists else ": gone"),
            )
        )
    return checks
