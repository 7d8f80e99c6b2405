"""The learned row confidence: row features from extraction alone, the gold label of a row,
training with out-of-fold score probabilities, cross-validation that never sees the paper, the
model file, and zero-touch reading it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import ModelRow
from extractors import ranking, row_confidence
from extractors.row_confidence import ROW_FEATURES, row_features
from pipeline import confidence_model, row_model
from pipeline.confidence_model import Dataset
from pipeline.evaluate_rows import right_data_point
from pipeline.hand_labels import HandLabel
from pipeline.review_rows import proposal
from pipeline.rows import refresh_rows
from pipeline.zerotouch import auto_accept_rows, row_confidences
from tests.support.review_data import flops, paper, result, stored


def _fact(fid: int, kind: str, **values: Any) -> SimpleNamespace:
    base: dict[str, Any] = {
        "id": fid, "kind": kind, "rule": None, "page": 5, "model": None, "benchmark": None,
        "metric": None, "error": None, "normalized": None, "confidence": 0.5, "details": {},
        "accelerator": None, "count": None, "count_unit": None,
    }  # fmt: skip
    return SimpleNamespace(**(base | values))


def _score(fid: int, score: float, **values: Any) -> SimpleNamespace:
    table = {"header": "top-1", "rule_confidence": 0.7}
    return _fact(fid, "result", benchmark="imagenet", metric="top1", error=1 - score / 100,
                 details=table, **values)  # fmt: skip


def _entry(model: str, cells: dict[str, tuple[Any, str]], own: bool = True) -> tuple[Any, Any]:
    made = {
        name: SimpleNamespace(field=name, fact=f, link=link) for name, (f, link) in cells.items()
    }
    return SimpleNamespace(model=model, own=own, cells=list(made.values())), made


def _feature(vector: list[float] | None, name: str) -> float:
    assert vector is not None
    return vector[ROW_FEATURES.index(name)]


def test_row_features_describe_a_row_by_what_extraction_knows() -> None:
    """A score with FLOPs, or with hardware and a training time, is a data point; hardware alone
    is not. A FLOPs count shared by rows, the paper's best own score, a quoted row."""
    shared = _fact(10, "flops", normalized=4e9, model=None, details={"header": "FLOPs"})
    hardware = _fact(11, "hardware", accelerator="V100", count=8, confidence=0.6)
    time = _fact(12, "training_time", normalized=3 * 86400.0, confidence=0.45)
    entries = [
        _entry("Ours-L", {"score": (_score(1, 81.0, confidence=0.93), "same name"),
                          "ops_forward_pass": (shared, "same table row")}),
        _entry("Ours-S", {"score": (_score(2, 78.0), "same name"),
                          "ops_forward_pass": (shared, "paper-level statement")}),
        _entry("ResNet-50", {"score": (_score(3, 82.0), "same name"),
                             "hardware": (hardware, "paper-level statement"),
                             "training_time_sec": (time, "paper-level statement")}, own=False),
        _entry("Ours-M", {"score": (_score(4, 79.0), "same name"),
                          "hardware": (hardware, "paper-level statement")}),
        _entry("Ours-XS", {"score": (_score(5, 70.0), "same name")}),
    ]  # fmt: skip
    large, small, quoted, hardware_only, alone = row_features(entries)
    assert hardware_only is None and alone is None
    assert _feature(large, "score_probability") == 0.93
    assert _feature(large, "score_rule_confidence") == 0.7
    assert _feature(large, "flops_same_table_row") == 1.0
    assert _feature(small, "flops_same_table_row") == 0.0
    assert _feature(large, "log_rows_sharing_flops") == pytest.approx(math.log(2))
    assert _feature(large, "flops_in_score_table") == 1.0
    # the best own score: the quoted ResNet-50's higher score does not count
    assert [_feature(v, "best_own_score") for v in (large, small, quoted)] == [1.0, 0.0, 0.0]
    assert _feature(quoted, "has_flops") == 0.0 and _feature(quoted, "own") == 0.0
    assert _feature(quoted, "hardware_paper_level") == 1.0
    assert _feature(quoted, "training_time_rule_confidence") == 0.45
    assert _feature(large, "log_scored_rows") == pytest.approx(math.log1p(5))


def test_a_row_is_right_when_its_score_and_compute_are_a_gold_rows() -> None:
    gold = [
        {"benchmark": "imagenet", "scores": {"top1": 78.6}, "flops": 11.3e9},
        {"benchmark": "imagenet", "scores": {"top1": 75.3}, "gpu": "V100", "gpu_count": 8,
         "training_time_sec": 86400.0},
        {"benchmark": "imagenet", "scores": {"top1": 71.0}},
    ]  # fmt: skip

    def cells(score: float, **compute: Any) -> dict[str, Any]:
        made = {"score": SimpleNamespace(fact=_score(1, score))}
        return made | {name: SimpleNamespace(fact=fact) for name, fact in compute.items()}

    right_flops = _fact(2, "flops", normalized=11.2e9)
    gpus = _fact(3, "hardware", accelerator="V100", count=8, count_unit="gpu")
    day = _fact(4, "training_time", normalized=86400.0)
    assert right_data_point(gold, cells(78.6, ops_forward_pass=right_flops))
    assert not right_data_point(
        gold, cells(78.6, ops_forward_pass=_fact(5, "flops", normalized=2e10))
    )
    assert not right_data_point(gold, cells(77.0, ops_forward_pass=right_flops))  # another score
    assert right_data_point(gold, cells(75.3, hardware=gpus, training_time_sec=day))
    two_days = _fact(6, "training_time", normalized=2 * 86400.0)
    assert not right_data_point(gold, cells(75.3, hardware=gpus, training_time_sec=two_days))
    # gold states no compute for it: nothing says the FLOPs are right (a lower bound)
    assert not right_data_point(gold, cells(71.0, ops_forward_pass=right_flops))


def _corpus(papers: int = 10) -> tuple[Dataset, Dataset]:
    """Per paper: result candidates (a bold headline is gold) and two rows, the headline's with
    FLOPs in its table row (right) and a baseline's with a FLOPs count shared by rows (wrong)."""
    gold: dict[str, Any] = {}
    facts: dict[str, list[dict[str, Any]]] = {}
    samples, vectors, labels = [], [], []
    for p in range(papers):
        pid = f"2001.{p:05d}"
        headline = 80.0 + p * 0.5
        gold[pid] = {"arxiv_id": pid, "rows": [
            {"benchmark": "imagenet", "model": "Ours", "scores": {"top1": headline}}]}  # fmt: skip
        facts[pid] = [
            {"id": p * 10 + k, "arxiv_id": pid, "kind": "result", "benchmark": "imagenet",
             "metric": "top1", "model": f"Net-{k}", "page": 5, "rule": "table_score_column",
             "value": str(s),
             "error": round(1 - s / 100, 6), "confidence": 0.6,
             "details": {"bold": k == 1, "header": "top-1"}}
            for k, s in ((1, headline), (2, headline - 3))
        ]  # fmt: skip
        for k, right in ((1, True), (2, False)):
            vector = [0.0] * len(ROW_FEATURES)
            vector[ROW_FEATURES.index("has_flops")] = 1.0
            vector[ROW_FEATURES.index("flops_same_table_row")] = float(right)
            vector[ROW_FEATURES.index("log_rows_sharing_flops")] = 0.0 if right else math.log(3)
            samples.append({"arxiv_id": pid, "row_id": p * 10 + k, "score": p * 10 + k})
            vectors.append(vector)
            labels.append(int(right))
    results = confidence_model.dataset(gold, facts)
    rows = Dataset(samples, np.array(vectors), np.array(labels), [s["arxiv_id"] for s in samples],
                   {})  # fmt: skip
    return results, rows


def test_the_row_model_learns_round_trips_and_keeps_its_training_data_hash(tmp_path: Path) -> None:
    results, rows = _corpus()
    model = row_model.fit(results, rows)
    right, wrong = rows.x[0].tolist(), rows.x[1].tolist()
    for vector, probability in ((right, 0.9), (wrong, 0.1)):  # as the result models score them
        for name in ("score_probability", "score_right_probability"):
            vector[ROW_FEATURES.index(name)] = probability
    assert model.probability(right) >= 0.7 > 0.3 >= model.probability(wrong)
    assert model.features == ROW_FEATURES and len(model.meta["training_data_sha256"]) == 64
    flipped = Dataset(rows.facts, rows.x, 1 - rows.y, rows.groups, {})
    assert (
        row_model.fit(results, flipped).meta["training_data_sha256"]
        != (model.meta["training_data_sha256"])
    )
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(model.to_json()))
    loaded = ranking.load_model(path, ROW_FEATURES)
    assert loaded is not None and loaded.probability(right) == model.probability(right)
    assert ranking.load_model(path) is None  # not the result model's features


def test_cross_validation_scores_each_paper_with_models_that_never_saw_it() -> None:
    """Relabelling one paper's rows and result candidates changes every paper's score but its
    own: its rows are scored by a result model and a row model trained without it."""
    results, rows = _corpus()
    before = row_model.cross_validated(results, rows)
    assert before[0] > before[1]
    target = rows.groups[0]
    mine = [i for i, g in enumerate(rows.groups) if g == target]
    y = rows.y.copy()
    y[mine] = 1 - y[mine]
    ry = results.y.copy()
    theirs = [i for i, g in enumerate(results.groups) if g == target]
    ry[theirs] = 1 - ry[theirs]
    relabelled = row_model.cross_validated(
        Dataset(results.facts, results.x, ry, results.groups, {}),
        Dataset(rows.facts, rows.x, y, rows.groups, {}),
    )
    assert [relabelled[i] for i in mine] == [before[i] for i in mine]


def _page_label(fact: Any, label: str, row: str | None = None) -> HandLabel:
    """A hand label of a stored fact (a FLOPs cell label when ``row`` names a row)."""
    return HandLabel(
        arxiv_id="1512.03385", page=fact.page, kind=fact.kind, benchmark=fact.benchmark,
        metric=fact.metric, model=fact.model, value=fact.value, confidence=fact.confidence,
        label=label, reason="ok" if label == "right" else "wrong_model", quote=fact.value,
        note="", source="dev", row=row, row_benchmark="imagenet" if row else None,
    )  # fmt: skip


def test_a_row_gold_does_not_list_is_right_by_its_score_and_flops_cell_labels(
    session: Session,
) -> None:
    """MobileNet's width table: gold lists the 1.0 row, the 0.75 row is a right data point by
    the page; a classifier's FLOPs in its detector's row is a wrong one whatever the fact's own
    label says; a row nobody read stays open (a negative), and what to read for it is listed."""
    p = paper(session)
    facts = stored(session, p, [
        result(model="0.75 MobileNet-224", value="68.4"),
        flops(model="0.75 MobileNet-224", value="0.65"),
        result(model="ShuffleNet 1x", value="67.4"),
        flops(model="ShuffleNet 1x", value="0.14"),
        result(model="SqueezeNet", value="57.5"),
        flops(model="SqueezeNet", value="3.4"),
    ])  # fmt: skip
    refresh_rows(session, p)
    rows = {row.model: row for row in session.scalars(select(ModelRow))}
    labels = [
        _page_label(facts[0], "right"), _page_label(facts[1], "right", "0.75 MobileNet-224"),
        _page_label(facts[2], "right"), _page_label(facts[3], "wrong", "ShuffleNet 1x"),
    ]  # fmt: skip
    verdicts = row_model.PageVerdicts(labels, list(rows.values()))
    judged = {name: verdicts.judge(row, proposal(row))[0] for name, row in rows.items()}
    assert judged == {"0.75 MobileNet-224": True, "ShuffleNet 1x": False, "SqueezeNet": None}
    data = row_model.row_dataset(session, {"1512.03385": {"rows": []}}, labels)
    assert data.y.tolist() == [1, 0, 0]
    assert data.hand == {0: True, 1: False}  # SqueezeNet is open
    todo = data.facts[2]["to_label"]
    assert [(t["kind"], t["model"], t.get("row")) for t in todo] == [
        ("result", "SqueezeNet", None), ("flops", "SqueezeNet", "SqueezeNet")
    ]  # fmt: skip
    assert data.facts[0]["to_label"] == data.facts[1]["to_label"] == []
    report = row_model.RowConfidenceReport(
        3, 1, None, [], [], data, {"cross_validated": [0.9, 0.9, 0.6], "in_sample": [0, 0, 0.2]}
    )
    assert [r["to_label"] for r in report.unlabelled(0.5)] == [todo]
    assert report.unlabelled(0.7) == []  # below the threshold in every column
    unread = row_model.row_dataset(session, {"1512.03385": {"rows": []}})
    assert unread.y.tolist() == [0, 0, 0] and unread.hand == {}


def test_zero_touch_reads_the_committed_row_model(
    session: Session, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    p = paper(session)
    stored(session, p, [
        result(model="ResNet-152", value="78.6", confidence=0.95),
        flops(model="ResNet-152", value="11.3", confidence=0.96),
        result(model="VGG-16", value="71.5", confidence=0.95),
        flops(model="VGG-16", value="15.5", confidence=0.5),
    ])  # fmt: skip
    refresh_rows(session, p)
    rows = list(session.scalars(select(ModelRow).order_by(ModelRow.id)))
    _, rows_data = _corpus()
    results, _ = _corpus()
    model = row_model.fit(results, rows_data)
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(model.to_json()))
    monkeypatch.setattr(row_confidence, "ROW_MODEL_PATH", path)
    vectors = row_features([(row, proposal(row)) for row in rows])
    expected = {row.id: model.probability(v) for row, v in zip(rows, vectors, strict=True) if v}
    assert row_confidences(rows) == expected
    top = max(expected.values())
    assert list(auto_accept_rows(session, top)) == [k for k, v in expected.items() if v >= top]
