"""The stable ``code`` of every domain error the catalog raises (the API returns it; clients branch on it).

Services raise ``DomainError`` subclasses with ``code=CatalogErrorCode.<MEMBER>``, never a free string; a
gate test (tests/gates/test_error_codes.py) keeps it so. The values are part of the API: never change one.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class CatalogErrorCode(StrEnum):
    DUPLICATE_CONTRACT_ID = "duplicate_contract_id"
    DUPLICATE_DOMAIN = "duplicate_domain"
    DUPLICATE_PORT = "duplicate_port"
    DUPLICATE_SLUG = "duplicate_slug"
    GOVERNANCE_FAILED = "governance_failed"
    INVALID_CONTRACT = "invalid_contract"
    INVALID_TRANSITION = "invalid_transition"
    NOT_A_PRODUCER_ACCOUNT = "not_a_producer_account"
    PRODUCT_RETIRED = "product_retired"
    PROPOSAL_DECIDED = "proposal_decided"
    UNKNOWN_DOMAIN = "unknown_domain"
    UNKNOWN_TEAM = "unknown_team"
