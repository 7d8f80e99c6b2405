"""The learned confidence: training on a small synthetic corpus, calibration, the model file,
the training-data hash, and extraction's fallback to rule confidences without a model."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from extractors import ranking
from extractors.facts import ExtractedFact
from extractors.kinds import MODEL_SCORE, preference, rule_confidence, rule_preference
from pipeline import confidence_model
from pipeline.cli.evaluate import _print_confidence
from pipeline.hand_labels import HandLabel


def _fact(fid: int, score: float, *, bold: bool, rule_conf: float, rule: str) -> dict[str, Any]:
    return {
        "id": fid,
        "arxiv_id": f"2001.{fid // 10:05d}",
        "kind": "result",
        "benchmark": "imagenet",
        "metric": "top1",
        "model": f"Net-{fid}",
        "page": 5,
        "rule": rule,
        "value": f"{score:.2f}",
        "error": round(1 - score / 100, 6),
        "confidence": rule_conf,
        "details": {"bold": bold, "header": "top-1"},
    }


def _corpus(papers: int = 8) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """Per paper: a bold table headline (gold), a quoted baseline and a prose echo of neither."""
    gold: dict[str, Any] = {}
    facts: dict[str, list[dict[str, Any]]] = {}
    for p in range(papers):
        pid = f"2001.{p:05d}"
        headline = 80.0 + p * 0.5
        gold[pid] = {
            "arxiv_id": pid,
            "benchmarks": ["imagenet"],
            "rows": [{"benchmark": "imagenet", "model": "Ours", "scores": {"top1": headline}}],
        }
        facts[pid] = [
            _fact(p * 10 + 1, headline, bold=True, rule_conf=0.7, rule="table_score_column"),
            _fact(p * 10 + 2, headline - 3, bold=False, rule_conf=0.75, rule="table_score_column"),
            _fact(p * 10 + 3, headline - 5, bold=False, rule_conf=0.5, rule="table_score_column"),
            _fact(p * 10 + 4, 60.0 + p, bold=False, rule_conf=0.3, rule="sentence_result"),
        ]
    return gold, facts


def test_training_learns_what_the_rules_missed() -> None:
    gold, facts = _corpus()
    data = confidence_model.dataset(gold, facts)
    assert data.y.tolist().count(1) == 8
    model = confidence_model.fit(data)
    probs = [model.probability(row) for row in data.x.tolist()]
    for paper in range(8):  # the gold (bold) candidate ranks first, though the rules put it 2nd
        block = probs[paper * 4 : paper * 4 + 4]
        assert block[0] == max(block) and block[0] > block[1]
    report = confidence_model.report(gold, facts, model)
    assert report is not None
    assert report.rules.headline_accuracy == 0.0
    assert report.cross_validated.headline_accuracy == 1.0


def _hand_labels(tmp_path: Path, judged: list[tuple[dict[str, Any], str, str]]) -> list[HandLabel]:
    """Hand labels for ``(fact, verdict, reason)``, written and read back as a corpus's file."""
    lines = [
        {
            **fact,
            "label": verdict,
            "reason": reason,
            "quote": fact["value"],
            "note": "",
            "extractor": "results",
            "extractor_version": "1",
            "labelled_by": "test",
            "labelled_at": "2026-12-02",
        }
        for fact, verdict, reason in judged
    ]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return confidence_model.corpus_labels(tmp_path / "corpus", tmp_path)


def test_hand_labels_override_gold(tmp_path: Path) -> None:
    """A hand label "right" on a non-headline number makes it right in every figure, "wrong"
    negative; a model learns from gold and the "wrong" labels only."""
    gold, facts = _corpus()
    quoted, headline = facts["2001.00003"][1], facts["2001.00003"][0]
    labels = _hand_labels(tmp_path, [(quoted, "right", "ok"), (headline, "wrong", "wrong_model")])
    data = confidence_model.dataset(gold, facts, labels)
    assert data.y[data.facts.index(quoted)] == 1 and data.y[data.facts.index(headline)] == 0
    assert sorted(data.hand.values()) == [False, True]
    # counted right, but no headline: not learned from; a wrong headline is a negative to learn
    learned = data.learnable()
    assert quoted not in learned.facts and headline in learned.facts
    assert len(learned.facts) == len(data.facts) - 1


def test_report_says_how_many_confident_facts_are_hand_labelled(tmp_path: Path) -> None:
    """The hand-label precision comes with its coverage (k right of n labelled, of N facts), and
    the facts still to label are the unlabelled ones at the threshold in any column."""
    gold, facts = _corpus()
    headline = facts["2001.00003"][0]
    labels = _hand_labels(tmp_path, [(headline, "wrong", "wrong_model")])
    model = confidence_model.fit(confidence_model.dataset(gold, facts))
    report = confidence_model.report(gold, facts, model, labels)
    assert report is not None
    for column in (report.rules, report.in_sample, report.cross_validated):
        coverage = column.to_dict()["hand_confident"]
        assert coverage["labelled"] <= 1 and coverage["right"] == 0
        assert coverage["facts"] == column.confident
        assert sum(b["n"] for b in column.hand_reliability) == 1
    todo = report.unlabelled(0.0)
    assert len(todo) == len(report.data.facts) - 1
    columns = {"rules", "in_sample", "cross_validated", "right_cross_validated"}
    assert all(set(f["scores"]) == columns for f in todo)
    assert all(f["id"] != headline["id"] for f in todo)


def test_calibration_is_monotone() -> None:
    gold, facts = _corpus()
    model = confidence_model.fit(confidence_model.dataset(gold, facts))
    assert list(model.knots_y) == sorted(model.knots_y)
    assert list(model.knots_x) == sorted(model.knots_x)
    grid = [ranking.interpolate(model.knots_x, model.knots_y, i / 100) for i in range(101)]
    assert grid == sorted(grid) and grid[0] >= 0.0 and grid[-1] <= 1.0


def test_training_is_deterministic_and_hashes_its_data() -> None:
    gold, facts = _corpus()
    first = confidence_model.fit(confidence_model.dataset(gold, facts))
    second = confidence_model.fit(confidence_model.dataset(gold, facts))
    assert first.to_json() == second.to_json()
    gold["2001.00000"]["rows"][0]["scores"]["top1"] = 1.0  # one label changes
    changed = confidence_model.dataset(gold, facts)
    assert changed.digest() != first.meta["training_data_sha256"]


def test_model_file_round_trip(tmp_path: Path) -> None:
    gold, facts = _corpus()
    data = confidence_model.dataset(gold, facts)
    model = confidence_model.fit(data)
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps(model.to_json()))
    loaded = ranking.load_model(path)
    assert loaded is not None and loaded.meta["sklearn_version"]
    assert [loaded.probability(r) for r in data.x.tolist()] == [
        model.probability(r) for r in data.x.tolist()
    ]


def test_a_model_for_other_features_is_refused(tmp_path: Path, caplog: Any) -> None:
    gold, facts = _corpus()
    data = {**confidence_model.fit(confidence_model.dataset(gold, facts)).to_json()}
    data["features"] = data["features"][:-1]
    path = tmp_path / "stale.json"
    path.write_text(json.dumps(data))
    with caplog.at_level(logging.WARNING):
        assert ranking.load_model(path) is None
    assert "retrain" in caplog.text


def _extracted(confidence: float) -> ExtractedFact:
    return ExtractedFact(
        kind="result", value="80.1", page=3, evidence="ResNet 80.1", confidence=confidence,
        extractor="results", extractor_version="1", benchmark="imagenet", metric="top1",
        model="ResNet", error=0.199, rule="table_score_column", details={"bold": True},
    )  # fmt: skip


def test_missing_model_file_keeps_rule_confidence(tmp_path: Path, caplog: Any) -> None:
    with caplog.at_level(logging.WARNING):
        model = ranking.load_model(tmp_path / "absent.json")
    assert model is None and "no confidence model" in caplog.text
    fact = _extracted(0.65)
    ranking.rescore([fact], model)
    assert fact.confidence == 0.65 and "rule_confidence" not in fact.details


def test_rescoring_keeps_the_rule_confidence_for_rows() -> None:
    gold, facts = _corpus()
    model = confidence_model.fit(confidence_model.dataset(gold, facts))
    fact = _extracted(0.65)
    ranking.rescore([fact], model)
    assert fact.details["rule_confidence"] == 0.65
    assert rule_confidence(fact) == 0.65 and rule_preference(fact)[0] == 0.65
    assert fact.confidence == model.probability(ranking.features([fact])[0])


def test_rescoring_records_the_right_as_stored_probability() -> None:
    """The headline model sets the confidence; the every-label model's probability is kept for
    the row confidence, and without it the details say nothing."""
    gold, facts = _corpus()
    data = confidence_model.dataset(gold, facts)
    headline, right = confidence_model.fit(data), confidence_model.fit(data.every_label())
    fact = _extracted(0.65)
    ranking.rescore([fact], headline, right)
    row = ranking.features([fact])[0]
    assert fact.confidence == headline.probability(row)
    assert fact.details[ranking.RIGHT_PROBABILITY] == right.probability(row)
    alone = _extracted(0.65)
    ranking.rescore([alone], headline)
    assert ranking.RIGHT_PROBABILITY not in alone.details


def test_too_little_data_is_a_clear_error() -> None:
    gold, facts = _corpus(papers=1)
    with pytest.raises(ValueError, match="two papers"):
        confidence_model.fit(confidence_model.dataset(gold, facts))


def _candidate(model: str, header: str, score: float, **details: Any) -> dict[str, Any]:
    return {
        "kind": "result", "benchmark": "coco", "metric": "box_ap", "model": model, "page": 13,
        "rule": "table_score_column", "value": f"{score}", "error": round(1 - score / 100, 6),
        "confidence": 0.6, "details": {"header": header, **details},
    }  # fmt: skip


def _feature(rows: list[list[float]], name: str) -> list[float]:
    return [row[ranking.FEATURES.index(name)] for row in rows]


def test_the_best_undoubted_score_is_told_from_a_misread_column() -> None:
    """SSD (1512.02325): a VOC ablation table's "mAP" column read as COCO box AP (its benchmark
    guessed from the paper) holds the paper's best "COCO" score, 64.2, above the real headline
    (SSD512* 28.8 in the COCO test-dev column); Cascade R-CNN and CSPNet print such tables too."""
    misread = _candidate("✔ ✔", "mAP use boundary boxes? Yes", 64.2, benchmark_from_paper=True)
    headline = _candidate("SSD512*", "COCO test-dev2015 trainval35k 0.5:0.95", 28.8)
    baseline = _candidate("SSD300*", "COCO test-dev2015 trainval35k 0.5:0.95", 25.1)
    rows = ranking.features([misread, headline, baseline])
    assert _feature(rows, "best_score_in_metric") == [1.0, 0.0, 0.0]
    assert _feature(rows, "best_undoubted_in_metric") == [0.0, 1.0, 0.0]


def test_a_test_split_column_is_a_feature() -> None:
    """Dev and test side by side: "CoNLL03 DEV" / "CoNLL03 TEST" (1611.04361), "BLEU dev" /
    "BLEU test" (1406.1078); the paper's final figure is the test column."""
    dev = {**_candidate("Char attention", "CoNLL03 DEV", 89.91, split="dev"), "metric": "f1"}
    test = {**_candidate("Char attention", "CoNLL03 TEST", 84.09, split="test"), "metric": "f1"}
    for fact in (dev, test):
        fact["benchmark"] = "conll03"
    assert _feature(ranking.features([dev, test]), "test_split") == [0.0, 1.0]


def test_the_best_primary_metric_score_is_a_feature() -> None:
    """COCO papers print AP50 and AP75 beside box AP, the metric COCO is ranked by: YOLOv3
    (1804.02767) "YOLOv3 608 × 608 Darknet-53" AP 33.0, AP50 57.9; SSD (1512.02325) "SSD512*"
    in "COCO test-dev2015 trainval35k" 0.5:0.95 28.8, 0.5 48.5. Each AP50 is the best of its
    own metric; only the box AP is the best of the primary metric."""
    yolo_ap = _candidate("YOLOv3 608 × 608 Darknet-53", "AP", 33.0)
    yolo_ap50 = {**_candidate("YOLOv3 608 × 608 Darknet-53", "AP 50", 57.9), "metric": "ap50"}
    ssd_ap = _candidate("SSD512*", "COCO test-dev2015 trainval35k 0.5:0.95", 28.8)
    ssd_ap50 = {
        **_candidate("SSD512*", "COCO test-dev2015 trainval35k 0.5", 48.5),
        "metric": "ap50",
    }
    for facts in ([yolo_ap, yolo_ap50], [ssd_ap, ssd_ap50]):
        rows = ranking.features(facts)
        assert _feature(rows, "best_score_in_metric") == [1.0, 1.0]
        assert _feature(rows, "best_undoubted_in_primary") == [1.0, 0.0]


def test_a_doubted_primary_score_is_not_the_best_primary_score() -> None:
    """The misread VOC column of SSD (see above) is filed as COCO box AP with a guessed
    benchmark: the best primary-metric feature passes over it to the real COCO column."""
    misread = _candidate("✔ ✔", "mAP use boundary boxes? Yes", 64.2, benchmark_from_paper=True)
    headline = _candidate("SSD512*", "COCO test-dev2015 trainval35k 0.5:0.95", 28.8)
    rows = ranking.features([misread, headline])
    assert _feature(rows, "best_undoubted_in_primary") == [0.0, 1.0]


def test_a_label_over_several_rows_of_one_column_is_a_feature() -> None:
    """CSPNet's ablation (1911.11929, Table 1) fills "CSPPeleeNet" down over its gamma 0.75,
    0.5 and 0.25 rows (70.4, 70.9, 71.5 top-1), once with the column header read into the label;
    NER tables stack "Our model" rows per dataset block in one F1 column (2005.07150). The same
    label in two columns is one row's variants (1611.04361's "CoNLL03 DEV" and "TEST")."""
    filled = [
        _candidate("CSPPeleeNet", "Top-1", 70.4),
        _candidate("CSPPeleeNet", "Top-1", 70.9),
        _candidate("CSPPeleeNet (Top-1)", "Top-1", 71.5),
        _candidate("PeleeNet [37]", "Top-1", 70.7),
    ]
    assert _feature(ranking.features(filled), "label_repeated_in_column") == [1.0, 1.0, 1.0, 0.0]
    stacked = [_candidate("Our model", "F1", 91.3), _candidate("Our model", "F1", 93.5)]
    assert _feature(ranking.features(stacked), "label_repeated_in_column") == [1.0, 1.0]
    variants = [_candidate("Char attention", "CoNLL03 DEV", 89.91),
                _candidate("Char attention", "CoNLL03 TEST", 84.09)]  # fmt: skip
    assert _feature(ranking.features(variants), "label_repeated_in_column") == [0.0, 0.0]


def test_a_metric_the_leaderboards_do_not_record_is_a_feature() -> None:
    """YOLOv3 (1804.02767) and Cascade R-CNN (1712.00726) print AP50 beside box AP, and the AP50
    is the larger; the authors' COCO leaderboard records box AP alone, their ImageNet one top-1
    and top-5 (benchmarks.toml recorded_metrics)."""
    box = _candidate("YOLOv3 608 × 608 Darknet-53", "AP", 33.0)
    ap50 = {**_candidate("YOLOv3 608 × 608 Darknet-53", "AP 50", 57.9), "metric": "ap50"}
    top5 = {**_candidate("ResNet-152", "top-5 err.", 94.29), "benchmark": "imagenet",
            "metric": "top5"}  # fmt: skip
    assert _feature(ranking.features([box, ap50, top5]), "recorded_metric") == [1.0, 0.0, 1.0]


def test_a_label_qualified_by_its_column_is_a_feature() -> None:
    """Two values of one metric in one row get the column's split or header appended to the
    label (ShuffleNet's "mAP [.5, .95] (600 × image)" beside its 300 × image column, 1707.01083);
    a name that merely ends in brackets is not qualified."""
    qualified = _candidate("ShuffleNet 2× (g = 3) (600 × image)", "600 × image", 25.0)
    by_split = _candidate("Char attention (test)", "F1", 84.09, split="test")
    named = _candidate("ShuffleNet 2× (g = 3)", "300 × image", 18.7)
    rows = ranking.features([qualified, by_split, named])
    assert _feature(rows, "label_qualified") == [1.0, 1.0, 0.0]


def test_a_reading_below_another_of_its_row_is_a_feature() -> None:
    """One model in two settings side by side: ShuffleNet's 300 and 600 px columns (1707.01083),
    MAE's ViT-B and ViT-L columns (2111.06377). Extraction appends the second column's header
    to the label; both readings are one row, and the lower is the other setting. A row alone,
    an unnamed cell and another row are untouched."""
    low = _candidate("ShuffleNet 2× (g = 3)", "300 × image", 18.7)
    high = _candidate("ShuffleNet 2× (g = 3) (600 × image)", "600 × image", 25.0)
    other = _candidate("1.0 MobileNet-224", "300 × image", 14.9)
    unnamed = [_candidate("", "300 × image", 10.0), _candidate("", "600 × image", 12.0)]
    rows = ranking.features([low, high, other, *unnamed])
    assert _feature(rows, "below_in_row") == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_a_dev_reading_beside_a_test_one_is_a_feature() -> None:
    """ "CoNLL03 DEV | CoNLL03 TEST" (1611.04361) and "BLEU dev | BLEU test" (1406.1078): the dev
    reading of a row that has a test reading is not the paper's final figure; a dev column with
    no test beside it is not doubted."""
    dev = _candidate("Char attention", "CoNLL03 DEV", 89.91, split="dev")
    test = _candidate("Char attention (test)", "CoNLL03 TEST", 84.09, split="test")
    alone = _candidate("Word-based", "CoNLL03 DEV", 86.89, split="dev")
    rows = ranking.features([dev, test, alone])
    assert _feature(rows, "dev_beside_test") == [1.0, 0.0, 0.0]


def test_the_right_as_stored_model_does_not_learn_which_setting_is_the_headline() -> None:
    """A 300 px reading beside a 600 px one is a right data point, though no headline: the
    every-label model has no weight on the headline-only features."""
    gold, facts = _corpus()
    for paper in facts.values():
        paper[1]["model"] = paper[0]["model"]  # the baseline becomes the headline's other setting
    data = confidence_model.dataset(gold, facts)
    assert data.x[:, ranking.FEATURES.index("below_in_row")].any()
    right = confidence_model.fit(data.every_label())
    for name in ranking.HEADLINE_ONLY:
        assert right.coef[ranking.FEATURES.index(name)] == 0.0
    headline = confidence_model.fit(data)
    assert headline.coef[ranking.FEATURES.index("below_in_row")] < 0.0


def test_equal_confidences_are_ordered_by_the_score_they_were_calibrated_from() -> None:
    """Isotonic calibration is flat over stretches and beyond its knots: two candidates share
    one probability, and the model's own score still says which it ranks first."""
    n = len(ranking.FEATURES)
    coef = [0.0] * n
    coef[ranking.FEATURES.index("cue_bold")] = 1.0
    flat = ranking.Model(
        ranking.FEATURES, (0.0,) * n, (1.0,) * n, tuple(coef), 0.0, (0.9,), (0.8,), {}
    )
    bold, plain = _extracted(0.65), _extracted(0.65)
    plain.details["bold"] = False
    ranking.rescore([plain], flat)
    ranking.rescore([bold], flat)
    assert bold.confidence == plain.confidence == 0.8
    assert bold.details[MODEL_SCORE] > plain.details[MODEL_SCORE]
    assert max([plain, bold], key=preference) is bold


def test_paper_folds_depend_on_the_papers_alone_and_each_partition_differs() -> None:
    """A paper's fold follows from its id and the partition, not from how many candidates it
    has (an extraction change adds or drops some) nor from their order; every paper is held out
    once per partition, the folds differ in size by one paper at most, and partitions differ."""
    papers = [f"2001.{i:05d}" for i in range(23)]
    groups = [p for i, p in enumerate(papers) for _ in range(1 + i % 4)]

    def assignment(groups: list[str], partition: int) -> dict[str, int]:
        folds = confidence_model.paper_folds(groups, 5, partition)
        held = {}
        for k, (train, test) in enumerate(folds):
            tested = {groups[i] for i in test}
            assert tested.isdisjoint(groups[i] for i in train)
            held.update(dict.fromkeys(tested, k))
        assert sorted(held) == sorted(set(groups))
        sizes = [list(held.values()).count(k) for k in range(5)]
        assert max(sizes) - min(sizes) <= 1
        return held

    first = assignment(groups, 0)
    fewer = [g for i, g in enumerate(groups) if i % 3] + papers  # other counts, other order
    assert assignment(list(reversed(fewer)), 0) == first
    assert assignment(groups, 1) != first


def test_pooled_figures_are_the_partitions_means_and_pooled_fractions() -> None:
    def figures(
        correct: int, confident: int, right: int, bins: list[tuple[int, float | None]]
    ) -> confidence_model.Figures:
        table = [{"bin": f"b{i}", "n": n, "right": r} for i, (n, r) in enumerate(bins)]
        return confidence_model.Figures(correct, 84, confident, right, table, 0, 0, table)

    one = figures(57, 40, 38, [(10, 0.1), (0, None), (4, 1.0)])
    two = figures(60, 44, 43, [(30, 0.2), (2, 0.5), (0, None)])
    pooled = confidence_model.pooled([one, two])
    assert (pooled.headline_correct, pooled.headline_total) == (58.5, 84)
    assert pooled.precision_at_confident == pytest.approx(81 / 84)
    assert [(b["n"], b["right"]) for b in pooled.reliability] == [
        (20, pytest.approx(7 / 40)), (1, 0.5), (2, 1.0),
    ]  # fmt: skip


def test_the_report_pools_its_partitions_and_prints_each(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The cross-validated column is the partitions' mean, and `ctrends eval` prints each
    partition's headline beside it."""
    gold, facts = _corpus()
    model = confidence_model.fit(confidence_model.dataset(gold, facts))
    report = confidence_model.report(gold, facts, model)
    assert report is not None and len(report.by_partition) == confidence_model.PARTITIONS
    parts = report.by_partition
    mean = sum(f.headline_correct for f in parts) / len(parts)
    assert report.cross_validated.headline_correct == pytest.approx(mean)
    assert report.to_dict()["cross_validated_by_partition"][0]["headline"][1] == len(gold)
    _print_confidence(report)
    printed = " ".join(capsys.readouterr().out.split())  # rich wraps at the terminal's width
    assert f"means over {confidence_model.PARTITIONS} partitions" in printed
    assert (
        "by partition, headline " + " ".join(str(int(f.headline_correct)) for f in parts) in printed
    )
