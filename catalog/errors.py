"""The stable ``code`` of every domain error the catalog raises (the API returns it; clients branch on it).

Services raise ``DomainError`` subclasses with ``code=CatalogErrorCode.<MEMBER>``, never a free string; a
gate test (tests/gates/test_error_codes.py) keeps it so. The values are part of the API: never change one.
"""

from __future__ import annotations

from enum import StrEnum, unique


@unique
class CatalogErrorCode(StrEnum):
    DATABASE_NOT_CLAIMED = "database_not_claimed"
    DATABASE_OF_ANOTHER_TEAM = "database_of_another_team"
    DUPLICATE_CONTRACT_ID = "duplicate_contract_id"
    DUPLICATE_DOMAIN = "duplicate_domain"
    DUPLICATE_PORT = "duplicate_port"
    DUPLICATE_SLUG = "duplicate_slug"
    GLUE_DATABASE_NOT_FOUND = "glue_database_not_found"
    GLUE_TABLE_NOT_FOUND = "glue_table_not_found"
    GLUE_UNAVAILABLE = "glue_unavailable"
    GOVERNANCE_FAILED = "governance_failed"
    INVALID_CONTRACT = "invalid_contract"
    INVALID_TRANSITION = "invalid_transition"
    NOT_A_PRODUCER_ACCOUNT = "not_a_producer_account"
    PRODUCT_RETIRED = "product_retired"
    PROPOSAL_DECIDED = "proposal_decided"
    TABLE_ALREADY_PUBLISHED = "table_already_published"
    UNKNOWN_DOMAIN = "unknown_domain"
    UNKNOWN_TEAM = "unknown_team"
