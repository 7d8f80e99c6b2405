"""Train the learned confidence (``ctrends train-confidence``) and measure it honestly.

Candidates are the result facts extraction stores for a gold corpus; a candidate is positive
when it matches one of its paper's gold results (:func:`pipeline.evaluate.matches`), or when a
hand label (:mod:`pipeline.hand_labels`) read it on its page and found it right; a hand label's
"wrong" makes it negative. Gold lists headline rows, not every true number; the hand labels are
what says a non-headline number is right too. A model learns from gold and from the hand
labels' "wrong" only (:attr:`Dataset.trainable`): a right number gold does not list is scored and
counted right in every figure, but it is no positive to learn, or the ranking forgets which of a
paper's right numbers is its headline. Logistic regression on standardised features
(:mod:`extractors.ranking`), then isotonic calibration fitted on paper-grouped out-of-fold
probabilities (averaged over bootstrap resamples, :func:`_calibration`), so the calibration
never sees a paper scored by a model trained on it.

Every figure for the learned component is reported twice: in-sample (the committed model on
the papers it was trained on) and cross-validated (each paper scored by models that never saw
it). The gap between them is how much the model fits these papers. Cross-validation is repeated
over :data:`PARTITIONS` partitions of the papers into folds (:func:`paper_folds`) and its figures
pooled (:func:`pooled`: counts the partitions' means): with one partition, which papers happen
to share a fold moved the figures by more than most changes do (measured:
docs/extraction-quality.md, "Measuring on 66 papers").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from extractors.kinds import MODEL_SCORE
from extractors.ranking import FEATURES, HEADLINE_ONLY, SCORED_KINDS, Model, features
from pipeline.evaluate import Fact, evaluate, gold_items, matches
from pipeline.hand_labels import HandLabel, load_labels, match_labels

FOLDS = 5
# Partitions of the papers the cross-validated figures are pooled over (:func:`paper_folds`).
PARTITIONS = 5
# The repository's hand labels, one file per corpus, named after the corpus directory.
HAND_LABELS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "hand-labels"
REGULARISATION = 1.0  # sklearn's C; the default, not tuned on these papers
CALIBRATION_RESAMPLES = 50  # bootstrap resamples averaged by the calibration (_calibration)
BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0001)  # reliability-table edges
CONFIDENT = 0.9


@dataclass
class Dataset:
    """Result candidates of a corpus, sorted by paper then fact id (reproducible)."""

    facts: list[Fact]
    x: np.ndarray
    y: np.ndarray
    groups: list[str]
    hand: dict[int, bool]  # index of a hand-labelled candidate -> right
    # Candidates a model may learn from (None: all). A number a hand label finds right but no
    # gold row lists is right, yet it is no headline: learning it as a positive taught the
    # model that an AP50 beside box AP is as good a pick as the box AP (the CV headline fell
    # from 0.643 to 0.571), so it is scored and counted in every figure but not learned from.
    trainable: np.ndarray | None = None

    def digest(self) -> str:
        """SHA-256 of the training data (papers, features, labels) as the model saw it."""
        payload = [
            [g, [round(float(v), 6) for v in row], int(label)]
            for g, row, label in zip(self.groups, self.x.tolist(), self.y.tolist(), strict=True)
        ]
        return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()

    def take(self, indices: Sequence[int]) -> Dataset:
        """The candidates at ``indices`` (hand labels dropped: only figures read them)."""
        index = list(indices)
        trainable = None if self.trainable is None else self.trainable[index]
        return Dataset(
            [self.facts[i] for i in index], self.x[index], self.y[index],
            [self.groups[i] for i in index], {}, trainable,
        )  # fmt: skip

    def every_label(self) -> Dataset:
        """The candidates with every label learnable: a right number no gold row lists is a
        positive too (the right-as-stored model, :data:`extractors.ranking.RIGHT_MODEL_PATH`).
        Its :data:`extractors.ranking.HEADLINE_ONLY` columns are zero, so the model's weights
        on them are zero too (a constant column gives a regularised fit nothing to learn)."""
        x = self.x.copy()
        x[:, [FEATURES.index(name) for name in HEADLINE_ONLY]] = 0.0
        return Dataset(self.facts, x, self.y, self.groups, self.hand, None)

    def learnable(self) -> Dataset:
        """The candidates a model learns from (:attr:`trainable`)."""
        if self.trainable is None or self.trainable.all():
            return self
        return self.take(np.flatnonzero(self.trainable).tolist())


def dataset(
    gold: Mapping[str, Mapping[str, Any]],
    facts: Mapping[str, list[Fact]],
    labels: Sequence[HandLabel] = (),
) -> Dataset:
    """Features and labels (hand label, else gold) of every scored candidate of the papers that
    have gold."""
    pool = [f for pid in sorted(gold) for f in facts.get(pid, []) if f.get("kind") in SCORED_KINDS]
    verdicts = {id(m.fact): m.label.right for m in match_labels(labels, pool)}
    hand: dict[int, bool] = {}
    rows: list[list[float]] = []
    targets: list[int] = []
    trainable: list[bool] = []
    groups: list[str] = []
    kept: list[Fact] = []
    for pid in sorted(gold):
        items = [i for i in gold_items(gold[pid]) if i.field == "results"]
        candidates = sorted(
            (f for f in facts.get(pid, []) if f.get("kind") in SCORED_KINDS),
            key=lambda f: int(f.get("id") or 0),
        )
        for fact, row in zip(candidates, features(candidates), strict=True):
            if id(fact) in verdicts:
                hand[len(rows)] = verdicts[id(fact)]
            rows.append(row)
            in_gold = any(matches(i, fact) for i in items)
            targets.append(int(verdicts.get(id(fact), in_gold)))
            trainable.append(in_gold or not verdicts.get(id(fact), False))
            groups.append(pid)
            kept.append(fact)
    x = np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))
    return Dataset(kept, x, np.array(targets, dtype=int), groups, hand, np.array(trainable))


def corpus_labels(corpus: Path, directory: Path = HAND_LABELS_DIR) -> list[HandLabel]:
    """The hand labels kept for ``corpus`` (``<directory>/<corpus name>.jsonl``), or none."""
    path = directory / f"{corpus.resolve().name}.jsonl"
    return load_labels(path) if path.is_file() else []


def _logistic(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=REGULARISATION, max_iter=2000, random_state=0)
    lr.fit((x - mean) / scale, y)
    return mean, scale, lr


def _raw(mean: np.ndarray, scale: np.ndarray, lr: LogisticRegression, x: np.ndarray) -> np.ndarray:
    return lr.predict_proba((x - mean) / scale)[:, 1]


def paper_folds(
    groups: Sequence[str], folds: int, partition: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) indices of ``folds`` folds by paper, no paper on both sides: the papers in
    the order of a hash of ``partition`` and their arXiv id, dealt out in turn. A paper's fold
    depends on the set of papers alone, not on how many candidates each has (GroupKFold's
    balancing), so a change to extraction does not reshuffle the folds."""
    papers = sorted(
        set(groups), key=lambda g: hashlib.sha256(f"{partition}:{g}".encode()).hexdigest()
    )
    n = min(folds, len(papers))
    fold_of = {paper: i % n for i, paper in enumerate(papers)}
    fold = np.array([fold_of[g] for g in groups], dtype=int)
    return [(np.flatnonzero(fold != k), np.flatnonzero(fold == k)) for k in range(n)]


def fit(data: Dataset, folds: int = FOLDS, names: tuple[str, ...] = FEATURES) -> Model:
    """Logistic regression on all of ``data`` (columns ``names``: the result features, or the
    row model's), calibrated on its paper-grouped out-of-fold probabilities; it learns from
    the :meth:`Dataset.learnable` candidates only."""
    data = data.learnable()
    if len(set(data.y.tolist())) < 2 or len(set(data.groups)) < 2:
        raise ValueError("training needs positive and negative candidates from two papers or more")
    oof = np.zeros(len(data.y))
    for train, test in paper_folds(data.groups, folds):
        if len(set(data.y[train].tolist())) < 2:
            oof[test] = data.y[train].mean()
            continue
        mean, scale, lr = _logistic(data.x[train], data.y[train])
        oof[test] = _raw(mean, scale, lr, data.x[test])
    knots_x, knots_y = _calibration(oof, data.y)
    mean, scale, lr = _logistic(data.x, data.y)
    return Model(
        features=names,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in lr.coef_[0]),
        intercept=float(lr.intercept_[0]),
        knots_x=tuple(round(float(v), 6) for v in knots_x),
        knots_y=tuple(round(float(v), 6) for v in knots_y),
        meta={
            "sklearn_version": sklearn.__version__,
            "training_data_sha256": data.digest(),
            "papers": len(set(data.groups)),
            "candidates": len(data.y),
            "positives": int(data.y.sum()),
            "folds": folds,
            "calibration": f"isotonic, mean of {CALIBRATION_RESAMPLES} bootstrap resamples",
        },
    )


def _calibration(oof: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The knots of the map from out-of-fold probability to calibrated probability: isotonic
    fits on bootstrap resamples of the candidates (seeded), averaged (bagging). One isotonic
    fit is a step function whose top steps rest on a handful of candidates, so a few labels
    move whole blocks of rows across 0.9; the average is the same monotone kind of map,
    piecewise linear between many more knots (measured: docs/extraction-quality.md,
    "Zero-touch")."""
    rng = np.random.default_rng(0)
    fits = []
    for _ in range(CALIBRATION_RESAMPLES):
        sample = rng.integers(0, len(y), len(y))
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        fits.append(iso.fit(oof[sample], y[sample]))
    knots = np.unique(np.concatenate([iso.X_thresholds_ for iso in fits]))
    return knots, np.mean([iso.predict(knots) for iso in fits], axis=0)


def cross_validated(
    data: Dataset, folds: int = FOLDS, names: tuple[str, ...] = FEATURES, partition: int = 0
) -> list[float]:
    """Each candidate's probability from a model (trained and calibrated by :func:`fit`) that
    never saw its paper, the papers split into folds by ``partition`` (:func:`paper_folds`)."""
    return cross_validated_scores(data, folds, names, partition)[0]


def cross_validated_scores(
    data: Dataset, folds: int = FOLDS, names: tuple[str, ...] = FEATURES, partition: int = 0
) -> tuple[list[float], list[float]]:
    """:func:`cross_validated`'s probabilities and the same models' scores before calibration
    (the tie-break between equal probabilities, :data:`extractors.kinds.MODEL_SCORE`)."""
    scores = [0.0] * len(data.y)
    raws = [0.0] * len(data.y)
    for train, test in paper_folds(data.groups, folds, partition):
        try:
            model = fit(data.take(train), folds, names)
        except ValueError:  # a fold without both labels: the base rate
            for i in test:
                scores[i] = raws[i] = float(data.y[train].mean())
            continue
        for i in test:
            row = data.x[i].tolist()
            scores[i], raws[i] = model.probability(row), model.raw(row)
    return scores, raws


# --- figures ----------------------------------------------------------------------------------


@dataclass
class Figures:
    """Headline accuracy, precision at >= 0.9 and a reliability table for one set of scores."""

    headline_correct: float  # counts: means over the partitions in pooled figures (pooled)
    headline_total: float
    confident: float
    confident_right: float
    reliability: list[dict[str, Any]]
    hand_confident: float  # hand-labelled candidates at >= CONFIDENT, and how many are right
    hand_confident_right: float
    hand_reliability: list[dict[str, Any]]  # the reliability table of hand-labelled ones alone

    @property
    def headline_accuracy(self) -> float | None:
        return self.headline_correct / self.headline_total if self.headline_total else None

    @property
    def precision_at_confident(self) -> float | None:
        return self.confident_right / self.confident if self.confident else None

    @property
    def hand_precision_at_confident(self) -> float | None:
        return self.hand_confident_right / self.hand_confident if self.hand_confident else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "headline_accuracy": self.headline_accuracy,
            "headline": [self.headline_correct, self.headline_total],
            f"precision_at_{CONFIDENT}": self.precision_at_confident,
            "confident": [self.confident_right, self.confident],
            f"hand_label_precision_at_{CONFIDENT}": self.hand_precision_at_confident,
            # coverage: k right of n labelled, of N facts at >= CONFIDENT (n < N: not all judged)
            "hand_confident": {
                "right": self.hand_confident_right,
                "labelled": self.hand_confident,
                "facts": self.confident,
            },
            "reliability": self.reliability,
            "hand_reliability": self.hand_reliability,
        }


def figures(
    gold: Mapping[str, Mapping[str, Any]],
    facts: Mapping[str, list[Fact]],
    data: Dataset,
    scores: Sequence[float],
    ranks: Sequence[float] | None = None,
) -> Figures:
    """The figures when each candidate in ``data`` has confidence ``scores[i]``, ties broken by
    ``ranks[i]`` (the model's score before calibration; by default none but the order of the
    facts). Precision and reliability count a candidate right by its label: its hand label,
    else whether it matches gold, a lower bound as gold lists only the headline rows; the
    hand-label precision counts hand-labelled candidates alone."""
    ties = ranks if ranks is not None else [0.0] * len(scores)
    rescored = {id(f): (s, t) for f, s, t in zip(data.facts, scores, ties, strict=True)}

    def rescore(fact: Fact) -> Fact:
        score, tie = rescored[id(fact)]
        return {
            **fact,
            "confidence": score,
            "details": {**(fact.get("details") or {}), MODEL_SCORE: tie},
        }

    replaced = {
        pid: [rescore(f) if id(f) in rescored else f for f in paper] for pid, paper in facts.items()
    }
    headline = evaluate(gold, replaced).headline
    labels = data.y.tolist()
    confident = [y for y, s in zip(labels, scores, strict=True) if s >= CONFIDENT]
    table = reliability(labels, scores)
    hand = [right for i, right in data.hand.items() if scores[i] >= CONFIDENT]
    hand_table = reliability(
        [int(right) for right in data.hand.values()], [scores[i] for i in data.hand]
    )
    return Figures(
        headline.found, headline.total, len(confident), sum(confident), table,
        len(hand), sum(hand), hand_table,
    )  # fmt: skip


def pooled(parts: Sequence[Figures]) -> Figures:
    """The figures of several partitions' cross-validation as one: every count the mean over
    the partitions, every fraction the pooled one (so a ratio is the mean count over the mean
    total, and a bin's fraction right weighs each partition by its candidates there)."""

    def mean(get: Any) -> float:
        return float(np.mean([get(p) for p in parts]))

    return Figures(
        mean(lambda p: p.headline_correct), mean(lambda p: p.headline_total),
        mean(lambda p: p.confident), mean(lambda p: p.confident_right),
        pooled_reliability([p.reliability for p in parts]),
        mean(lambda p: p.hand_confident), mean(lambda p: p.hand_confident_right),
        pooled_reliability([p.hand_reliability for p in parts]),
    )  # fmt: skip


def pooled_reliability(tables: Sequence[list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Reliability tables of the same bins as one: per bin the mean count and the pooled
    fraction right."""
    merged = []
    for bins in zip(*tables, strict=True):
        n = sum(b["n"] for b in bins)
        right = sum(b["n"] * b["right"] for b in bins if b["n"])
        merged.append(
            {"bin": bins[0]["bin"], "n": n / len(bins), "right": right / n if n else None}
        )
    return merged


def reliability(labels: Sequence[int], scores: Sequence[float]) -> list[dict[str, Any]]:
    """Per confidence bin (:data:`BINS`): how many candidates, and the fraction of them right."""
    table = []
    for low, high in pairwise(BINS):
        inside = [y for y, s in zip(labels, scores, strict=True) if low <= s < high]
        table.append(
            {
                "bin": f"{low:.1f}-{min(high, 1.0):.1f}",
                "n": len(inside),
                "right": (sum(inside) / len(inside)) if inside else None,
            }
        )
    return table


@dataclass
class ConfidenceReport:
    """The learned confidence on one corpus: in-sample and cross-validated figures, the rules'."""

    in_sample: Figures
    cross_validated: Figures
    rules: Figures
    data: Dataset  # the candidates scored, and each column's scores of them
    # "rules", "in_sample", "cross_validated" and "right_cross_validated" (the right-as-stored
    # probability, extractors.ranking.RIGHT_MODEL_PATH, of a model that never saw the paper)
    scores: dict[str, list[float]]
    right: Figures  # the right-as-stored probability's figures (cross-validated)
    by_partition: list[Figures]  # each partition's cross-validated figures (their spread)

    def unlabelled(self, threshold: float) -> list[dict[str, Any]]:
        """Candidates at >= ``threshold`` in any column that no hand label judges, each with its
        three scores under ``scores``: the facts still to label for an honest precision."""
        return [
            {**fact, "scores": {name: round(s[i], 4) for name, s in self.scores.items()}}
            for i, fact in enumerate(self.data.facts)
            if i not in self.data.hand and any(s[i] >= threshold for s in self.scores.values())
        ]

    def to_dict(self) -> dict[str, Any]:
        ins, cv = self.in_sample, self.cross_validated

        def gap(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else round(a - b, 4)

        return {
            "in_sample": ins.to_dict(),
            "cross_validated": cv.to_dict(),
            "rules": self.rules.to_dict(),
            "right_as_stored_cross_validated": self.right.to_dict(),
            "cross_validated_by_partition": [
                {
                    "headline": [f.headline_correct, f.headline_total],
                    "confident": [f.confident_right, f.confident],
                }
                for f in self.by_partition
            ],
            "gap": {
                "headline_accuracy": gap(ins.headline_accuracy, cv.headline_accuracy),
                f"precision_at_{CONFIDENT}": gap(
                    ins.precision_at_confident, cv.precision_at_confident
                ),
            },
        }


def report(
    gold: Mapping[str, Mapping[str, Any]],
    facts: Mapping[str, list[Fact]],
    model: Model | None,
    labels: Sequence[HandLabel] = (),
) -> ConfidenceReport | None:
    """In-sample (``model``, or the stored confidences when None), cross-validated and rule
    figures for the corpus; None when it has too few labelled candidates to cross-validate."""
    data = dataset(gold, facts, labels)
    if len(set(data.y.tolist())) < 2 or len(set(data.groups)) < FOLDS:
        return None
    rows = data.x.tolist()
    if model:
        stored = [model.probability(r) for r in rows]
        stored_ranks = [model.raw(r) for r in rows]
    else:
        stored = [float(f["confidence"]) for f in data.facts]
        stored_ranks = [float((f.get("details") or {}).get(MODEL_SCORE) or 0.0) for f in data.facts]
    headline = [cross_validated_scores(data, partition=p) for p in range(PARTITIONS)]
    right = [cross_validated(data.every_label(), partition=p) for p in range(PARTITIONS)]
    scores = {
        "rules": data.x[:, FEATURES.index("rule_confidence")].tolist(),
        "in_sample": stored,
        # what --unlabelled lists: the mean over the partitions
        "cross_validated": np.mean([cv for cv, _ in headline], axis=0).tolist(),
        "right_cross_validated": np.mean(right, axis=0).tolist(),
    }
    by_partition = [figures(gold, facts, data, cv, ranks) for cv, ranks in headline]
    return ConfidenceReport(
        in_sample=figures(gold, facts, data, scores["in_sample"], stored_ranks),
        cross_validated=pooled(by_partition),
        rules=figures(gold, facts, data, scores["rules"]),
        data=data,
        scores=scores,
        right=pooled([figures(gold, facts, data, cv) for cv in right]),
        by_partition=by_partition,
    )
