"""``ctrends observations``: the rows the fits use, in every format, with how values were got."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from db.models import Fact, Paper
from db.session import session_scope
from tests.test_analysis_cli import imported, invoke  # noqa: F401  (fixture)

FIELDS = ("arxiv_id", "benchmark", "metric", "model", "score", "error", "parameters",
          "ops_forward_pass", "network_operations", "hardware_burden", "training_time_sec",
          "fact_ids", "confidence", "obtained")  # fmt: skip


def _extracted_paper() -> None:
    with session_scope() as session:
        paper = Paper(arxiv_id="1512.03385", version=1, source="local", status="extracted",
                      published=datetime(2015, 12, 10, tzinfo=UTC))  # fmt: skip
        session.add(paper)
        session.flush()
        common = {"paper_id": paper.id, "extractor": "t", "extractor_version": "1",
                  "status": "accepted", "page": 1}  # fmt: skip
        session.add_all([
            Fact(fact_key="a", kind="result", benchmark="imagenet", metric="top1",
                 model="ResNet-152 (val)", value="78.57", error=0.2143, confidence=0.9, **common),
            Fact(fact_key="b", kind="flops", model="152-layer ResNet", value="11.3",
                 normalized=22.6e9, **common),
            Fact(fact_key="c", kind="hardware", value="8", accelerator="V100", count=8,
                 count_unit="gpu", **common),
            Fact(fact_key="d", kind="training_time", value="3 days", normalized=259200.0,
                 **common),
        ])  # fmt: skip


def test_observations_in_every_format(imported: object) -> None:  # noqa: F811
    _extracted_paper()
    invoke("fit")
    rows = json.loads(invoke("observations", "--source", "extracted", "--format", "json"))
    (row,) = rows
    assert set(FIELDS) <= set(row)
    assert row["ops_forward_pass"] == 22.6e9 and row["obtained"]["ops_forward_pass"].startswith(
        "stated (name alignment"
    )
    assert "no utilisation factor" in row["obtained"]["hardware_burden"]
    assert row["hardware_burden"] == 8 * 14.1e12 * 259200.0
    lines = invoke("observations", "--benchmark", "imagenet", "--format", "jsonl").splitlines()
    assert len(lines) > 1 and {json.loads(line)["source"] for line in lines} == {
        "extracted",
        "futuretech",
    }
    table = list(csv.DictReader(io.StringIO(invoke("observations", "-f", "csv"))))
    assert len(table) == len(lines)
    (mine,) = [r for r in table if r["source"] == "extracted"]
    assert json.loads(mine["fact_ids"]) == row["fact_ids"]
    assert "observations (" in invoke("observations", "--source", "futuretech")
