"""Computational governance: what a data product must satisfy before it is published.

The checklist is computed, never stored, so the product page, the API and ``product_publish`` always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from catalog.models import Classification, Column, DataProduct

MIN_PII_CLASSIFICATION = Classification.CONFIDENTIAL


@dataclass(frozen=True)
class Check:
    code: str
    label: str
    passed: bool
    detail: str = ""
    overridden: bool = False
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "passed": self.passed,
            "detail": self.detail,
            "overridden": self.overridden,
            "columns": self.columns,
        }


@dataclass(frozen=True)
class Checklist:
    checks: list[Check]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def errors(self) -> dict[str, list[str]]:
        return {c.code: [c.detail or c.label] for c in self.failures}

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "checks": [c.as_dict() for c in self.checks]}


def _sensitive_enough(value: str) -> bool:
    return Classification.rank(value) >= Classification.rank(MIN_PII_CLASSIFICATION)


def _table_mismatches(product: DataProduct, cols: Sequence[Column]) -> list[str]:
    """Ports whose table, as last read from Glue, has other columns than the product's schema: the policy and
    the PII checks must decide on the real table, never on a schema the producer typed (issue #12)."""
    schema = [(c.name, c.data_type) for c in cols]
    return [
        f"{port.database_name}.{port.table_name}"
        for port in product.output_ports.all()
        if port.table_fingerprint and [(c["name"], c["data_type"]) for c in port.table_columns] != schema
    ]


def governance_checklist(product: DataProduct, columns: Sequence[Column] | None = None) -> Checklist:
    """The publish checklist for ``product``. Pass ``columns`` when already loaded (no extra query)."""
    cols = list(columns) if columns is not None else list(product.columns.all())
    checks = [
        Check(
            "owner_team",
            "Has an owner team",
            product.owner_team_id is not None,
            "" if product.owner_team_id else "Choose the team that owns this product.",
        ),
        Check(
            "description",
            "Has a description",
            bool(product.summary.strip()),
            "" if product.summary.strip() else "Write a summary: one line on what the data is.",
        ),
        Check(
            "classification",
            "Has a classification",
            bool(product.classification),
            "" if product.classification else "Classify the product (public, internal, confidential, restricted).",
        ),
    ]
    unclassified = [c.name for c in cols if not c.classification]
    if not cols:
        checks.append(Check("schema", "Has a schema", False, "Add columns (harvest from Glue or import a contract)."))
    checks.append(
        Check(
            "columns_classified",
            "Every column is classified",
            not unclassified,
            f"Classify the column(s): {', '.join(unclassified)}." if unclassified else "",
            columns=unclassified,
        )
    )
    mismatched = _table_mismatches(product, cols)
    if mismatched:
        checks.append(
            Check(
                "schema_matches_table",
                "The schema is the table's, as read from Glue",
                False,
                f"The table {', '.join(mismatched)} has other columns than this schema: re-harvest it and apply "
                "the schema change.",
            )
        )
    pii = [c for c in cols if c.is_pii]
    weak_columns = [c.name for c in pii if not _sensitive_enough(c.classification)]
    weak_product = bool(pii) and not _sensitive_enough(product.classification)
    pii_ok = not weak_columns and not weak_product
    if pii_ok:
        detail = f"{len(pii)} PII column(s), all confidential or higher." if pii else "No PII found."
        checks.append(
            Check("pii", "PII is classified confidential or higher", True, detail, columns=[c.name for c in pii])
        )
    elif product.pii_override_reason:
        by = product.pii_override_by.username if product.pii_override_by else "a steward"
        checks.append(
            Check(
                "pii",
                "PII is classified confidential or higher",
                True,
                f"Overridden by {by}: {product.pii_override_reason}",
                overridden=True,
                columns=weak_columns,
            )
        )
    else:
        parts = []
        if weak_product:
            parts.append("the product holds PII, so classify it confidential or restricted")
        if weak_columns:
            parts.append(f"classify the PII column(s) {', '.join(weak_columns)} confidential or restricted")
        checks.append(
            Check(
                "pii",
                "PII is classified confidential or higher",
                False,
                "; ".join(parts).capitalize() + " (or ask a domain steward to override, with a reason).",
                columns=weak_columns,
            )
        )
    return Checklist(checks)
