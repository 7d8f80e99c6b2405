"""The evaluation harness: gold items, matching rules, scores, and ``ctrends eval`` end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.evaluate import (
    GoldError,
    accelerator_family,
    devices,
    evaluate,
    gold_items,
    load_gold,
    matches,
)
from tests.fixtures.pdfs import Run, table_runs, write_pdf

ROW: dict[str, Any] = {
    "benchmark": "imagenet",
    "model": "Net-L",
    "scores": {"top1": 80.1, "top5": 95.0},
    "parameters": 40_200_000,
    "flops": None,
    "multiadds": 2_000_000_000,
    "training_time_sec": 259_200,
    "gpu": None,
    "gpu_count": None,
    "tpu": "TPU v3",
    "tpu_devices": 4,
    "evidence": {"top1": "p.3: Net-L 80.1"},
}
PAPER = {"arxiv_id": "2001.00001", "benchmarks": ["imagenet"], "rows": [ROW, dict(ROW)]}


def fact(**fields: Any) -> dict[str, Any]:
    return {"confidence": 0.8, **fields}


def test_gold_items_count_each_value_once() -> None:
    items = gold_items(PAPER)  # the duplicated row adds nothing
    assert sorted(i.field for i in items) == [
        "accelerator",
        "accelerator_count",
        "flops",
        "parameters",
        "results",
        "results",
        "training_time",
    ]
    top1 = next(i for i in items if i.metric == "top1")
    assert top1.evidence == "p.3: Net-L 80.1"


def item(field: str) -> Any:
    return next(i for i in gold_items(PAPER) if i.field == field)


def test_result_matching_within_six_hundredths_of_a_point() -> None:
    top1 = next(i for i in gold_items(PAPER) if i.metric == "top1")
    ok = fact(kind="result", benchmark="imagenet", metric="top1", error=0.1994)
    assert matches(top1, ok)
    assert not matches(top1, {**ok, "error": 0.1980})
    assert not matches(top1, {**ok, "metric": "top5"})
    assert not matches(top1, {**ok, "benchmark": "coco"})


def test_size_and_time_tolerances() -> None:
    assert matches(item("parameters"), fact(kind="parameters", normalized=41.0e6))  # 2%
    assert not matches(item("parameters"), fact(kind="parameters", normalized=42.0e6))  # 4.5%
    flops = item("flops")
    assert matches(flops, fact(kind="flops", normalized=2.0e9))  # multiply-adds x1
    assert matches(flops, fact(kind="flops", normalized=4.1e9))  # x2, within 5%
    assert not matches(flops, fact(kind="flops", normalized=3.0e9))
    time = item("training_time")
    assert matches(time, fact(kind="training_time", normalized=3 * 86400 * 1.09))
    assert not matches(time, fact(kind="training_time", normalized=3 * 86400 * 1.12))


def test_tpu_counts_compare_in_devices() -> None:
    count = item("accelerator_count")
    cores = fact(kind="hardware", accelerator="TPU v3", count=32, count_unit="tpu_core")
    chips = fact(kind="hardware", accelerator="TPU v3", count=16, count_unit="tpu_chip")
    assert devices(cores) == 4 and devices(chips) == 4
    assert matches(count, cores) and matches(count, chips)
    assert not matches(count, {**cores, "count": 8})
    assert not matches(count, {**cores, "accelerator": "TPU v2"})
    assert matches(item("accelerator"), cores)


def test_accelerator_families() -> None:
    assert accelerator_family("NVIDIA Tesla V100-SXM2 32GB") == accelerator_family("V100")
    assert accelerator_family("Titan X") != accelerator_family("Titan Xp")
    gold = {**ROW, "tpu": None, "tpu_devices": None, "gpu": "K40m/K80", "gpu_count": 4}
    paper = {**PAPER, "rows": [gold]}
    accelerator = next(i for i in gold_items(paper) if i.field == "accelerator")
    assert matches(accelerator, fact(kind="hardware", accelerator="K80"))


def test_evaluate_scores_recall_detection_headline_and_noise() -> None:
    facts = {
        "2001.00001": [
            fact(kind="result", benchmark="imagenet", metric="top1", error=0.199, confidence=0.9),
            fact(kind="result", benchmark="imagenet", metric="top5", error=0.10, confidence=0.5),
            fact(kind="result", benchmark="coco", metric="box_ap", error=0.6, confidence=0.7),
            fact(kind="parameters", normalized=40.2e6),
        ]
    }
    result = evaluate({"2001.00001": PAPER}, facts)
    assert result.fields["results"].found == 1 and result.fields["results"].total == 2
    assert result.fields["parameters"].recall == 1.0
    assert result.fields["flops"].recall == 0.0
    assert result.results_by_metric["imagenet/top5"].recall == 0.0
    assert result.benchmark_precision == 0.5 and result.benchmark_recall == 1.0
    assert (result.headline.found, result.headline.total) == (1, 1)
    assert result.candidates_per_paper["result"]["mean"] == 3
    assert {m.field for m in result.misses} >= {"flops", "training_time"}
    as_json = json.loads(json.dumps(result.to_dict()))
    assert as_json["fields"]["results"]["recall"] == 0.5


def test_headline_miss_when_the_most_confident_result_is_wrong() -> None:
    facts = {
        "2001.00001": [
            fact(kind="result", benchmark="imagenet", metric="top1", error=0.199, confidence=0.4),
            fact(kind="result", benchmark="imagenet", metric="top1", error=0.30, confidence=0.9),
        ]
    }
    result = evaluate({"2001.00001": PAPER}, facts)
    assert result.fields["results"].found == 1
    assert result.headline.found == 0
    assert result.headline_misses[0]["top"]["confidence"] == 0.9


def test_missing_or_broken_gold_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GoldError, match=r"gold\.jsonl"):
        load_gold(tmp_path)
    (tmp_path / "gold.jsonl").write_text('{"arxiv_id": "1"}\nnot json\n')
    with pytest.raises(GoldError, match=":2:"):
        load_gold(tmp_path)


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "pdfs").mkdir(parents=True)
    rows = [
        ["Model", "Params", "Top-1 err.", "Top-5 err."],
        ["ResNet-50 [12]", "25.6M", "23.9", "7.1"],
        ["Net-S", "12.1M", "22.0", "6.0"],
        ["Net-L", "40.2M", "19.9", "5.0"],
    ]
    runs = [Run(60, 60, "Net: a network for ImageNet classification", 14)]
    runs += [Run(60, 100, "Table 2: Error rates (%) on ImageNet validation.", 9)]
    runs += table_runs(60, 120, rows, [0, 90, 140, 200])
    write_pdf(corpus / "pdfs" / "2001.00001.pdf", [runs])
    (corpus / "pdfs" / "2001.00002.pdf").write_bytes(b"not a pdf at all")
    gold = [PAPER, {"arxiv_id": "2001.00002", "benchmarks": [], "rows": []}]
    (corpus / "gold.jsonl").write_text("\n".join(json.dumps(g) for g in gold) + "\n")
    return corpus


def test_eval_command_extracts_through_a_throwaway_database(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "data" / "ctrends.sqlite"
    monkeypatch.setenv("CTRENDS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CTRENDS_DATABASE_URL", f"sqlite:///{database}")
    result = CliRunner().invoke(app, ["eval", "--corpus", str(tiny_corpus), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["papers"] == 2
    assert report["fields"]["results"] == {"found": 2, "total": 2, "recall": 1.0}
    assert report["fields"]["parameters"]["found"] == 1
    assert report["headline_accuracy"]["correct"] == 1
    assert "2001.00002" in report["failures"]
    assert not database.exists()  # the configured database is never touched


def test_eval_command_without_gold_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "pdfs").mkdir()
    result = CliRunner().invoke(app, ["eval", "--corpus", str(tmp_path)])
    assert result.exit_code != 0
    assert "gold.jsonl" in str(result.exception) or "gold.jsonl" in result.output


def test_eval_reports_no_learned_figures_for_a_corpus_too_small_to_cross_validate(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_DATA_DIR", str(tmp_path / "data"))
    todo = tmp_path / "rows-to-label.jsonl"
    result = CliRunner().invoke(
        app, ["eval", "--corpus", str(tiny_corpus), "--json", "--unlabelled-rows", str(todo)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["confidence"] is None and report["row_confidence"] is None
    assert (
        todo.read_text(encoding="utf-8") == ""
    )  # too few papers to cross-validate rows: none listed


def test_train_confidence_on_too_little_data_is_a_one_line_error_and_writes_nothing(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CTRENDS_DATA_DIR", str(tmp_path / "data"))
    output, rows = tmp_path / "model.json", tmp_path / "rows.json"
    args = ["train-confidence", "--corpus", str(tiny_corpus), "--output", str(output)]
    result = CliRunner().invoke(app, [*args, "--rows-output", str(rows)])
    assert result.exit_code != 0
    assert "two papers" in str(result.exception) or "two papers" in result.output
    assert not output.exists() and not rows.exists()
