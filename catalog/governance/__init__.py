"""Computational governance for data products: the publish checklist and the PII scan."""

from catalog.governance.checklist import Check, Checklist, governance_checklist
from catalog.governance.pii import PiiFinding, scan_column

__all__ = ["Check", "Checklist", "PiiFinding", "governance_checklist", "scan_column"]
