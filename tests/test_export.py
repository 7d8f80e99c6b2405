"""CSV exports of PDF text are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io

from pipeline.export import write_csv


def test_formula_like_cells_are_neutralised_and_numbers_kept() -> None:
    rows = [
        {"model": '=HYPERLINK("http://evil","x")', "value": "-0.5", "evidence": "@SUM(A1)"},
        {"model": "ResNet-50", "value": "76.1", "evidence": "+cmd|' /C calc'!A0"},
    ]
    out = io.StringIO()
    assert write_csv(rows, out, ("model", "value", "evidence")) == 2
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert parsed[0] == {
        "model": '\'=HYPERLINK("http://evil","x")',
        "value": "-0.5",
        "evidence": "'@SUM(A1)",
    }
    assert parsed[1]["model"] == "ResNet-50" and parsed[1]["evidence"].startswith("'+")
