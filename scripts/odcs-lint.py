"""Lint many ODCS contracts with datacontract-cli in one process (run by the tools virtualenv's Python).

    .venv-tools/bin/python scripts/odcs-lint.py FILE...

Prints one JSON object: {file: [failed check, ...]} for every file whose lint is not green (``{}`` when all are),
and exits 3 when any is not (1 is a crash). Same checks as ``datacontract lint --no-inline-references FILE``
(references to other documents are not fetched: the lint must not depend on the network).
"""

from __future__ import annotations

import json
import sys

from datacontract.data_contract import DataContract

# Not 1, which a crash (an uncaught exception) exits with: the caller tells a failed lint from a broken tool.
LINT_FAILED = 3


def main(paths: list[str]) -> int:
    failures: dict[str, list[str]] = {}
    for path in paths:
        run = DataContract(data_contract_file=path, inline_references=False).lint()
        # Warnings (e.g. a deprecated field the contract's own version still defines) do not fail a lint.
        bad = [f"{c.name}: {c.reason}" for c in run.checks if str(c.result.value) not in {"passed", "warning"}]
        if bad:
            failures[path] = bad
    sys.stdout.write(json.dumps(failures, indent=2) + "\n")
    return LINT_FAILED if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
