"""CSV exports of PDF text are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

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


def test_the_fact_fields_are_the_contracts_in_its_order() -> None:
    """The export contract (README) is an interface: derived from the store's field list, it
    must still come out as documented, field for field."""
    from pipeline.export import FACT_FIELDS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    contract = readme.split("### Export contract", 1)[1].split("\n## ", 1)[0]
    for name in FACT_FIELDS:
        assert f"`{name}`" in contract, f"{name} is exported but not in the README's contract"
    assert FACT_FIELDS == (
        "id", "arxiv_id", "arxiv_version", "kind", "benchmark", "metric", "model", "value",
        "unit", "error", "normalized", "flops_kind", "accelerator", "count", "count_unit",
        "page", "evidence", "confidence", "status", "extractor", "extractor_version",
    )  # fmt: skip
