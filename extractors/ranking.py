"""A learned, calibrated confidence for result facts (issue 13): rules propose, the model ranks.

The rules' hand-set confidence (:mod:`extractors.confidence`) says what kind of evidence a
number is, but its scale was tuned by eye and higher did not mean more often right. Here each
result candidate is described by features computed only from what extraction already knows
(its rule, its details, its rank among the paper's other candidates), and a logistic regression
with isotonic calibration, trained by ``ctrends train-confidence`` on the gold corpora and kept
as JSON in ``extractors/models/confidence.json``, turns them into a probability of being a
gold number. The rule confidence stays in ``details["rule_confidence"]``: rows and the store's
tie-breaks keep using it (:func:`extractors.kinds.rule_preference`).

Gold lists a paper's headline rows, so that probability is also what ranks a headline. A second
model of the same features (``extractors/models/confidence_right.json``) learns from every
label, a hand label's "right" for a number gold does not list included: the probability that
the number is right as stored, kept in ``details["right_probability"]``. A model row's score is
judged by it (:mod:`extractors.row_confidence`): a paper's smaller variants and ablations are
right data points, though no headline.

Reading the model needs no scikit-learn: a dot product, a sigmoid and a piecewise-linear
interpolation. A missing or unreadable model file leaves the rule confidences, with the reason
logged once.
"""

from __future__ import annotations

import json
import logging
import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.confidence import COLUMN_DOUBTS
from extractors.facts import ExtractedFact
from extractors.kinds import MODEL_SCORE, rule_confidence
from extractors.vocabulary import vocabulary

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).resolve().parent / "models" / "confidence.json"
RIGHT_MODEL_PATH = MODEL_PATH.with_name("confidence_right.json")
RULE_CONFIDENCE = "rule_confidence"
RIGHT_PROBABILITY = "right_probability"
SCORED_KINDS = ("result",)  # the kinds the model scores; others keep their rule confidence
SCORE_TOLERANCE = 0.06  # two candidates "agree" when their scores are this close (points)
_BRACKETED_HEADER = re.compile(r"\([^()]*\)\s*$")

Getter = Callable[[str], Any]


def _getter(fact: Any) -> Getter:
    return fact.get if isinstance(fact, Mapping) else lambda name: getattr(fact, name, None)


# --- features ---------------------------------------------------------------------------------

# The cues extractors record in a result fact's details (the other ADJUSTMENTS move only the
# rule confidence or never fire on results: constant columns teach a model nothing).
CUE_FEATURES = (
    "benchmark_from_paper", "benchmark_named", "best_in_column", "best_in_paper", "bold",
    "ensemble", "marked_own", "metric_from_caption", "named_in_title", "own_claim",
    "quoted_from_other_paper", "swapped_top_k", "unnamed_row",
)  # fmt: skip
FEATURES: tuple[str, ...] = (
    "rule_confidence",
    "prose",
    "error_column",
    "has_model",
    "header_bracketed",
    "early_page",
    "rule_rank_in_benchmark",
    "best_score_in_metric",
    "best_undoubted_in_metric",
    "best_undoubted_in_primary",
    "recorded_metric",
    "test_split",
    "stated_in_table_and_prose",
    "label_repeated_in_column",
    "label_qualified",
    "below_in_row",
    "dev_beside_test",
    "log_candidates_in_benchmark",
    *(f"cue_{name}" for name in CUE_FEATURES),
)
# Features that say which of a row's readings is its headline, not whether a reading is right
# as stored: a model's 300 px setting beside its 600 px one, a dev score beside the test score,
# are right data points. The right-as-stored model does not learn from them
# (:meth:`pipeline.confidence_model.Dataset.every_label`).
HEADLINE_ONLY = ("below_in_row", "dev_beside_test")
# What makes a table value's reading doubtful: its column's meaning was guessed, or its row has
# no name. The paper's best undoubted score is a better headline guess than its best score,
# which a misread column (another dataset's mAP filed as COCO AP) often holds.
_DOUBTS = (*COLUMN_DOUBTS, "unnamed_row")
_TEST_SPLITS = ("test", "test-dev")
_DEV_SPLITS = ("dev", "val")


def features(facts: Sequence[Any]) -> list[list[float]]:
    """One feature vector (in :data:`FEATURES` order) per fact of one paper's result facts.

    Context features compare a fact with the paper's other candidates on its benchmark: its
    rank by rule confidence, whether it is the best score of its metric (among all candidates,
    and among those whose reading nothing doubts), whether the same score is printed both in a
    table and in a sentence (a paper repeats its headline). A test-split column is what a paper
    reports as final where it prints dev and test side by side.

    The benchmark's primary metric (benchmarks.toml) is what a headline is ranked by: COCO
    papers print AP50 and AP75 beside box AP (SSD, YOLOv3, Cascade R-CNN), and the best AP50 is
    the best of its own metric, so the model also sees whether a fact is the best undoubted
    score of the primary metric, and whether its metric is one the leaderboards record (top-1
    and top-5 for ImageNet, box AP alone for COCO)."""
    gets = [_getter(f) for f in facts]
    by_benchmark: dict[Any, list[int]] = defaultdict(list)
    for i, get in enumerate(gets):
        by_benchmark[get("benchmark")].append(i)
    scores = [_score(get) for get in gets]
    rules = [rule_confidence(f) for f in facts]
    undoubted = [not any((get("details") or {}).get(c) for c in _DOUBTS) for get in gets]
    benchmarks = vocabulary().benchmarks
    entries = [(benchmarks.get(str(get("benchmark"))), get("metric")) for get in gets]
    primary = [bool(e) and metric == e.primary_metric for e, metric in entries]
    recorded = [bool(e) and metric in e.recorded_metrics for e, metric in entries]
    keys = [_column_key(get) for get in gets]
    columns: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        columns[key].append(i)
    table_rows: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, get in enumerate(gets):
        key = _row_key(get)
        if key[-1] and "header" in (get("details") or {}):  # a named table cell
            table_rows[key].append(i)
    rows = []
    for i, get in enumerate(gets):
        details = get("details") or {}
        peers = by_benchmark[get("benchmark")]
        same_metric = [j for j in peers if gets[j]("metric") == get("metric")]
        primary_peers = [j for j in peers if primary[j] and undoubted[j]]
        rank = sum(rules[j] > rules[i] for j in peers)
        prose = not str(get("rule") or "").startswith("table")
        echoed = any(
            j != i
            and scores[i] is not None
            and scores[j] is not None
            and abs(scores[i] - scores[j]) <= SCORE_TOLERANCE
            and (not str(gets[j]("rule") or "").startswith("table")) != prose
            for j in same_metric
        )
        row = [
            rules[i],
            float(prose),
            float(get("rule") == "table_error_column"),
            float(bool((get("model") or "").strip())),
            float(bool(_BRACKETED_HEADER.search(str(details.get("header") or "")))),
            float(int(get("page") or 1) <= 3),
            1.0 / (1.0 + rank),
            float(_is_best(scores, i, same_metric)),
            float(undoubted[i] and _is_best(scores, i, [j for j in same_metric if undoubted[j]])),
            float(i in primary_peers and _is_best(scores, i, primary_peers)),
            float(recorded[i]),
            float(details.get("split") in _TEST_SPLITS),
            float(echoed),
            float(_label_repeated(keys[i], details, scores, i, columns[keys[i]])),
            float(_label_qualified(get, details)),
            float(_below_in_row(scores, i, table_rows.get(_row_key(get), ()))),
            float(_dev_beside_test(gets, i, table_rows.get(_row_key(get), ()))),
            math.log1p(len(peers)),
            *(float(bool(details.get(name))) for name in CUE_FEATURES),
        ]
        rows.append(row)
    return rows


def _column_key(get: Getter) -> tuple[Any, ...]:
    """A table column (page, metric, header) and a row label without its trailing bracketed
    header text: two values under one label in one column are two rows the label cannot tell
    apart (a family name filled down over its sub-rows, "ECA-Net (Ours)" under three
    backbones), where the same label in two columns is one row's variants (val and test-dev)."""
    details = get("details") or {}
    label = str(get("model") or "").strip()
    while _BRACKETED_HEADER.search(label):
        label = _BRACKETED_HEADER.sub("", label).strip()
    return get("page"), get("metric"), details.get("header"), " ".join(label.lower().split())


def _label_repeated(
    key: tuple[Any, ...],
    details: Mapping[str, Any],
    scores: Sequence[float | None],
    i: int,
    column: Sequence[int],
) -> bool:
    """Whether another candidate in table cell ``i``'s column (``key``, :func:`_column_key`)
    has its row label and another score."""
    if not key[3] or "header" not in details:
        return False
    return any(j != i and scores[j] != scores[i] for j in column)


def _label_qualified(get: Getter, details: Mapping[str, Any]) -> bool:
    """Whether the row label ends in its column's split or header, or its value: what
    extraction appends when one row has two values of one metric on one page
    (``extractors.results``), so the label alone does not say which setting it is."""
    label = str(get("model") or "").strip()
    qualifiers = (details.get("split"), details.get("header"), get("value"))
    return any(q and label.endswith(f"({q})") for q in qualifiers)


def _row_key(get: Getter) -> tuple[Any, ...]:
    """A table row's readings of one metric on one page: its label without the qualifier
    extraction appends when the row has two values of the metric (:func:`_label_qualified`)."""
    details = get("details") or {}
    label = str(get("model") or "").strip()
    for qualifier in (details.get("split"), details.get("header"), get("value")):
        if qualifier and label.endswith(f"({qualifier})"):
            label = label[: -len(f"({qualifier})")].strip()
            break
    return get("page"), get("benchmark"), get("metric"), " ".join(label.lower().split())


def _below_in_row(scores: Sequence[float | None], i: int, row: Sequence[int]) -> bool:
    """Whether another reading of the same table row and metric scores higher: one model in
    two settings side by side (300 and 600 px input, ShuffleNet 1707.01083; ViT-B and ViT-L
    backbones, MAE 2111.06377; 224 and 320 px crops, SENet 1709.01507), of which a paper's
    headline is the better one."""
    return scores[i] is not None and any(
        scores[j] is not None and scores[j] > scores[i] + 1e-9 for j in row if j != i
    )


def _dev_beside_test(gets: Sequence[Getter], i: int, row: Sequence[int]) -> bool:
    """Whether a dev or validation reading has a test reading in the same table row and
    metric: "CoNLL03 DEV | CoNLL03 TEST" (1611.04361), "BLEU dev | BLEU test" (1406.1078),
    "COCO val | test-dev" (1512.03385): the paper's final figure is the test one."""
    details = gets[i]("details") or {}
    return details.get("split") in _DEV_SPLITS and any(
        (gets[j]("details") or {}).get("split") in _TEST_SPLITS for j in row if j != i
    )


def _is_best(scores: Sequence[float | None], i: int, among: Sequence[int]) -> bool:
    """Whether candidate ``i`` has the highest score of ``among`` (ties count)."""
    best = max((scores[j] for j in among if scores[j] is not None), default=None)
    return best is not None and scores[i] is not None and scores[i] >= best - 1e-9


def _score(get: Getter) -> float | None:
    error = get("error")
    return None if error is None else (1.0 - float(error)) * 100.0


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Standardised logistic regression, then an isotonic map of its probability."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    knots_x: tuple[float, ...]
    knots_y: tuple[float, ...]
    meta: dict[str, Any]

    def raw(self, row: Sequence[float]) -> float:
        z = self.intercept + sum(
            c * (x - m) / s
            for c, x, m, s in zip(self.coef, row, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def probability(self, row: Sequence[float]) -> float:
        """The calibrated probability that the candidate is a gold number, to 3 decimals."""
        return round(interpolate(self.knots_x, self.knots_y, self.raw(row)), 3)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "isotonic": {"x": list(self.knots_x), "y": list(self.knots_y)},
            **self.meta,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], expected: tuple[str, ...] = FEATURES) -> Model:
        """The model in ``data``, refused unless its features are ``expected`` (the reader's)."""
        names = tuple(data["features"])
        if names != expected:
            raise ValueError("the model's feature list is not this extractor's (retrain it)")
        keys = ("features", "mean", "scale", "coef", "intercept", "isotonic")
        return cls(
            features=names,
            mean=tuple(map(float, data["mean"])),
            scale=tuple(map(float, data["scale"])),
            coef=tuple(map(float, data["coef"])),
            intercept=float(data["intercept"]),
            knots_x=tuple(map(float, data["isotonic"]["x"])),
            knots_y=tuple(map(float, data["isotonic"]["y"])),
            meta={k: v for k, v in data.items() if k not in keys},
        )


def interpolate(xs: Sequence[float], ys: Sequence[float], x: float) -> float:
    """Piecewise-linear through the knots, flat beyond them (what isotonic regression predicts
    with ``out_of_bounds="clip"``)."""
    if not xs:
        return x
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    k = bisect_right(xs, x)
    x0, x1, y0, y1 = xs[k - 1], xs[k], ys[k - 1], ys[k]
    return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH, expected: tuple[str, ...] = FEATURES) -> Model | None:
    """The committed model (of the ``expected`` features: the row model,
    :mod:`extractors.row_confidence`, shares this reader), or None (logged once) when it is
    missing or unreadable: the caller then keeps its rule confidences."""
    try:
        return Model.from_json(json.loads(path.read_text()), expected)
    except FileNotFoundError:
        log.warning("no confidence model at %s: confidences stay the rules'", path)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("confidence model %s unusable (%s): confidences stay the rules'", path, exc)
    return None


def rescore(facts: list[ExtractedFact], model: Model | None, right: Model | None = None) -> None:
    """Set each scored fact's confidence to ``model``'s probability, keeping the rule's, and
    record ``right``'s probability that it is right as stored and ``model``'s uncalibrated
    score, the tie-break between equal confidences (either model may be missing)."""
    scored = [f for f in facts if f.kind in SCORED_KINDS]
    for fact, row in zip(scored, features(scored), strict=True):
        if right is not None:
            fact.details[RIGHT_PROBABILITY] = right.probability(row)
        if model is not None:
            fact.details.setdefault(RULE_CONFIDENCE, fact.confidence)
            fact.confidence = model.probability(row)
            fact.details[MODEL_SCORE] = round(model.raw(row), 6)
