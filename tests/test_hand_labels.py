"""Hand labels: loading and validation, finding labels again among facts, precision, reliability."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.hand_labels import (
    CELL_KINDS,
    REQUIRED_FIELDS,
    CellLabels,
    HandLabel,
    HandLabelError,
    Judged,
    judged_at_labelling,
    judged_now,
    load_labels,
    main,
    match_labels,
    precision,
    precision_by,
    precision_table,
    reliability,
)

LABELS_DIR = Path(__file__).resolve().parent / "data" / "hand-labels"
KINDS = {"result", "parameters", "flops", "hardware", "training_time"}


def _label(**overrides: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "arxiv_id": "1512.03385",
        "page": 6,
        "kind": "result",
        "benchmark": "imagenet",
        "metric": "top1",
        "model": "ResNet-152",
        "value": "21.43",
        "unit": "%",
        "normalized": None,
        "error": 0.2143,
        "confidence": 0.93,
        "extractor": "results",
        "extractor_version": "4",
        "rule": "table",
        "label": "right",
        "reason": "ok",
        "quote": "ResNet-152 21.43 5.71",
        "note": "",
        "labelled_by": "test",
        "labelled_at": "2026-12-01",
    }
    line.update(overrides)
    return line


def _write(tmp_path: Path, lines: list[dict[str, Any]], name: str = "dev.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _labels(tmp_path: Path, *lines: dict[str, Any]) -> list[HandLabel]:
    return load_labels(_write(tmp_path, list(lines)))


def _fact(**overrides: Any) -> dict[str, Any]:
    fact = {k: v for k, v in _label().items() if k in ("arxiv_id", "page", "kind", "value")}
    fact.update(benchmark="imagenet", metric="top1", model="ResNet-152", confidence=0.5)
    fact.update(overrides)
    return fact


def _judged(*pairs: tuple[float, bool]) -> list[Judged]:
    base = HandLabel("x", 1, "result", "coco", "box_ap", "m", "1", 0.0, "right", "ok", "q", "", "t")
    return [Judged(confidence, right, base) for confidence, right in pairs]


def test_load_reads_every_line_and_names_the_corpus(tmp_path: Path) -> None:
    labels = _labels(tmp_path, _label(), _label(label="wrong", reason="wrong_metric"))
    assert [label.right for label in labels] == [True, False]
    assert {label.source for label in labels} == {"dev"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({k: v for k, v in _label().items() if k != "quote"}, "missing fields quote"),
        (_label(label="maybe"), "right or wrong"),
        (_label(reason="looks_odd"), "unknown reason"),
        (_label(label="wrong", reason="ok"), "contradicts"),
        (_label(reason="wrong_metric"), "contradicts"),
        (_label(quote="  "), "page quote"),
        (_label(confidence=1.5), "confidence"),
    ],
)
def test_load_rejects_a_bad_label_with_file_and_line(
    tmp_path: Path, line: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, [_label(), line])
    with pytest.raises(HandLabelError, match=message) as error:
        load_labels(path)
    assert f"{path}:2:" in str(error.value)


def test_load_rejects_a_line_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "dev.jsonl"
    path.write_text(json.dumps(_label()) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(HandLabelError, match=r"dev.jsonl:2: not JSON"):
        load_labels(path)


def test_match_ignores_spacing_case_and_width_of_value_and_model(tmp_path: Path) -> None:
    (label,) = _labels(tmp_path, _label(model="ShuffleNet 2 × ( g = 3 )", value="95 . 00"))
    fact = _fact(model="shufflenet 2× (g = 3)", value="95.00")
    (match,) = match_labels([label], [fact])
    assert match.fact is fact and match.exact


def test_match_needs_the_same_page_kind_benchmark_metric_and_value(tmp_path: Path) -> None:
    (label,) = _labels(tmp_path, _label())
    others = [
        _fact(page=7),
        _fact(kind="flops"),
        _fact(benchmark="coco"),
        _fact(metric="top5"),
        _fact(value="21.44"),
        _fact(arxiv_id="1512.03386"),
    ]
    assert match_labels([label], others) == []


def test_match_accepts_a_tidied_label_only_when_it_is_the_one_candidate(tmp_path: Path) -> None:
    (label,) = _labels(tmp_path, _label(model="ResNet-152 (val)"))
    tidied = _fact(model="ResNet-152")
    (match,) = match_labels([label], [tidied])
    assert match.fact is tidied and not match.exact
    two = [_fact(model="ResNet-152"), _fact(model="ResNet-152 (val) extra")]
    assert match_labels([label], two) == []


def test_each_fact_answers_one_label_and_exact_matches_come_first(tmp_path: Path) -> None:
    short, full = _labels(tmp_path, _label(model="ResNet-152"), _label(model="ResNet-152 (val)"))
    facts = [_fact(model="ResNet-152 (val)"), _fact(model="ResNet-152")]
    matches = match_labels([short, full], facts)
    assert {(m.label.model, m.fact["model"], m.exact) for m in matches} == {
        ("ResNet-152", "ResNet-152", True),
        ("ResNet-152 (val)", "ResNet-152 (val)", True),
    }
    (only,) = match_labels([short, full], [_fact(model="ResNet-152")])
    assert only.label is short


def test_judged_now_scores_the_later_confidence(tmp_path: Path) -> None:
    (label,) = _labels(tmp_path, _label(confidence=0.93))
    matches = match_labels([label], [_fact(confidence=0.41)])
    assert [j.confidence for j in judged_now(matches)] == [0.41]
    assert [j.confidence for j in judged_at_labelling([label])] == [0.93]


def test_precision_ranges_include_their_lower_edge_only() -> None:
    items = _judged((0.8, True), (0.85, False), (0.9, True), (0.95, False), (1.0, True))
    table = precision_table(items)
    assert (table[">=0.9"].count, table[">=0.9"].right) == (3, 2)
    assert (table[">=0.95"].count, table[">=0.95"].right) == (2, 1)
    assert (table["0.8-0.9"].count, table["0.8-0.9"].right) == (2, 1)
    assert precision(items, 0.99).precision == 1.0
    assert precision([], 0.9).precision is None


def test_reliability_bins_count_each_fact_once_and_the_last_bin_includes_one() -> None:
    items = _judged((0.1, False), (0.5, True), (0.84, True), (0.95, False), (1.0, True))
    bins = reliability(items, edges=(0.0, 0.5, 0.9, 1.0))
    assert [(b.low, b.high, b.count, b.right) for b in bins] == [
        (0.0, 0.5, 1, 0),
        (0.5, 0.9, 2, 2),
        (0.9, 1.0, 2, 1),
    ]
    assert sum(b.count for b in bins) == len(items)


def test_precision_by_groups_labels(tmp_path: Path) -> None:
    labels = _labels(
        tmp_path,
        _label(confidence=0.95),
        _label(kind="flops", benchmark=None, metric=None, confidence=0.95),
        _label(confidence=0.92, label="wrong", reason="wrong_metric"),
    )
    table = precision_by(judged_at_labelling(labels), lambda label: label.kind)
    assert table["result"][">=0.9"].precision == 0.5
    assert table["flops"][">=0.9"].precision == 1.0


def test_main_reports_precision_with_and_without_facts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = _label(value="5.71", label="wrong", reason="wrong_metric")
    labels = _write(tmp_path, [_label(), wrong])
    main([str(labels)])
    out = capsys.readouterr().out
    assert "all | 0.500 (1/2)" in out and "wrong_metric | 1" in out
    facts = _write(tmp_path, [_fact(confidence=0.97)], name="facts.jsonl")
    main([str(labels), "--facts", str(facts)])
    out = capsys.readouterr().out
    assert "1 of 2 labels found among the facts (1 exact)" in out
    assert "all | 1.000 (1/1) | 1.000 (1/1) | -" in out


def _cell(row: str | None, **overrides: Any) -> dict[str, Any]:
    """A cell label: CBAM's "We train the networks for 90 epochs" (ImageNet) proposed for a row."""
    cell = dict(kind="epochs", benchmark=None, metric=None, model=None, value="90", row=row)
    cell.update(unit="epochs", normalized=90.0, error=None, quote="We train the networks for 90")
    cell.update(overrides)
    return _label(**cell)


def test_a_cell_label_judges_its_row_and_a_fact_is_right_when_some_row_is(tmp_path: Path) -> None:
    labels = _labels(
        tmp_path,
        _cell("ResNet50 + CBAM"),
        _cell("Faster R-CNN, ResNet101 + CBAM", label="wrong", reason="wrong_benchmark_or_split"),
    )
    cells = CellLabels(labels)
    fact = _fact(kind="epochs", benchmark=None, metric=None, model=None, value="90")
    assert cells.verdict(fact, "ResNet50 + CBAM") is True
    assert cells.verdict(fact, "Faster R-CNN, ResNet101 + CBAM") is False
    assert cells.verdict(fact, "ResNet101 + CBAM") is None  # nobody read it for that row
    assert cells.verdict(fact) is True
    assert cells.verdict({**fact, "value": "120"}) is None


def test_cell_labels_are_left_out_of_precision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([str(_write(tmp_path, [_label(), _cell("ResNet50 + CBAM", confidence=0.95)]))])
    assert "all | 1.000 (1/1)" in capsys.readouterr().out


def test_only_epochs_training_set_and_flops_labels_name_a_row(tmp_path: Path) -> None:
    with pytest.raises(HandLabelError, match="row names a model"):
        _labels(tmp_path, _label(row="ResNet-152"))
    flops = _cell("ShuffleNet 1 × ( g = 3 )", kind="flops", value="140M", unit=None)
    cells = CellLabels(_labels(tmp_path, flops))
    fact = _fact(kind="flops", benchmark=None, metric=None, model=None, value="140M")
    assert cells.verdict(fact, "ShuffleNet 1 x (g = 3)") is None  # another row name
    assert cells.verdict(fact, "shufflenet 1 × (g = 3)") is True  # spacing and case aside


@pytest.mark.parametrize("corpus", ["dev", "dev2"])
def test_the_real_label_files_keep_their_schema(corpus: str) -> None:
    path = LABELS_DIR / f"{corpus}.jsonl"
    labels = load_labels(path)
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all(set(REQUIRED_FIELDS) <= set(line) for line in raw)
    assert all(line["rule"] in ("table", "prose") for line in raw)
    identities = [(label.key, label.model, label.row, label.row_benchmark) for label in labels]
    assert len(identities) == len(set(identities)), "two labels for one fact (or cell)"
    assert {label.kind for label in labels if not label.is_cell} == KINDS
    assert {label.kind for label in labels if label.is_cell} <= set(CELL_KINDS)


def test_there_are_at_least_200_real_labels() -> None:
    files = [LABELS_DIR / f"{corpus}.jsonl" for corpus in ("dev", "dev2")]
    labels = [label for path in files for label in load_labels(path)]
    assert len(labels) >= 200
