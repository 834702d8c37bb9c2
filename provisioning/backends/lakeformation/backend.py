"""Carrying Lake Formation grants into AWS, and reading them back.

- The live state is read before acting: permissions already held are not granted again, and "No permissions
  revoked" counts as success, so re-running a job is harmless.
- Grant entries of one grantor account go out in ``BatchGrantPermissions`` calls of up to 20 entries; a
  per-entry failure fails only the job it belongs to.
- The consumer side is shared where grants share it: one invitation read per consumer account, one create per
  link database and resource link, one permission read per link, DESCRIBE on links in batches of 20.
- Every AWS call is an attempt row (``provisioning/attempts.py``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from access_requests.models import Grant
from meshportal.aws.gateway import AwsError, glue, ram, registered_account_client
from meshportal.aws.gateway import lakeformation as lf
from provisioning.attempts import attempt_recorder
from provisioning.backends.base import HeldPermission, PlanStep, steps_from_json
from provisioning.backends.lakeformation import plan as planning
from provisioning.backends.lakeformation import verify
from provisioning.backends.lakeformation.steps import (
    GlueLink,
    GlueUnlink,
    LfLinkDescribe,
    LfPermissions,
    PermissionEntry,
    RamAccept,
)
from provisioning.errors import ProvisioningErrorCode
from provisioning.models import ProvisioningJob
from provisioning.registration import registration_ready

IGNORED_PRINCIPALS = {"IAM_ALLOWED_PRINCIPALS"}
LINK_DATABASE_DESCRIPTION = "Resource links to data products shared through MeshPortal"

type Failures = dict[int, AwsError]


def _steps[S: PlanStep](jobs: Sequence[ProvisioningJob], kind: type[S]) -> list[tuple[ProvisioningJob, S]]:
    return [(job, step) for job in jobs for step in steps_from_json(job.plan) if isinstance(step, kind)]


def _link_resource(step: LfLinkDescribe) -> dict[str, Any]:
    return lf.table_resource(step.account_id, step.database, step.link)


def comparable(resource: dict[str, Any], permissions: Sequence[str]) -> tuple[str, set[str], dict[str, Any]]:
    """A resource key and permission set that compare the way Lake Formation stores grants: column grants of
    one principal on one table merge into one set, so columns become part of the permission ("SELECT(email)")
    and the key is the table."""
    if "TableWithColumns" in resource:
        body = resource["TableWithColumns"]
        table = {k: body.get(k) for k in ("CatalogId", "DatabaseName", "Name")}
        perms = {f"{p}({c})" for p in permissions for c in body.get("ColumnNames") or []}
        return repr(("TableWithColumns", tuple(table.values()))), perms, {"TableWithColumns": table}
    return repr(lf.resource_key(resource)), set(permissions), resource


def _in_scope(resource: dict[str, Any], managed: set[tuple[str, str]]) -> bool:
    kind, body = next(iter(resource.items()))
    if kind == "Database":
        return (body.get("CatalogId"), body.get("Name")) in managed
    if kind in ("Table", "TableWithColumns"):
        return (body.get("CatalogId"), body.get("DatabaseName")) in managed
    return False


class LakeFormationBackend:
    name: ClassVar[str] = "lakeformation"

    # --- planning --------------------------------------------------------------------------------------

    def plan(
        self, grant: Any, *, grantor_account_id: str, action: str, applied: Sequence[PlanStep] | None = None
    ) -> list[PlanStep]:
        return planning.build(grant, grantor_account_id=grantor_account_id, action=action, applied=applied)

    # --- grants ----------------------------------------------------------------------------------------

    def apply(self, jobs: Sequence[ProvisioningJob]) -> Failures:
        failed: Failures = {}
        if not jobs:
            return failed
        grantor = jobs[0].grantor_account_id
        # A central grantor grants on its own catalog's entry: wait until the port's table is registered there.
        for job in jobs:
            if job.grant.port.catalog_id != grantor and not registration_ready(port=job.grant.port, central=grantor):
                failed[job.pk] = AwsError(
                    code=ProvisioningErrorCode.REGISTRATION_PENDING,
                    message=f"the table is not registered in the catalog of {grantor} yet",
                    operation="meshportal:register",
                    retryable=True,
                )
        jobs = [job for job in jobs if job.pk not in failed]
        if not jobs:
            return failed
        try:
            self._grant_batch(grantor, jobs, failed)
        except AwsError as error:
            for job in jobs:
                failed.setdefault(job.pk, error)
        by_consumer: dict[str, list[ProvisioningJob]] = {}
        for job in jobs:
            if job.pk not in failed:
                by_consumer.setdefault(str(job.grant.consumer_account.account_id), []).append(job)
        for consumer, group in by_consumer.items():
            for stage in (self._accept_invitations, self._ensure_links, self._grant_link_describe):
                live = [job for job in group if job.pk not in failed]
                if not live:
                    break
                try:
                    stage(consumer, live, failed)
                except AwsError as error:
                    for job in live:
                        failed.setdefault(job.pk, error)
        return failed

    def _grant_batch(self, grantor: str, jobs: Sequence[ProvisioningJob], failed: Failures) -> None:
        client = registered_account_client("lakeformation", grantor)
        steps = _steps(jobs, LfPermissions)
        # Read the live state once per distinct resource, then grant only what is missing.
        resources: dict[str, dict[str, Any]] = {}
        for _, step in steps:
            resources.setdefault(repr(lf.resource_key(step.entry.resource)), step.entry.resource)
        held: dict[tuple[str, str], set[str]] = {}
        observer = attempt_recorder(grants=[j.grant for j in jobs])
        for key, resource in resources.items():
            for live in lf.iter_permissions(client, account_id=grantor, observer=observer, Resource=resource):
                if lf.same_resource(live["Resource"], resource):
                    principal = live["Principal"]["DataLakePrincipalIdentifier"]
                    held.setdefault((principal, key), set()).update(live.get("Permissions", []))
        pending: list[tuple[ProvisioningJob, PermissionEntry]] = []
        for job, step in steps:
            entry = step.entry
            missing = sorted(
                set(entry.permissions) - held.get((entry.principal, repr(lf.resource_key(entry.resource))), set())
            )
            if missing:  # "already granted" needs no call
                pending.append((job, PermissionEntry(entry.principal, entry.resource, missing)))
        self._batch_grant(client, grantor, pending, failed)

    def _batch_grant(
        self, client: Any, account_id: str, pending: list[tuple[ProvisioningJob, PermissionEntry]], failed: Failures
    ) -> None:
        for start in range(0, len(pending), lf.BATCH_ENTRY_LIMIT):
            chunk = [
                (job, entry) for job, entry in pending[start : start + lf.BATCH_ENTRY_LIMIT] if job.pk not in failed
            ]
            if not chunk:
                continue
            entries = [
                {
                    "Id": f"{job.pk}-{i}",
                    "Principal": {"DataLakePrincipalIdentifier": entry.principal},
                    "Resource": entry.resource,
                    "Permissions": entry.permissions,
                }
                for i, (job, entry) in enumerate(chunk)
            ]
            grants = list({id(j.grant): j.grant for j, _ in chunk}.values())
            try:
                failures = lf.batch_grant(
                    client, account_id=account_id, entries=entries, observer=attempt_recorder(grants=grants)
                )
            except AwsError as error:
                for job, _ in chunk:
                    failed.setdefault(job.pk, error)
                continue
            for failure in failures:
                failed.setdefault(int(failure.entry_id.split("-")[0]), failure.error)

    def _accept_invitations(self, consumer: str, jobs: Sequence[ProvisioningJob], failed: Failures) -> None:
        steps = _steps(jobs, RamAccept)
        if not steps:
            return
        client = registered_account_client("ram", consumer)
        accepted = ram.accept_pending_from(
            client,
            account_id=consumer,
            senders={step.owner for _, step in steps},
            observer=attempt_recorder(grants=[job.grant for job in jobs]),
        )
        for job, step in steps:
            if step.owner not in accepted:
                # The invitation appears shortly after the grant; wait for it rather than fail.
                failed.setdefault(
                    job.pk,
                    AwsError(
                        code=ProvisioningErrorCode.INVITATION_NOT_YET_VISIBLE,
                        message=f"no RAM invitation from {step.owner} yet",
                        operation="ram:GetResourceShareInvitations",
                        retryable=True,
                    ),
                )

    def _ensure_links(self, consumer: str, jobs: Sequence[ProvisioningJob], failed: Failures) -> None:
        links = _steps(jobs, GlueLink)
        if not links:
            return
        client = registered_account_client("glue", consumer)
        databases: dict[str, list[ProvisioningJob]] = {}
        tables: dict[tuple[str, str], tuple[dict[str, str], list[ProvisioningJob]]] = {}
        for job, step in links:
            databases.setdefault(step.database, []).append(job)
            tables.setdefault((step.database, step.link), (step.target, []))[1].append(job)
        for database, users in databases.items():
            try:
                glue.ensure_database(
                    client,
                    account_id=consumer,
                    name=database,
                    description=LINK_DATABASE_DESCRIPTION,
                    observer=attempt_recorder(grants=[j.grant for j in users]),
                )
            except AwsError as error:
                for job in users:
                    failed.setdefault(job.pk, error)
        for (database, link), (target, waiting) in tables.items():
            users = [j for j in waiting if j.pk not in failed]
            if not users:
                continue
            try:
                glue.ensure_resource_link(
                    client,
                    account_id=consumer,
                    database=database,
                    name=link,
                    target=target,
                    observer=attempt_recorder(grants=[j.grant for j in users]),
                )
            except AwsError as error:
                for job in users:
                    failed.setdefault(job.pk, error)

    def _grant_link_describe(self, consumer: str, jobs: Sequence[ProvisioningJob], failed: Failures) -> None:
        steps = _steps(jobs, LfLinkDescribe)
        if not steps:
            return
        client = registered_account_client("lakeformation", consumer)
        observer = attempt_recorder(grants=[job.grant for job in jobs])
        held: dict[tuple[str, str], set[str]] = {}
        resources = {(step.database, step.link): _link_resource(step) for _, step in steps}
        for (database, link), resource in resources.items():
            for entry in lf.iter_permissions(client, account_id=consumer, observer=observer, Resource=resource):
                if lf.same_resource(entry["Resource"], resource):
                    key = (entry["Principal"]["DataLakePrincipalIdentifier"], f"{database}.{link}")
                    held.setdefault(key, set()).update(entry.get("Permissions", []))
        pending = [
            (job, PermissionEntry(job.grant.principal_arn, _link_resource(step), ["DESCRIBE"]))
            for job, step in steps
            if "DESCRIBE" not in held.get((job.grant.principal_arn, f"{step.database}.{step.link}"), set())
        ]
        self._batch_grant(client, consumer, pending, failed)

    # --- revocations -----------------------------------------------------------------------------------

    def revoke(self, job: ProvisioningJob) -> dict[str, Any]:
        return self._remove(job, steps_from_json(job.plan))

    def undo(self, job: ProvisioningJob) -> dict[str, Any]:
        """Compensate a grant job that cannot complete: remove what its plan may have applied (the revoke plan
        of the same steps), keeping what other grants holding access still need. What was never applied
        costs one harmless call ("No permissions revoked" and a missing link count as gone)."""
        grant = job.grant
        applied = steps_from_json(job.plan)
        return self._remove(
            job, planning.build(grant, grantor_account_id=job.grantor_account_id, action="revoke", applied=applied)
        )

    def _remove(self, job: ProvisioningJob, steps: Sequence[PlanStep]) -> dict[str, Any]:
        """Remove the steps, then read back that what was removed is gone (raises ``AwsError`` while it is not);
        returns the evidence, with what was kept for other grants."""
        grant = job.grant
        observer = attempt_recorder(grants=[grant], job=job)
        others = Grant.objects.filter(status__in=Grant.HOLDING_STATUSES).exclude(pk=grant.pk)
        gone: list[tuple[str, str, dict[str, Any], list[str]]] = []  # account, principal, resource, permissions
        unlinked: list[tuple[str, str, str]] = []  # account, database, link
        kept: list[verify.Check] = []
        for step in steps:
            match step:
                case LfLinkDescribe():
                    if others.filter(principal_arn=grant.principal_arn, port=grant.port).exists():
                        kept.append(verify.kept(step.account_id, f"DESCRIBE on {step.database}.{step.link}"))
                        continue
                    lf.revoke(
                        registered_account_client("lakeformation", step.account_id),
                        account_id=step.account_id,
                        principal=grant.principal_arn,
                        resource=_link_resource(step),
                        permissions=["DESCRIBE"],
                        observer=observer,
                    )
                    gone.append((step.account_id, grant.principal_arn, _link_resource(step), ["DESCRIBE"]))
                case GlueUnlink():
                    if others.filter(consumer_account=grant.consumer_account, port=grant.port).exists():
                        kept.append(verify.kept(step.account_id, f"resource link {step.database}.{step.link}"))
                        continue
                    glue.delete_table(
                        registered_account_client("glue", step.account_id),
                        account_id=step.account_id,
                        database=step.database,
                        name=step.link,
                        observer=observer,
                    )
                    unlinked.append((step.account_id, step.database, step.link))
                case LfPermissions():
                    resource, permissions = self._what_to_revoke(step.entry, others, grantor=step.account_id)
                    if sorted(permissions) != sorted(step.entry.permissions) or resource != step.entry.resource:
                        kept.append(verify.kept(step.account_id, step.summary))
                    if permissions:
                        lf.revoke(
                            registered_account_client("lakeformation", step.account_id),
                            account_id=step.account_id,
                            principal=step.entry.principal,
                            resource=resource,
                            permissions=permissions,
                            observer=observer,
                        )
                        gone.append((step.account_id, step.entry.principal, resource, permissions))
                case _:
                    continue  # grant-only steps (RAM acceptance, link creation) have nothing to undo
        checks = verify.verify_removed(gone=gone, unlinked=unlinked, observer=observer)
        not_gone = [check.detail for check in checks if not check.ok]
        if not_gone:
            raise AwsError(
                code=ProvisioningErrorCode.NOT_YET_GONE,
                message="still in AWS after revoking: " + "; ".join(not_gone),
                operation="meshportal:verify",
                retryable=True,
            )
        return verify.evidence([*checks, *kept])

    # --- settlement: read back that access is effective ----------------------------------------------------

    def verify(self, jobs: Sequence[ProvisioningJob]) -> tuple[dict[int, dict[str, Any]], Failures]:
        evidence: dict[int, dict[str, Any]] = {}
        failed: Failures = {}
        try:
            checks, failed = verify.verify_grants(jobs)
        except AwsError as error:
            return evidence, {job.pk: error for job in jobs}
        for job in jobs:
            if job.pk in failed:
                continue  # a read it needs failed: it waits for another try
            failing = [check.detail for check in checks[job.pk] if not check.ok]
            if failing:
                failed[job.pk] = AwsError(
                    code=ProvisioningErrorCode.NOT_YET_EFFECTIVE,
                    message="applied, but AWS does not show it yet: " + "; ".join(failing),
                    operation="meshportal:verify",
                    retryable=True,
                )
            else:
                evidence[job.pk] = {**verify.evidence(checks[job.pk]), "query": self._query_target(job)}
        return evidence, failed

    @staticmethod
    def _query_target(job: ProvisioningJob) -> dict[str, str]:
        """The name the consumer queries, as verified: the resource link in its account, or the table itself
        when the grant needs no link (same account)."""
        for step in steps_from_json(job.plan):
            if isinstance(step, GlueLink):
                return {"account_id": step.account_id, "database": step.database, "table": step.link}
        port = job.grant.port
        return {"account_id": port.catalog_id, "database": port.database_name, "table": port.table_name}

    def _what_to_revoke(self, entry: PermissionEntry, others: Any, *, grantor: str) -> tuple[dict[str, Any], list[str]]:
        """What to revoke of ``entry`` so that other live grants of the same principal keep what they rely on.
        Lake Formation merges column grants per principal and table: revoking one grant's columns keeps the
        columns another live grant still gives, and a table-wide SELECT of another grant keeps them all."""
        other_entries = [
            other_entry
            for other in others.filter(principal_arn=entry.principal).select_related("port", "product__domain")
            for other_entry in planning.grant_entries(other, grantor_account_id=grantor)
        ]
        if "TableWithColumns" not in entry.resource:
            needed: set[str] = set()
            for other_entry in other_entries:
                if lf.same_resource(other_entry.resource, entry.resource):
                    needed.update(other_entry.permissions)
            return entry.resource, sorted(set(entry.permissions) - needed)
        body = entry.resource["TableWithColumns"]
        table = (body["CatalogId"], body["DatabaseName"], body["Name"])
        columns = set(body.get("ColumnNames") or [])
        for other_entry in other_entries:
            kind, other_body = next(iter(other_entry.resource.items()))
            if (other_body.get("CatalogId"), other_body.get("DatabaseName"), other_body.get("Name")) != table:
                continue
            if "SELECT" not in other_entry.permissions:
                continue
            if kind == "Table":
                return entry.resource, []
            if kind == "TableWithColumns":
                columns -= set(other_body.get("ColumnNames") or [])
        if not columns:
            return entry.resource, []
        return {"TableWithColumns": dict(body, ColumnNames=sorted(columns))}, list(entry.permissions)

    # --- the live state, for the reconciler ------------------------------------------------------------

    def expected(self, grant: Any, *, grantor_account_id: str) -> list[HeldPermission]:
        held = []
        for entry in planning.grant_entries(grant, grantor_account_id=grantor_account_id):
            key, permissions, resource = comparable(entry.resource, entry.permissions)
            held.append(
                HeldPermission(
                    account_id=grantor_account_id,
                    principal=entry.principal,
                    resource_key=key,
                    resource=resource,
                    permissions=frozenset(permissions),
                )
            )
        return held

    def observe(self, *, account_id: str, managed: set[tuple[str, str]]) -> Iterator[HeldPermission]:
        client = registered_account_client("lakeformation", account_id)
        for entry in lf.iter_permissions(client, account_id=account_id):
            principal = entry["Principal"]["DataLakePrincipalIdentifier"]
            if principal in IGNORED_PRINCIPALS or not principal.startswith("arn:aws:iam::"):
                continue
            if not _in_scope(entry["Resource"], managed):
                continue
            key, permissions, resource = comparable(entry["Resource"], entry.get("Permissions", []))
            yield HeldPermission(
                account_id=account_id,
                principal=principal,
                resource_key=key,
                resource=resource,
                permissions=frozenset(permissions),
            )
