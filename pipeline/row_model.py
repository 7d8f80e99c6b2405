"""Train the learned row confidence (``ctrends train-confidence``) and measure it honestly.

Samples are the assembled rows of a gold corpus that have a score and a compute measure (what
:func:`pipeline.zerotouch.row_confidences` scores), read from the evaluation's database before
any review, with their proposal (``pipeline.review_rows.proposal``). A row is positive when its
proposed cells give a right data point (:func:`pipeline.evaluate_rows.right_data_point`: a gold
row's score with that gold row's FLOPs or hardware burden), or when the hand labels say its
score and its FLOPs cell are right (:class:`PageVerdicts`: gold lists headline rows only). A
right row that neither judges is a negative: the precision figures are lower bounds.

The row features include the score fact's two learned probabilities (headline, right as
stored). At run time they come from result models that never saw the paper, so the committed
row model is trained on paper-grouped out-of-fold result probabilities, and its
cross-validation repeats the whole procedure per fold: result models and a row model trained
without the fold's papers score them (the row model's own training rows carrying out-of-fold
probabilities of the training papers alone). The model reuses
:mod:`pipeline.confidence_model`'s logistic regression and isotonic calibration.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from db.models import RowCell
from db.session import session_scope
from extractors.ranking import Model
from extractors.row_confidence import (
    FLOPS,
    ROW_FEATURES,
    SCORE_PROBABILITY,
    SCORE_RIGHT_PROBABILITY,
    row_features,
)
from pipeline import confidence_model
from pipeline.confidence_model import (
    FOLDS,
    PARTITIONS,
    Dataset,
    paper_folds,
    pooled_reliability,
    reliability,
)
from pipeline.evaluate import Fact, copy_database
from pipeline.evaluate_rows import ZeroTouch, pooled_sweeps, right_data_point, zero_touch_sweep
from pipeline.export import fact_to_dict
from pipeline.hand_labels import CellLabels, HandLabel, match_labels
from pipeline.review_rows import proposal
from pipeline.zerotouch import open_rows

Key = tuple[str, int]  # (arXiv id, fact id) of a result fact
_SCORE_COLUMNS = tuple(ROW_FEATURES.index(n) for n in (SCORE_PROBABILITY, SCORE_RIGHT_PROBABILITY))


def row_dataset(
    session: Session, gold: Mapping[str, Mapping[str, Any]], labels: Sequence[HandLabel] = ()
) -> Dataset:
    """Features and labels of the rows with a score and a compute measure of the gold papers,
    by paper then row id; each sample's ``facts`` entry names its row and its score fact, and
    for a row nothing judges what to read (``to_label``). A row is right when gold says so
    (:func:`right_data_point`) or the hand labels do (:class:`PageVerdicts`); ``hand`` holds
    the rows either judges."""
    by_paper: dict[str, list[Any]] = {}
    for row in open_rows(session):
        if row.paper.arxiv_id in gold:
            by_paper.setdefault(row.paper.arxiv_id, []).append(row)
    page = PageVerdicts(labels, [r for rows in by_paper.values() for r in rows])
    samples: list[Fact] = []
    vectors: list[list[float]] = []
    targets: list[int] = []
    judged: dict[int, bool] = {}
    for pid in sorted(by_paper):
        entries = [(row, proposal(row)) for row in by_paper[pid]]
        gold_rows = list(gold[pid].get("rows", []))
        for (row, cells), vector in zip(entries, row_features(entries), strict=True):
            if vector is None:
                continue
            right = right_data_point(gold_rows, cells)
            verdict, to_label = page.judge(row, cells)
            if right or verdict is not None:
                judged[len(samples)] = right or bool(verdict)
            samples.append(
                {"arxiv_id": pid, "row_id": row.id, "score": cells["score"].fact_id,
                 "to_label": [] if len(samples) in judged else to_label}
            )  # fmt: skip
            vectors.append(vector)
            targets.append(int(right or bool(verdict)))
    x = np.array(vectors, dtype=float).reshape(len(vectors), len(ROW_FEATURES))
    groups = [s["arxiv_id"] for s in samples]
    return Dataset(samples, x, np.array(targets, dtype=int), groups, judged)


class PageVerdicts:
    """Whether a row gold does not list is a right data point by the hand labels: its score
    fact's label says right, and so does the label of its FLOPs cell as this row's cell (a
    FLOPs label naming the row, :class:`pipeline.hand_labels.CellLabels`). Gold lists headline
    rows only, so without this every right non-headline row (a paper's smaller variants, its
    ablations with their FLOPs) would be a negative that looks like the positives. A row
    measured by hardware burden alone is judged by gold only (no labels judge those cells).
    A row gold does not list and the labels leave open (:meth:`judge` None) is a negative that
    may be right: :meth:`judge` also says what to read (``ctrends eval --unlabelled-rows``)."""

    def __init__(self, labels: Sequence[HandLabel], rows: Sequence[Any]) -> None:
        self._cells = CellLabels(labels)
        scores = [fact_to_dict(cell.fact) for row in rows for cell in row.cells
                  if cell.field == "score"]  # fmt: skip
        self._scores = {
            (m.fact["arxiv_id"], m.fact["id"]): m.label.right
            for m in match_labels([label for label in labels if not label.is_cell], scores)
        }

    def judge(
        self, row: Any, cells: Mapping[str, RowCell]
    ) -> tuple[bool | None, list[dict[str, Any]]]:
        """The verdict (right when the score's label and the FLOPs cell's say right, wrong when
        either says wrong, None when the labels leave it open or the row has no FLOPs cell) and
        what a person has to read to settle an open one: the score fact when no label judges
        it, the FLOPs fact as this row's cell (``row``, ``row_benchmark``) when no cell label
        does, each exported, ready to be labelled."""
        score, flops = cells["score"].fact, cells.get(FLOPS)
        if flops is None:
            return None, []
        cell = fact_to_dict(flops.fact)
        verdicts = (self._scores.get((row.paper.arxiv_id, score.id)),
                    self._cells.verdict(cell, row.model, score.benchmark))  # fmt: skip
        if False in verdicts:
            return False, []
        if None not in verdicts:
            return True, []
        todo = [fact_to_dict(score)] if verdicts[0] is None else []
        if verdicts[1] is None:
            todo.append({**cell, "row": row.model, "row_benchmark": score.benchmark})
        return None, todo


def concatenate(parts: Sequence[Dataset]) -> Dataset:
    """Several corpora's row samples as one (a paper is in one corpus: its fact ids stay its)."""
    return Dataset(
        [f for p in parts for f in p.facts],
        np.vstack([p.x for p in parts]).reshape(-1, len(ROW_FEATURES)),
        np.concatenate([p.y for p in parts]).astype(int),
        [g for p in parts for g in p.groups],
        {},
    )


def _keys(results: Dataset) -> list[Key]:
    return [(g, int(f.get("id") or 0)) for g, f in zip(results.groups, results.facts, strict=True)]


Probabilities = tuple[Mapping[Key, float], Mapping[Key, float]]  # headline, right as stored


def _with_scores(rows: Dataset, probabilities: Probabilities) -> Dataset:
    """``rows`` with each score fact's two probabilities replaced by ``probabilities`` (when
    known)."""
    x = rows.x.copy()
    for column, known in zip(_SCORE_COLUMNS, probabilities, strict=True):
        for i, sample in enumerate(rows.facts):
            key = (sample["arxiv_id"], int(sample["score"]))
            if key in known:
                x[i, column] = known[key]
    return Dataset(rows.facts, x, rows.y, rows.groups, {})


def _out_of_fold(results: Dataset) -> Probabilities:
    keys = _keys(results)
    return (
        dict(zip(keys, confidence_model.cross_validated(results), strict=True)),
        dict(zip(keys, confidence_model.cross_validated(results.every_label()), strict=True)),
    )


def fit(results: Dataset, rows: Dataset, folds: int = FOLDS) -> Model:
    """The row model: trained on ``rows`` carrying out-of-fold result probabilities."""
    model = confidence_model.fit(_with_scores(rows, _out_of_fold(results)), folds, ROW_FEATURES)
    model.meta["result_candidates"] = len(results.y)
    return model


def cross_validated(
    results: Dataset, rows: Dataset, folds: int = FOLDS, partition: int = 0
) -> list[float]:
    """Each row's confidence from result models and a row model (:func:`fit`) that never saw
    its paper, the papers split into folds by ``partition`` (:func:`paper_folds`)."""
    scores = np.zeros(len(rows.y))
    keys = _keys(results)
    for train, test in paper_folds(rows.groups, folds, partition):
        scores[test] = _held_out_scores(results, keys, rows, train, test, folds)
    return scores.tolist()


def _held_out_scores(
    results: Dataset,
    keys: Sequence[Key],
    rows: Dataset,
    train: np.ndarray,
    test: np.ndarray,
    folds: int,
) -> np.ndarray:
    """The confidences of the rows ``test`` from models trained without their papers
    (``keys``: the result candidates' keys, :func:`_keys`)."""
    held_out = {rows.groups[i] for i in test}
    part = results.take([i for i, g in enumerate(results.groups) if g not in held_out])
    try:
        result_models = (confidence_model.fit(part, folds),
                         confidence_model.fit(part.every_label(), folds))  # fmt: skip
        row_model = fit(part, rows.take(train), folds)
    except ValueError:  # a fold without both labels: the base rate
        return np.full(len(test), rows.y[train].mean())
    unseen = [i for i, g in enumerate(results.groups) if g in held_out]
    headline, right = (
        {keys[i]: model.probability(results.x[i].tolist()) for i in unseen}
        for model in result_models
    )
    tested = _with_scores(rows.take(test), (headline, right))
    return np.array([row_model.probability(vector) for vector in tested.x.tolist()])


@dataclass
class RowConfidenceReport:
    """The row confidence on one corpus: reliability and precision at the top, in-sample (the
    committed models) and cross-validated, and the zero-touch sweep by cross-validated rows:
    the cross-validated figures pooled over the partitions (means of counts,
    :func:`confidence_model.pooled`), the top sweep of each partition beside them."""

    rows: int
    right: int
    in_sample: list[dict[str, Any]] | None  # reliability; None without a committed row model
    cross_validated: list[dict[str, Any]]
    zero_touch: list[ZeroTouch]
    data: Dataset | None = None  # the samples, for :meth:`unlabelled`
    scores: dict[str, list[float]] = field(default_factory=dict)  # column -> score per sample
    by_partition: list[ZeroTouch] = field(default_factory=list)  # each partition's top sweep

    def unlabelled(self, threshold: float) -> list[dict[str, Any]]:
        """The rows at >= ``threshold`` in some column (in-sample, cross-validated) that neither
        gold nor the hand labels judge, each with its scores and the facts to label
        (:meth:`PageVerdicts.judge`): what to read next for honest row labels."""
        if self.data is None:
            return []
        return [
            {"arxiv_id": sample["arxiv_id"], "row_id": sample["row_id"],
             "scores": {name: round(s[i], 4) for name, s in self.scores.items()},
             "to_label": sample["to_label"]}
            for i, sample in enumerate(self.data.facts)
            if i not in self.data.hand and sample["to_label"]
            and any(s[i] >= threshold for s in self.scores.values())
        ]  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "right": self.right,
            "in_sample_reliability": self.in_sample,
            "cross_validated_reliability": self.cross_validated,
            "cross_validated_zero_touch": [z.to_dict() for z in self.zero_touch],
            "cross_validated_zero_touch_by_partition": [z.to_dict() for z in self.by_partition],
        }


def report(
    gold: Mapping[str, Mapping[str, Any]],
    facts: Mapping[str, list[Fact]],
    database: Path,
    model: Model | None,
    labels: Sequence[HandLabel] = (),
) -> RowConfidenceReport | None:
    """Row-confidence figures on an unreviewed evaluation database (a SQLite file, left as it
    is: each partition's sweep accepts rows in a copy of its own); None when the corpus has too
    few papers or labels to cross-validate."""
    results = confidence_model.dataset(gold, facts, labels)
    with session_scope(f"sqlite:///{database}") as session:
        rows = row_dataset(session, gold, labels)
    if len(set(rows.y.tolist())) < 2 or len(set(rows.groups)) < FOLDS:
        return None
    by_partition = [cross_validated(results, rows, partition=p) for p in range(PARTITIONS)]
    labels_ = rows.y.tolist()
    stored = [model.probability(v) for v in rows.x.tolist()] if model else None
    sweeps = []
    with tempfile.TemporaryDirectory(prefix="ctrends-sweep-") as tmp:
        for partition, cv in enumerate(by_partition):
            copy = Path(tmp) / f"partition-{partition}.db"
            copy_database(database, copy)
            confidences = {int(s["row_id"]): p for s, p in zip(rows.facts, cv, strict=True)}
            sweeps.append(zero_touch_sweep(gold, f"sqlite:///{copy}", confidences))
    return RowConfidenceReport(
        rows=len(labels_),
        right=sum(labels_),
        in_sample=reliability(labels_, stored) if stored else None,
        cross_validated=pooled_reliability([reliability(labels_, cv) for cv in by_partition]),
        zero_touch=pooled_sweeps(sweeps),
        data=rows,
        scores={
            "cross_validated": np.mean(by_partition, axis=0).tolist(),  # --unlabelled-rows
            **({"in_sample": stored} if stored else {}),
        },
        by_partition=[sweep[0] for sweep in sweeps],
    )
