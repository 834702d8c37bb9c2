from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from meshportal.core.csv_export import csv_writer, neutralise_cell


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("https://evil.example","x")'],
)
def test_text_a_spreadsheet_would_run_gets_a_quote(text):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["plain", "a=b", "", " =1", None, -5, -1.5, Decimal("-2.50"), 0])
def test_everything_else_is_written_as_it_is(value):
    assert neutralise_cell(value) == value


def test_writer_neutralises_text_cells_and_keeps_negative_numbers():
    buffer = io.StringIO()
    csv_writer(buffer).writerow(["=cmd|' /C calc'!A0", -42, "-42", Decimal("-1.5")])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["'=cmd|' /C calc'!A0", "-42", "'-42", "-1.5"]
