"""Importing ODCS contracts: validate everything first, then create or update the product in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from catalog import permissions
from catalog.contracts import ContractInvalid, contract_to_data, parse_contract
from catalog.errors import CatalogErrorCode
from catalog.models import DataContract, DataProduct, Domain
from catalog.search import refresh_product_search
from catalog.services.products import product_create, product_update
from catalog.services.schema import columns_replace
from meshportal.audit.events import EventType
from meshportal.audit.services import audit_record
from meshportal.core.errors import Conflict, ValidationFailed
from meshportal.identity import roles
from meshportal.identity.actors import Actor
from meshportal.identity.models import Team, User


@dataclass(frozen=True)
class ContractImport:
    product: DataProduct
    contract: DataContract
    created: bool
    schema_diff: dict[str, list]


def _domain(ref: str) -> Domain | None:
    if not ref:
        return None
    domain = Domain.objects.filter(Q(slug=ref) | Q(name__iexact=ref)).first()
    if domain is None:
        raise ValidationFailed(
            f"Unknown domain {ref!r} in the contract.",
            errors={"domain": [f"No domain {ref!r}: use the slug or name of an existing domain."]},
            code=CatalogErrorCode.UNKNOWN_DOMAIN,
        )
    return domain


def _team(ref: str) -> Team | None:
    if not ref:
        return None
    team = Team.objects.filter(Q(slug=ref) | Q(name__iexact=ref)).first()
    if team is None:
        raise ValidationFailed(
            f"Unknown team {ref!r} in the contract.",
            errors={"team": [f"No team {ref!r}: use the slug or name of an existing team."]},
            code=CatalogErrorCode.UNKNOWN_TEAM,
        )
    return team


@transaction.atomic
def contract_import(
    *,
    actor: Actor,
    yaml_text: str,
    product: DataProduct | None = None,
    domain: Domain | None = None,
    owner_team: Team | None = None,
) -> ContractImport:
    """Create or update a data product and its schema from an ODCS v3 YAML contract, and store the contract.

    With ``product`` the contract updates that product; otherwise the contract's ``id`` (or name) picks the
    product by slug, creating a draft when there is none. ``domain`` and ``owner_team`` are used when the
    contract does not name them. Any problem raises ``ValidationFailed`` listing every issue; nothing changes.
    """
    try:
        doc = parse_contract(yaml_text)
        data = contract_to_data(doc)
    except ContractInvalid as exc:
        raise ValidationFailed(exc.detail, errors=exc.errors, code=CatalogErrorCode.INVALID_CONTRACT) from exc
    contract_domain = _domain(data.domain_ref) or domain
    contract_team = _team(data.team_ref) or owner_team
    if product is None:
        product = DataProduct.objects.filter(slug=data.slug).first()
        if product is not None and not permissions.can_view(actor, product):
            # Another team's draft does not exist for this actor: carry on as for a new slug, whose creation
            # answers as it does for any taken slug (slugs are global and never reused).
            product = None
        elif product is not None and not permissions.can_edit(actor, product):
            raise Conflict(
                f"The slug {data.slug!r} belongs to another team's data product; change the contract's id.",
                code=CatalogErrorCode.DUPLICATE_SLUG,
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
            slug=data.slug,
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
        after={"version": data.version, "odcs": data.api_version, "created": created, **diff},
    )
    return ContractImport(product=product, contract=contract, created=created, schema_diff=diff)
