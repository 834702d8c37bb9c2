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

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.cache import cache
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


READ_ATTEMPTS = 3  # a read-back is harmless to repeat: a throttled read is retried in place, not the whole job


def _read[T](read: Callable[[], T]) -> T:
    for attempt in range(1, READ_ATTEMPTS + 1):
        try:
            return read()
        except AwsError as error:
            if not error.retryable or attempt == READ_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _shared[T](key: str, read: Callable[[], T], *, in_place: Callable[[T], bool]) -> T:
    """A read many grants of one account share (per worker process, for a short while), kept only when it showed
    the access in place: anything missing is read again for every batch."""
    seconds = settings.MESHPORTAL_SETTLEMENT_SHARED_READ_SECONDS
    if seconds:
        hit = cache.get(key)
        if hit is not None:
            return hit  # type: ignore[no-any-return]
    value = read()
    if seconds and in_place(value):
        cache.set(key, value, seconds)
    return value


def read_held(
    client: Any,
    *,
    account_id: str,
    resources: Iterable[dict[str, Any]],
    observer: CallObserver,
    errors: dict[str, AwsError] | None = None,
) -> Held:
    """What every principal holds on each of ``resources`` (one paged ``ListPermissions`` per distinct resource).
    With ``errors``, a read that fails is recorded there by resource key (only the grants on that resource wait);
    without, it raises."""
    distinct = {key_of(resource): resource for resource in resources}
    held: Held = {}
    for key, resource in distinct.items():
        try:
            entries = _read(
                lambda resource=resource: list(  # type: ignore[misc]
                    lf.iter_permissions(client, account_id=account_id, observer=observer, Resource=resource)
                )
            )
        except AwsError as error:
            if errors is None:
                raise
            errors[key] = error
            continue
        for live in entries:
            if lf.same_resource(live["Resource"], resource):
                principal = live["Principal"]["DataLakePrincipalIdentifier"]
                held.setdefault((principal, key), set()).update(live.get("Permissions", []))
    return held


def _describe(resource: dict[str, Any]) -> str:
    kind, body = next(iter(resource.items()))
    name = ".".join(str(body[k]) for k in ("DatabaseName", "Name") if body.get(k)) or str(body.get("Expression"))
    return f"{kind} {name}"


def verify_grants(jobs: Sequence[ProvisioningJob]) -> tuple[dict[int, list[Check]], dict[int, AwsError]]:
    """The read-back checks of grant jobs that share a grantor account, by job id, and the jobs whose reads
    failed (only the grants a failed read concerns wait for another try)."""
    checks: dict[int, list[Check]] = {job.pk: [] for job in jobs}
    errors: dict[int, AwsError] = {}
    if not jobs:
        return checks, errors
    grantor = jobs[0].grantor_account_id
    observer = attempt_recorder(grants=[job.grant for job in jobs])
    plans = {job.pk: steps_from_json(job.plan) for job in jobs}

    entries = [(job, step.entry) for job in jobs for step in plans[job.pk] if isinstance(step, LfPermissions)]
    lf_client = registered_account_client("lakeformation", grantor)
    read_errors: dict[str, AwsError] = {}
    held = read_held(
        lf_client, account_id=grantor, resources=[e.resource for _, e in entries], observer=observer, errors=read_errors
    )
    for job, entry in entries:
        if key_of(entry.resource) in read_errors:
            errors.setdefault(job.pk, read_errors[key_of(entry.resource)])
            continue
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
        _verify_consumer(grantor=grantor, consumer=consumer, jobs=group, plans=plans, checks=checks, errors=errors)
    return checks, errors


def _verify_consumer(
    *,
    grantor: str,
    consumer: str,
    jobs: Sequence[ProvisioningJob],
    plans: dict[int, list[Any]],
    checks: dict[int, list[Check]],
    errors: dict[int, AwsError],
) -> None:
    observer = attempt_recorder(grants=[job.grant for job in jobs])
    sharing = [job for job in jobs if any(isinstance(step, RamAccept) for step in plans[job.pk])]
    if sharing:

        def read_sharing() -> tuple[set[str], set[str]]:
            share_rows = _read(
                lambda: list(
                    ram.iter_share_principals(
                        registered_account_client("ram", grantor),
                        account_id=grantor,
                        principals=[consumer],
                        observer=observer,
                    )
                )
            )
            invitations = _read(
                lambda: list(
                    ram.iter_invitations(
                        registered_account_client("ram", consumer), account_id=consumer, observer=observer
                    )
                )
            )
            return {str(row.get("resourceShareArn")) for row in share_rows}, {
                str(invitation.get("resourceShareArn"))
                for invitation in invitations
                if invitation.get("senderAccountId") == grantor and invitation.get("status") == "ACCEPTED"
            }

        try:
            shares, accepted = _shared(
                f"settlement:ram:{grantor}:{consumer}", read_sharing, in_place=lambda read: bool(read[0] & read[1])
            )
        except AwsError as error:
            for job in sharing:
                errors.setdefault(job.pk, error)
            shares, accepted, sharing = set(), set(), []
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
    link_errors: dict[tuple[str, str], AwsError] = {}
    for _, step in links:
        if (step.database, step.link) in targets or (step.database, step.link) in link_errors:
            continue

        def read_target(step: GlueLink = step) -> dict[str, Any] | None:
            try:
                table = _read(
                    lambda: glue.get_table(
                        glue_client, account_id=consumer, database=step.database, name=step.link, observer=observer
                    )
                )
            except AwsError as error:
                if error.code != "EntityNotFoundException":
                    raise
                return None
            target: dict[str, Any] | None = table.get("TargetTable")
            return target

        try:
            targets[(step.database, step.link)] = _shared(
                f"settlement:link:{consumer}:{step.database}:{step.link}",
                read_target,
                in_place=lambda target, step=step: (  # type: ignore[misc]
                    target is not None and {k: target.get(k) for k in step.target} == step.target
                ),
            )
        except AwsError as error:
            link_errors[(step.database, step.link)] = error
    for job, step in links:
        if (step.database, step.link) in link_errors:
            errors.setdefault(job.pk, link_errors[(step.database, step.link)])
            continue
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
        describe_errors: dict[str, AwsError] = {}
        held = read_held(
            registered_account_client("lakeformation", consumer),
            account_id=consumer,
            resources=resources.values(),
            observer=observer,
            errors=describe_errors,
        )
        for job, describe in describes:
            if key_of(resources[(describe.database, describe.link)]) in describe_errors:
                errors.setdefault(job.pk, describe_errors[key_of(resources[(describe.database, describe.link)])])
                continue
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
            _read(
                lambda account_id=account_id, database=database, link=link: glue.get_table(  # type: ignore[misc]
                    registered_account_client("glue", account_id),
                    account_id=account_id,
                    database=database,
                    name=link,
                    observer=observer,
                )
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
