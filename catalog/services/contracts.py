"""Importing ODCS contracts: validate everything first, then create or update the product in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Q

from catalog import permissions
from catalog.contracts import ContractData, ContractInvalid, contract_to_data, parse_contract
from catalog.errors import CatalogErrorCode
from catalog.models import DataContract, DataProduct, Domain
from catalog.search import refresh_product_search
from catalog.services.ports import port_create
from catalog.services.products import product_create, product_update
from catalog.services.schema import columns_replace
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.aws.models import AwsAccount
from meshportal.core.errors import Conflict, DomainError, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User


class PortOutcome(StrEnum):
    """What an import did about a contract table's output port (part of the API: never change a value)."""

    CREATED = "created"
    EXISTING = "existing"
    NONE = "none"


@dataclass(frozen=True)
class TableOutcome:
    """What became of one ``schema`` object of the contract: its output port, or why it has none."""

    table: str
    outcome: PortOutcome
    port: str = ""
    detail: str = ""


@dataclass(frozen=True)
class ContractImport:
    product: DataProduct
    contract: DataContract
    created: bool
    schema_diff: dict[str, list]
    tables: list[TableOutcome] = field(default_factory=list)


def _unknown(kind: str, ref: str) -> ValidationFailed:
    code = CatalogErrorCode.UNKNOWN_DOMAIN if kind == "domain" else CatalogErrorCode.UNKNOWN_TEAM
    field_name = "domain" if kind == "domain" else "owner_team"
    return ValidationFailed(
        f"The contract names the {kind} {ref!r}, which MeshPortal does not have: choose the {kind} to use instead.",
        errors={field_name: [f"No {kind} {ref!r}: choose one to map the contract's {kind} to."]},
        code=code,
    )


def _domain(ref: str) -> Domain | None:
    if not ref:
        return None
    domain = Domain.objects.filter(Q(slug=ref) | Q(name__iexact=ref)).first()
    if domain is None:
        raise _unknown("domain", ref)
    return domain


def _team(ref: str) -> Team | None:
    if not ref:
        return None
    team = Team.objects.filter(Q(slug=ref) | Q(name__iexact=ref)).first()
    if team is None:
        raise _unknown("team", ref)
    return team


def _new_slug(data: ContractData) -> str:
    """The contract's id when it is a slug (taken, it answers as any taken slug does); otherwise the name's
    slug, made unique with a short hash of the contract id so two contracts with the same name become two
    products."""
    if data.slug == data.contract_id or not DataProduct.objects.filter(slug=data.slug).exists():
        return data.slug
    digest = hashlib.sha256(data.contract_id.encode()).hexdigest()[:8]
    return f"{data.slug[:111].rstrip('-')}-{digest}"


def _existing_product(actor: Actor, data: ContractData) -> DataProduct | None:
    """The product this contract id was imported into, if the actor may change it."""
    product = DataProduct.objects.filter(contract_id=data.contract_id).first()
    if product is None and data.slug == data.contract_id:
        # Products imported before contract ids were kept: the contract's slug-like id was their slug.
        product = DataProduct.objects.filter(slug=data.slug, contract_id__isnull=True).first()
    if product is not None and product.contract_id is None and not permissions.can_view(actor, product):
        # Another team's draft does not exist for this actor: carry on as for a new contract (whose creation
        # answers as any taken slug does: slugs are global and never reused).
        return None
    if product is not None and not permissions.can_edit(actor, product):
        raise Conflict(
            f"The contract id {data.contract_id!r} belongs to another team's data product; a contract with a "
            "different id makes a new product.",
            code=CatalogErrorCode.DUPLICATE_CONTRACT_ID,
        )
    return product


def _glue_server(doc: dict[str, Any]) -> tuple[AwsAccount, dict[str, Any]] | None:
    """The contract's first Glue server in a registered, active producer account."""
    for server in doc.get("servers") or []:
        if not isinstance(server, dict) or server.get("type") != "glue" or not server.get("database"):
            continue
        account = AwsAccount.objects.filter(
            account_id=str(server.get("account") or ""), is_active=True, role=AwsAccount.Role.PRODUCER
        ).first()
        if account is not None:
            return account, server
    return None


def _ports_for_tables(
    *, actor: Actor, product: DataProduct, doc: dict[str, Any], data: ContractData
) -> list[TableOutcome]:
    """One output port per table of the contract, where the contract says where the table lives."""
    if not data.tables:
        return []
    found = _glue_server(doc)
    existing = set(product.output_ports.values_list("name", flat=True))
    outcomes = []
    for table in data.tables:
        name = (table.name or table.physical_name)[:120]
        if name in existing:
            outcomes.append(TableOutcome(table=table.name, port=name, outcome=PortOutcome.EXISTING))
        elif found is None:
            outcomes.append(
                TableOutcome(
                    table=table.name,
                    outcome=PortOutcome.NONE,
                    detail="No output port: the contract names no Glue server (type glue, with account and "
                    "database) in a registered producer account. Add the port on the product page.",
                )
            )
        elif table.physical_type not in {"", "table", "view"}:
            outcomes.append(
                TableOutcome(
                    table=table.name,
                    outcome=PortOutcome.NONE,
                    detail=f"No output port: a {table.physical_type!r} is not a Glue table.",
                )
            )
        else:
            account, server = found
            try:
                # A savepoint per table: a port the rules refuse (a database the team does not own, a table
                # Glue does not hold, one another product publishes) is that table's outcome, not the import's.
                with transaction.atomic():
                    port = port_create(
                        actor=actor,
                        product=product,
                        aws_account=account,
                        name=name,
                        database_name=str(server["database"])[:255],
                        table_name=table.physical_name[:255],
                        s3_location=str(server.get("location") or "")[:1024],
                    )
            except DomainError as exc:
                outcomes.append(
                    TableOutcome(table=table.name, outcome=PortOutcome.NONE, detail=f"No output port: {exc.detail}")
                )
                continue
            existing.add(port.name)
            outcomes.append(TableOutcome(table=table.name, port=port.name, outcome=PortOutcome.CREATED))
    return outcomes


@transaction.atomic
def contract_import(
    *,
    actor: Actor,
    yaml_text: str,
    product: DataProduct | None = None,
    domain: Domain | None = None,
    owner_team: Team | None = None,
) -> ContractImport:
    """Create or update a data product, its schema and its output ports from an ODCS v3 YAML contract, and store
    the contract as it was written (exports merge what the portal owns back into it).

    With ``product`` the contract updates that product; otherwise the contract's ``id`` picks the product it was
    imported into before, creating a draft when there is none. ``domain`` and ``owner_team`` map the contract's
    own domain and team (they win over the names in the contract, which then need not exist in MeshPortal).
    Each table (``schema`` object) gets an output port where the contract names a Glue server in a registered
    producer account; ``tables`` says per table what happened. Any problem raises ``ValidationFailed`` listing
    every issue; nothing changes.
    """
    try:
        doc = parse_contract(yaml_text)
        data = contract_to_data(doc)
    except ContractInvalid as exc:
        raise ValidationFailed(exc.detail, errors=exc.errors, code=CatalogErrorCode.INVALID_CONTRACT) from exc
    contract_domain = domain or _domain(data.domain_ref)
    contract_team = owner_team or _team(data.team_ref)
    if product is None:
        product = _existing_product(actor, data)
    elif product.contract_id not in (None, data.contract_id):
        raise Conflict(
            f"This product holds the contract {product.contract_id!r}; this contract's id is {data.contract_id!r}. "
            "Import it without choosing a product to make a new one.",
            code=CatalogErrorCode.DUPLICATE_CONTRACT_ID,
        )
    elif DataProduct.objects.filter(contract_id=data.contract_id).exclude(pk=product.pk).exists():
        raise Conflict(
            f"The contract id {data.contract_id!r} already belongs to another data product.",
            code=CatalogErrorCode.DUPLICATE_CONTRACT_ID,
        )
    fields: dict[str, Any] = {
        "name": data.name,
        "summary": data.summary,
        "documentation": data.documentation,
        "terms_of_use": data.terms_of_use,
        "version": data.version,
        "tags": data.tags,
    }
    if data.classification:
        fields["classification"] = data.classification
    if data.criticality:
        fields["criticality"] = data.criticality
    if data.freshness_slo_hours is not None:
        fields["freshness_slo_hours"] = data.freshness_slo_hours
    if data.availability_slo is not None:
        fields["availability_slo"] = data.availability_slo
    created = product is None
    if product is None:
        if contract_domain is None:
            raise ValidationFailed(
                "Say which domain the product belongs to: set `domain` in the contract or choose one.",
                errors={"domain": ["Required for a new data product."]},
            )
        if contract_team is None:
            teams = roles.team_ids(actor)
            contract_team = Team.objects.get(pk=next(iter(teams))) if len(teams) == 1 else None
        product = product_create(
            actor=actor,
            slug=_new_slug(data),
            domain=contract_domain,
            owner_team=contract_team,
            columns=data.columns,
            **fields,
        )
        diff: dict[str, list] = {"added": [c["name"] for c in data.columns], "removed": [], "changed": []}
    else:
        if contract_domain is not None and contract_domain.pk != product.domain_id:
            fields["domain"] = contract_domain
        if contract_team is not None and contract_team.pk != product.owner_team_id:
            fields["owner_team"] = contract_team
        product = product_update(actor=actor, product=product, **fields)
        diff = (
            columns_replace(product=product, columns=data.columns)
            if data.columns
            else {"added": [], "removed": [], "changed": []}
        )
        if any(diff.values()):
            audit_record(
                actor=actor,
                event_type=EventType.SCHEMA_CHANGED,
                obj=product,
                product_id=product.pk,
                after={**diff, "source": "contract"},
            )
            refresh_product_search(product)
    if product.contract_id != data.contract_id:
        DataProduct.objects.filter(pk=product.pk).update(contract_id=data.contract_id)
        product.contract_id = data.contract_id
    tables = _ports_for_tables(actor=actor, product=product, doc=doc, data=data)
    contract = DataContract.objects.create(
        product=product,
        version=data.version,
        odcs_version=data.api_version,
        yaml_text=yaml_text,
        imported_by=actor if isinstance(actor, User) else None,
    )
    audit_record(
        actor=actor,
        event_type=EventType.CONTRACT_IMPORTED,
        obj=product,
        product_id=product.pk,
        after={
            "version": data.version,
            "odcs": data.api_version,
            "contract_id": data.contract_id,
            "created": created,
            **diff,
            "tables": [{"table": t.table, "port": t.port, "outcome": t.outcome} for t in tables],
        },
    )
    return ContractImport(product=product, contract=contract, created=created, schema_diff=diff, tables=tables)
