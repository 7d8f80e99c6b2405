"""Extraction quality on the real development corpus (../shared/corpus/dev), through the same
path users run: ingest + extract into a throw-away database, facts read back, scored against
gold by ``pipeline.evaluate``.

Targets are the issue's. Where a target is not met yet, the test holds the measured level as a
floor (measured minus a small margin, never lower) so that a regression fails CI; each such
floor is listed in docs/extraction-quality.md with what limits it. Raise floors as rules improve.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from extractors import ranking, row_confidence
from extractors.facts import BENCHMARKS
from pipeline import confidence_model, row_model
from pipeline.evaluate import (
    Evaluation,
    evaluate,
    extract_into_database,
    load_gold,
)
from pipeline.evaluate_rows import RowEvaluation, authors_rows, evaluate_rows

pytestmark = [pytest.mark.shared, pytest.mark.slow]

# The targets (recall of gold values; benchmark detection precision and recall).
TARGETS = {
    "results": 0.90,
    "parameters": 0.90,
    "flops": 0.85,
    "accelerator": 0.85,
    "accelerator_count": 0.80,
    "training_time": 0.75,
    "benchmark_precision": 0.95,
    "benchmark_recall": 0.95,
    "results_per_benchmark": 0.80,
}
# Measured levels, for targets not met yet (see docs/extraction-quality.md).
FLOORS: dict[str, float] = {}


def required(name: str) -> float:
    return FLOORS.get(name, TARGETS[name])


# Model rows under a simulated perfect curator (issue 12's targets, ``pipeline.evaluate_rows``).
ROW_TARGETS = {
    "recovered_as_rows": 0.95,
    "parameters": 0.90,
    "flops": 0.90,
    "training_time": 0.85,
    "hardware_burden": 0.80,
    "network_operations": 0.70,
    "imagenet_slope": 0.01,  # |extracted - gold-row slope|, FLOPs and parameters
    "decisions": 3,  # median review decisions per gold row, below
}
# Measured levels for row targets not met yet (docs/extraction-quality.md says what limits them),
# and the decisions median, met, held at its measured level. Parameters (measured 45/49 = 0.918)
# and FLOPs (40/44 = 0.909) are held at their targets.
ROW_FLOORS = {
    "recovered_as_rows": 0.94,
    "decisions": 2,  # measured median 2 (107 rows): below the target 3
}


# The learned confidence, paper-grouped cross-validated (``pipeline.confidence_model``) over 5
# partitions of the papers (means of counts, pooled fractions): floors at the measured figures
# less a small margin (docs/extraction-quality.md). Precision at >= 0.9 meets the 0.95
# with every confident fact hand-labelled, so its floor is the target; headline (0.85) is far
# off. Its floor moved down once, deliberately (0.61 to 0.58: hand-labelled right numbers that
# are no headline are not learned as positives), and up with the recorded_metric feature, the
# row-setting features and the tie-break (fifth stop), and the sixth stop's sentence, ensemble
# and other-dataset rules, and the seventh stop's labels. One partition alone (the fifth stop's
# measure) moves the headline by +-2 and precision by +-0.05 (docs/extraction-quality.md,
# "Measuring on 66 papers").
LEARNED_FLOORS = {
    "headline_accuracy": 0.70,  # measured 0.726 (61.0/84; partitions 59-63, before 60.6)
    "precision_at_confident": 0.95,  # the target; measured 0.973 (50.0 of 51.4, all labelled)
    # candidates below 0.1 that are right: at most (measured 0.054; hand labels find right
    # numbers no gold row lists, which a headline probability puts low)
    "low_bin_right": 0.06,
}


# The learned row confidence, cross-validated as above (``pipeline.row_model``). Issue 13's
# zero-touch targets are the floors: coverage >= 0.5 at 0.9 (the fifth stop's 29/58 was one
# partition's; over 5 partitions the sixth stop covered 26.6/58, the seventh 29.8/58 = 0.514,
# partitions 28-31, with rows per model and benchmark and the rows `--unlabelled-rows` listed
# labelled) and the ImageNet FLOPs slope within 0.02 of the gold rows'.
ROW_CONFIDENCE_FLOORS = {
    # right rows crowd the 0.9 cut, so a label or a feature moves it by a few rows: read the
    # rows `ctrends eval --unlabelled-rows` lists before blaming a change
    "coverage_at_0.9": 0.50,
    "slope_difference_at_0.9": 0.02,  # the target; measured 0.008 (-0.1137, N 73.2, vs -0.1171)
    "top_bin_right": 0.85,  # rows at >= 0.9 right data points (gold or hand labels): 0.951
    "low_bin_right": 0.05,  # rows below 0.1 that are right: at most (measured 0.021)
}

Evaluations = tuple[
    Evaluation,
    RowEvaluation,
    confidence_model.ConfidenceReport | None,
    row_model.RowConfidenceReport | None,
]


@pytest.fixture(scope="module")
def evaluations(
    dev_corpus: Path, shared_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Evaluations]:
    # PDF and parse caches persist between runs (content-addressed, keyed by parser version).
    data_dir = request.config.cache.mkdir("ctrends-quality-data")
    labels = confidence_model.corpus_labels(dev_corpus)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CTRENDS_DATA_DIR", str(data_dir))
        database = data_dir / "quality.sqlite"
        database.unlink(missing_ok=True)
        url = f"sqlite:///{database}"
        facts, _failures = extract_into_database(dev_corpus, url)
        gold = load_gold(dev_corpus)
        # the row report first: it reads the unreviewed database (its sweeps run on copies)
        by_row = row_model.report(gold, facts, database, row_confidence.load_row_model(), labels)
        authors = authors_rows(shared_dir / "datasets" / "futuretech-2022", set(gold))
        rows = evaluate_rows(gold, url, authors, labels)
        database.unlink(missing_ok=True)
    learned = confidence_model.report(gold, facts, ranking.load_model(ranking.MODEL_PATH), labels)
    yield evaluate(gold, facts), rows, learned, by_row


@pytest.fixture(scope="module")
def evaluation(evaluations: Evaluations) -> Evaluation:
    return evaluations[0]


@pytest.fixture(scope="module")
def rows(evaluations: Evaluations) -> RowEvaluation:
    return evaluations[1]


@pytest.fixture(scope="module")
def learned(evaluations: Evaluations) -> confidence_model.ConfidenceReport:
    report = evaluations[2]
    assert report is not None, "the dev corpus has too few labelled candidates to cross-validate"
    return report


@pytest.fixture(scope="module")
def by_row(evaluations: Evaluations) -> row_model.RowConfidenceReport:
    report = evaluations[3]
    assert report is not None, "the dev corpus has too few rows to cross-validate"
    return report


def test_zero_touch_at_0_9_by_cross_validated_row_confidences(
    by_row: row_model.RowConfidenceReport,
) -> None:
    """Each paper's rows scored by a result model and a row model trained without it: what the
    nightly code accepts at 0.9 covers gold rows with their own compute, and its ImageNet FLOPs
    slope stays near the gold rows' (means over the partitions)."""
    top = by_row.zero_touch[0]
    assert top.threshold == 0.9
    assert (top.coverage.ratio or 0.0) >= ROW_CONFIDENCE_FLOORS["coverage_at_0.9"]
    # ... and with its own compute, not only some (all 29.8 covered; in the sixth stop 26.2 of
    # 26.6: a covered gold row can carry another row's compute)
    assert (top.correct.ratio or 0.0) >= ROW_CONFIDENCE_FLOORS["coverage_at_0.9"]
    difference = top.fits["imagenet/flops"]["difference"]
    assert difference is not None
    assert difference <= ROW_CONFIDENCE_FLOORS["slope_difference_at_0.9"]


def test_row_confidence_is_calibrated_under_cross_validation(
    by_row: row_model.RowConfidenceReport,
) -> None:
    """As for result facts: the bins holding >= 20 rows are right more often the higher they
    are, the lowest almost never, the top one nearly always."""
    bins = by_row.cross_validated
    assert bins[0]["n"] >= 100 and bins[0]["right"] <= ROW_CONFIDENCE_FLOORS["low_bin_right"]
    assert bins[-1]["n"] >= 3 and bins[-1]["right"] >= ROW_CONFIDENCE_FLOORS["top_bin_right"]
    rights = [b["right"] for b in bins if b["n"] >= 20]
    assert rights == sorted(rights)


def test_learned_headline_accuracy_holds_under_cross_validation(
    learned: confidence_model.ConfidenceReport,
) -> None:
    cv = learned.cross_validated.headline_accuracy
    assert cv is not None and cv >= LEARNED_FLOORS["headline_accuracy"]


def test_learned_confidence_is_precise_at_the_top_under_cross_validation(
    learned: confidence_model.ConfidenceReport,
) -> None:
    cv = learned.cross_validated
    assert cv.confident >= 30, "too few candidates at >= 0.9 to measure precision"
    assert (cv.precision_at_confident or 0.0) >= LEARNED_FLOORS["precision_at_confident"]


def test_learned_confidence_is_calibrated_under_cross_validation(
    learned: confidence_model.ConfidenceReport,
) -> None:
    """The bins that hold enough candidates to say anything (>= 20) match gold more often the
    higher they are, and the lowest bin almost never does."""
    bins = [b for b in learned.cross_validated.reliability if b["n"] >= 20]
    rights = [b["right"] for b in bins]
    assert len(bins) >= 3 and rights == sorted(rights)
    assert bins[0]["right"] <= LEARNED_FLOORS["low_bin_right"]


@pytest.mark.parametrize(
    "field",
    ["results", "parameters", "flops", "accelerator", "accelerator_count", "training_time"],
)
def test_field_recall(evaluation: Evaluation, field: str) -> None:
    score = evaluation.fields[field]
    assert score.total > 0
    assert score.recall is not None and score.recall >= required(field), (
        f"{field}: {score.found}/{score.total}"
    )


def test_results_recall_on_every_benchmark(evaluation: Evaluation) -> None:
    assert set(evaluation.results_by_benchmark) == set(BENCHMARKS), "a benchmark was not scored"
    low = {
        name: round(score.recall or 0.0, 3)
        for name, score in evaluation.results_by_benchmark.items()
        if (score.recall or 0.0) < FLOORS.get(f"results_{name}", required("results_per_benchmark"))
    }
    assert not low


def test_benchmark_detection(evaluation: Evaluation) -> None:
    assert evaluation.benchmark_precision is not None
    assert evaluation.benchmark_recall is not None
    assert evaluation.benchmark_precision >= required("benchmark_precision")
    assert evaluation.benchmark_recall >= required("benchmark_recall")


def test_results_are_not_a_flood(evaluation: Evaluation) -> None:
    """Recall can be bought with noise; keep candidates per paper bounded."""
    assert evaluation.candidates_per_paper["result"]["median"] <= 60


def row_required(name: str) -> float:
    return ROW_FLOORS.get(name, ROW_TARGETS[name])


def test_gold_rows_are_recovered_as_rows(rows: RowEvaluation) -> None:
    ratio = rows.recovered_as_rows.ratio
    assert ratio is not None and ratio >= row_required("recovered_as_rows"), ratio


@pytest.mark.parametrize("field", ["parameters", "flops", "training_time", "hardware_burden"])
def test_perfect_curator_rows_carry_their_compute(rows: RowEvaluation, field: str) -> None:
    linked = rows.linked[field]
    assert linked.total > 0
    assert (linked.ratio or 0.0) >= row_required(field), f"{field}: {linked.found}/{linked.total}"


def test_network_operations_agree_with_the_authors(rows: RowEvaluation) -> None:
    checked = rows.net_ops_vs_authors
    assert checked.total > 0
    assert (checked.ratio or 0.0) >= row_required("network_operations"), checked


@pytest.mark.parametrize("measure", ["flops", "params"])
def test_imagenet_fit_from_rows_follows_the_gold_rows(rows: RowEvaluation, measure: str) -> None:
    fit = rows.fits[f"imagenet/{measure}"]
    assert fit["difference"] is not None and fit["difference"] <= row_required("imagenet_slope")


def test_a_gold_row_costs_few_review_decisions(rows: RowEvaluation) -> None:
    """Target: a median below 3 (met); held at the measured 2."""
    median = rows.to_dict()["decisions_per_gold_row"]["median"]
    assert median is not None
    if "decisions" in ROW_FLOORS:
        assert median <= ROW_FLOORS["decisions"], median
    else:
        assert median < ROW_TARGETS["decisions"], median


def test_zero_touch_is_measured_and_grows_as_the_threshold_falls(rows: RowEvaluation) -> None:
    """The in-sample sweep (the committed models): measured on one denominator, and a lower
    threshold accepts a superset (``evaluate_rows``, 6). Issue 13's target is judged on the
    cross-validated sweep (test_zero_touch_at_0_9_by_cross_validated_row_confidences)."""
    sweep = rows.zero_touch
    assert [z.threshold for z in sweep] == sorted((z.threshold for z in sweep), reverse=True)
    assert len({z.coverage.total for z in sweep}) == 1 and sweep[0].coverage.total > 0
    for higher, lower in itertools.pairwise(sweep):
        assert lower.rows >= higher.rows and lower.coverage.found >= higher.coverage.found
