"""A learned, calibrated confidence for model rows (issue 13): is this row a right data point?

A fit takes a row's score with its compute measure (FLOPs, or hardware burden: hardware x
training time). The row is a right data point only when both are right, and the two are read
apart (often from different tables, or a paper-level sentence), so the score fact's probability
alone says too little and the rules' confidences of compute facts were never calibrated. Here
each row with a score and a compute measure is described by features computed only from what
extraction knows: its proposed cells' learned and rule confidences (of a score: the probability
that it is a headline and that it is right as stored), how each compute cell was
linked (:data:`extractors.rows.LINK_RANK`), whether the score and the FLOPs sit in one table,
whether the row is the paper's own and its best score on the benchmark, how many rows the paper
has and how many share the FLOPs count. A logistic regression with isotonic calibration (the
reader is :class:`extractors.ranking.Model`, no scikit-learn), trained by ``ctrends
train-confidence`` (:mod:`pipeline.row_model`) and kept in ``extractors/models/
row_confidence.json``, turns them into a probability. Nothing here names a paper.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from extractors.kinds import rule_confidence
from extractors.ranking import RIGHT_PROBABILITY, Model, load_model
from extractors.rows import name_distance

ROW_MODEL_PATH = Path(__file__).resolve().parent / "models" / "row_confidence.json"
FLOPS, HARDWARE, TIME = "ops_forward_pass", "hardware", "training_time_sec"
ALTERNATIVE = 0.1  # two FLOPs counts further apart than this (relative) are two readings
SCORE_PROBABILITY = "score_probability"
SCORE_RIGHT_PROBABILITY = "score_right_probability"
ROW_FEATURES: tuple[str, ...] = (
    SCORE_PROBABILITY,  # the score fact's learned probability of being a headline
    SCORE_RIGHT_PROBABILITY,  # ... and of being right as stored (extractors.ranking)
    "score_rule_confidence",
    "score_in_table",
    "has_flops",
    "flops_rule_confidence",
    "flops_same_table_row",
    "flops_by_name",  # same name or name alignment
    "flops_in_score_table",  # a table cell on the score's page: one table, or its neighbour
    "flops_name_distance",
    "log_rows_sharing_flops",
    "log_flops_alternatives",  # the row's other FLOPs cells with another value
    "hardware_rule_confidence",
    "hardware_paper_level",
    "training_time_rule_confidence",  # hardware burden needs it
    "own",
    "best_own_score",
    "log_scored_rows",
)
BY_NAME = ("same name", "name alignment")


class FactLike(Protocol):
    id: int
    rule: str | None
    page: int | None
    model: str | None
    benchmark: str | None
    metric: str | None
    error: float | None
    normalized: float | None
    confidence: float
    details: dict[str, Any] | None


class CellLike(Protocol):
    field: str
    link: str
    fact: Any  # a FactLike


class RowLike(Protocol):
    model: str
    own: bool
    cells: Any  # every CellLike of the row, the proposed ones among them


Entry = tuple[RowLike, Mapping[str, CellLike]]  # a row and its proposed cell per field


def row_features(entries: Sequence[Entry]) -> list[list[float] | None]:
    """One vector (in :data:`ROW_FEATURES` order) per row of one paper version, ``None`` for a
    row that is no data point (:func:`data_point`)."""
    scored = [(row, cells) for row, cells in entries if "score" in cells]
    flops_users = Counter(cells[FLOPS].fact.id for _, cells in scored if FLOPS in cells)
    best: dict[tuple[Any, Any], float] = {}
    for row, cells in scored:
        score = cells["score"].fact
        if row.own and score.error is not None:
            key = (score.benchmark, score.metric)
            best[key] = min(best.get(key, math.inf), float(score.error))
    vectors: list[list[float] | None] = []
    for row, cells in entries:
        if not data_point(cells):
            vectors.append(None)
            continue
        score, flops = cells["score"].fact, cells.get(FLOPS)
        hardware, time = cells.get(HARDWARE), cells.get(TIME)
        error = score.error
        vectors.append(
            [
                float(score.confidence),
                right_probability(score),
                rule_confidence(score),
                float(_in_table(score)),
                float(flops is not None),
                rule_confidence(flops.fact) if flops else 0.0,
                float(flops is not None and flops.link == "same table row"),
                float(flops is not None and flops.link in BY_NAME),
                float(
                    flops is not None
                    and _in_table(score)
                    and _in_table(flops.fact)
                    and flops.fact.page == score.page
                ),
                name_distance(row.model, flops.fact.model) / 2.0 if flops else 0.0,
                math.log(flops_users[flops.fact.id]) if flops else 0.0,
                math.log1p(_alternatives(row, flops.fact)) if flops else 0.0,
                rule_confidence(hardware.fact) if hardware else 0.0,
                float(hardware is not None and hardware.link == "paper-level statement"),
                rule_confidence(time.fact) if time else 0.0,
                float(row.own),
                float(
                    row.own
                    and error is not None
                    and float(error) <= best.get((score.benchmark, score.metric), -1.0) + 1e-9
                ),
                math.log1p(len(scored)),
            ]
        )
    return vectors


def data_point(cells: Mapping[str, CellLike]) -> bool:
    """Whether the proposed cells give a fit a data point: a score with FLOPs, or with hardware
    and a training time (a hardware burden; hardware alone measures nothing)."""
    return "score" in cells and (FLOPS in cells or (HARDWARE in cells and TIME in cells))


def right_probability(fact: FactLike) -> float:
    """The learned probability that a score fact is right as stored; its confidence when no
    model recorded one (the confidence is the stricter of the two: a headline is right)."""
    return float((fact.details or {}).get(RIGHT_PROBABILITY, fact.confidence))


def _in_table(fact: FactLike) -> bool:
    """A table cell: table readers keep the column header (prose rules have none)."""
    return "header" in (fact.details or {})


def _alternatives(row: RowLike, flops: FactLike) -> int:
    value = float(flops.normalized or 0.0)
    others = {
        round(float(c.fact.normalized), 3)
        for c in row.cells
        if c.field == FLOPS and c.fact.id != flops.id and c.fact.normalized
    }
    return sum(abs(v - value) > ALTERNATIVE * max(abs(value), 1.0) for v in others)


def load_row_model() -> Model | None:
    """The committed row model, or None (logged once by :func:`extractors.ranking.load_model`)."""
    return load_model(ROW_MODEL_PATH, ROW_FEATURES)
