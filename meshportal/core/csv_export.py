"""CSV for people who open it in a spreadsheet: every CSV the portal writes goes through ``csv_writer``.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (CSV injection: ``=HYPERLINK(...)`` typed as a user name runs in the auditor's
spreadsheet). Such text cells get a leading single quote, as OWASP recommends
(https://owasp.org/www-community/attacks/CSV_Injection). Numbers stay numbers: only ``str`` values are touched,
so ``-5`` written from an int is still ``-5``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, s: str, /) -> Any: ...


def neutralise_cell(value: Any) -> Any:
    """The value as it must be written: text that a spreadsheet would run as a formula gets a ``'`` prefix."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """``csv.writer`` with every cell passed through ``neutralise_cell``."""

    def __init__(self, stream: _Writable, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream: _Writable, **options: Any) -> SafeCsvWriter:
    return SafeCsvWriter(stream, **options)
