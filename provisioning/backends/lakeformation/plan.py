"""The Lake Formation grant plan: the AWS steps that make (or remove) one grant, computed before running and
shown to people while it runs. Pure functions of the grant, its port and the account registry.

Cross-account grants follow Lake Formation cross-account version 3: the grantor grants to the consumer's
IAM role directly (https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-notes.html); AWS
RAM shares the resource with the consumer account, which accepts the invitation unless both accounts are
in one organization (https://docs.aws.amazon.com/lake-formation/latest/dg/cross-account-permissions.html);
the consumer reaches the table through a resource link in its own catalog
(https://docs.aws.amazon.com/lake-formation/latest/dg/resource-links-about.html).

Under the central and line-of-business models the grantor is a central account, which can only grant on
entries of its own catalog (a resource shared with it may only be re-granted to its own principals:
https://docs.aws.amazon.com/lake-formation/latest/dg/cross-data-sharing-lf.html). The port's table is then
registered there first (``provisioning/registration.py``) and every grant names that central entry, or, for
an LF-tag port, the port's LF-tag expression in the central catalog, whose tags the registration attached
to the entry.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from meshportal.aws.gateway import lakeformation as lf
from meshportal.aws.models import AwsAccount
from provisioning.backends.base import PlanStep
from provisioning.backends.lakeformation.steps import (
    GlueLink,
    GlueUnlink,
    LfLinkDescribe,
    LfPermissions,
    PermissionEntry,
    RamAccept,
)


def link_database_name(domain_slug: str) -> str:
    """The per-domain database in the consumer account that holds the resource links."""
    return "mesh_" + re.sub(r"[^a-z0-9_]", "_", domain_slug.lower())


def link_table_name(database: str, table: str) -> str:
    return re.sub(r"[^a-z0-9_]", "_", f"{database}_{table}".lower())[:255]


def central_database_name(domain_slug: str) -> str:
    """The per-domain database in a central account's catalog that holds the registered tables."""
    return link_database_name(domain_slug)


@dataclass(frozen=True)
class CatalogEntry:
    """Where a grant's table lives in the grantor's catalog."""

    catalog_id: str
    database: str
    table: str

    def as_target(self) -> dict[str, str]:
        return {"CatalogId": self.catalog_id, "DatabaseName": self.database, "Name": self.table}


def catalog_entry(port: Any, *, domain_slug: str, grantor_account_id: str | None = None) -> CatalogEntry:
    """The port's own table when its account grants (federated), else its registered entry in the grantor's
    (central) catalog: ``mesh_<domain>.<database>_<table>``."""
    if grantor_account_id is None or grantor_account_id == port.catalog_id:
        return CatalogEntry(port.catalog_id, port.database_name, port.table_name)
    return CatalogEntry(
        grantor_account_id,
        central_database_name(domain_slug),
        link_table_name(port.database_name, port.table_name),
    )


def _same_org(a: str, b: str, orgs: dict[str, str]) -> bool:
    return bool(orgs.get(a)) and orgs.get(a) == orgs.get(b)


def grant_entries(grant: Any, *, grantor_account_id: str | None = None) -> list[PermissionEntry]:
    """The Lake Formation permission entries the grantor makes for a grant (DESCRIBE on the database,
    then the table, its columns, or an LF-tag expression), on the entry in the grantor's catalog."""
    port = grant.port
    where = catalog_entry(port, domain_slug=grant.product.domain.slug, grantor_account_id=grantor_account_id)
    principal = grant.principal_arn
    perms = sorted(set(grant.permissions) or {"SELECT", "DESCRIBE"})
    entries = [
        PermissionEntry(
            principal=principal,
            resource=lf.database_resource(where.catalog_id, where.database),
            permissions=["DESCRIBE"],
        )
    ]
    # On the grantor's own catalog: a central grantor's entry carries the port's LF-tags (registration.py).
    if port.grant_method == "lf_tags" and port.lf_tag_expression:
        entries.append(
            PermissionEntry(
                principal=principal,
                resource=lf.lf_tag_resource(where.catalog_id, port.lf_tag_expression),
                permissions=perms,
            )
        )
    elif grant.columns and "SELECT" in perms:
        # Column-level SELECT goes on TableWithColumns; DESCRIBE stays on the table.
        entries.append(
            PermissionEntry(
                principal=principal,
                resource=lf.columns_resource(where.catalog_id, where.database, where.table, grant.columns),
                permissions=["SELECT"],
            )
        )
        if "DESCRIBE" in perms:
            entries.append(
                PermissionEntry(
                    principal=principal,
                    resource=lf.table_resource(where.catalog_id, where.database, where.table),
                    permissions=["DESCRIBE"],
                )
            )
    else:
        entries.append(
            PermissionEntry(
                principal=principal,
                resource=lf.table_resource(where.catalog_id, where.database, where.table),
                permissions=perms,
            )
        )
    return entries


def build(
    grant: Any, *, grantor_account_id: str, action: str, applied: Sequence[PlanStep] | None = None
) -> list[PlanStep]:
    """The steps of a grant or revoke job. A revoke passes the steps that were ``applied``, so it removes
    exactly those even if the port changed since."""
    port = grant.port
    consumer = str(grant.consumer_account.account_id)
    orgs = dict(
        AwsAccount.objects.filter(account_id__in=[consumer, grantor_account_id, port.catalog_id]).values_list(
            "account_id", "organization_id"
        )
    )
    where = catalog_entry(port, domain_slug=grant.product.domain.slug, grantor_account_id=grantor_account_id)
    cross_account = consumer != where.catalog_id
    entries = (
        [step.entry for step in applied if isinstance(step, LfPermissions)]
        if applied is not None
        else grant_entries(grant, grantor_account_id=grantor_account_id)
    )
    verb = "Grant" if action == "grant" else "Revoke"
    grantor_steps: list[PlanStep] = []
    for entry in entries:
        kind, body = next(iter(entry.resource.items()))
        target = body.get("Name") or body.get("Expression")
        grantor_steps.append(
            LfPermissions(
                account_id=grantor_account_id,
                entry=entry,
                summary=f"{verb} {'+'.join(entry.permissions)} on {kind} {target} "
                f"to {grant.principal_arn} in Lake Formation of {grantor_account_id}",
            )
        )
    consumer_steps: list[PlanStep] = []
    if cross_account:
        link_db = link_database_name(grant.product.domain.slug)
        link = link_table_name(port.database_name, port.table_name)
        target = where.as_target()
        if applied is not None:  # a revocation removes the link that was made, wherever it pointed
            target = next((step.target for step in applied if isinstance(step, GlueLink)), target)
        if action == "grant" and not _same_org(consumer, grantor_account_id, orgs):
            consumer_steps.append(
                RamAccept(
                    account_id=consumer,
                    owner=grantor_account_id,
                    summary=f"Accept the AWS RAM invitation from {grantor_account_id} in {consumer}",
                )
            )
        if action == "grant":
            consumer_steps.append(
                GlueLink(
                    account_id=consumer,
                    database=link_db,
                    link=link,
                    target=target,
                    summary=f"Create resource link {link_db}.{link} → {where.catalog_id}:"
                    f"{where.database}.{where.table} in {consumer}",
                )
            )
        consumer_steps.append(
            LfLinkDescribe(
                account_id=consumer,
                database=link_db,
                link=link,
                summary=f"{verb} DESCRIBE on resource link {link_db}.{link} to {grant.principal_arn}",
            )
        )
        if action == "revoke":
            consumer_steps.append(
                GlueUnlink(
                    account_id=consumer,
                    database=link_db,
                    link=link,
                    target=target,
                    summary=f"Delete resource link {link_db}.{link} in {consumer} if no other grant uses it",
                )
            )
    if action == "revoke":
        # Undo in reverse: the consumer side first, then the grantor's permissions.
        return consumer_steps + list(reversed(grantor_steps))
    return grantor_steps + consumer_steps
