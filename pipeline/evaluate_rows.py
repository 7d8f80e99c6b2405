"""Row-level evaluation: do the model rows carry a gold row's compute into the fits?

Field recall (``pipeline.evaluate``) says whether a number was found; this says whether it
reaches the observation of its model. On the evaluation's throw-away database:

1. gold rows recovered as rows: some assembled row of the paper holds a result cell with one of
   the gold row's scores (before any review);
2. a simulated perfect curator accepts exactly the facts that match a gold value of their paper
   and rejects all others; the observations are then rebuilt with the normal code
   (``rebuild_extracted``). Gold has no epochs or training-set sizes, so those are judged by the
   FutureTech authors' values when the authors have one of that kind for the paper (any phase),
   else by the corpus's hand labels (``pipeline.hand_labels``: a curator reads the page; a cell
   label says whether the statement is right for one row), else counted wrong;
3. of the gold rows, how many get an observation with their score, and of those with a gold
   parameter count, FLOPs, training time or hardware burden, how many carry it (same tolerances
   as field recall; hardware burden within 10%); the observation of a gold row is, among those
   with its benchmark, metric and score, the one with the most correct compute;
4. network operations within 10% of the authors' ``net_ops`` for their rows on corpus papers;
   and the review decisions a gold row costs on its row before any review, following the
   queue: one ``review accept-row`` (``pipeline.row_decisions``), plus one per field whose
   proposed cell the perfect curator would not accept (``--pick`` the right cell, or ``--drop``
   the field when none is right), reported as a median. A proposed epochs or training-set cell
   is judged as the cell of that gold row (its hand label for the row), and how many were judged
   by the authors, by a hand label or by neither (counted wrong) is reported with it;
5. per benchmark, the poly fit log10(error) ~ log10(FLOPs) and ~ log10(parameters) of the
   extracted observations (primary metric) next to the same fit over the gold rows;
6. zero-touch, measured before the perfect curator, by the code a nightly run uses
   (``pipeline.zerotouch.auto_accept_rows``, then ``rebuild_extracted``), at each of
   ``ZERO_TOUCH_THRESHOLDS``: the observations it yields with a score and a compute measure, how
   many of the gold rows with a score and a compute measure get one with their score and some
   compute (and with their own compute), and its ImageNet poly FLOPs fit next to the gold rows'.
   Thresholds go down, each acceptance adding to the one before: rows at 0.7 include those at
   0.9, so the sum is what one run at the lower threshold accepts.

Gold and curated data are read here only; the pipeline code it drives never sees them.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Fact, ModelRow, Observation, RowCell
from db.session import session_scope
from extractors.accelerators import peak_flops
from pipeline.analysis.derived import COMPUTE_FIELDS, derive_compute
from pipeline.analysis.observations import rebuild_extracted
from pipeline.evaluate import (
    FLOPS_TOLERANCE,
    PARAMETERS_TOLERANCE,
    SCORE_TOLERANCE,
    TRAINING_TIME_TOLERANCE,
    GoldItem,
    gold_items,
    matches,
)
from pipeline.export import fact_to_dict
from pipeline.hand_labels import CellLabels, HandLabel
from pipeline.review_rows import proposal
from pipeline.sources.curated import FUTURETECH, futuretech_data_dir, read_futuretech
from pipeline.zerotouch import auto_accept_rows

BURDEN_TOLERANCE = 0.10
NET_OPS_TOLERANCE = 0.10
SIZE_TOLERANCE = 0.10  # epochs and training-set sizes against the authors' ("1.2M" for 1.28M)
LINKED = ("parameters", "flops", "training_time", "hardware_burden")
PRIMARY_METRIC = {board.benchmark: board.metric for board in FUTURETECH}
ZERO_TOUCH_THRESHOLDS = (0.9, 0.7, 0.5)  # descending: see the module docstring, 6
ZERO_TOUCH_MEASURE = "flops"  # issue 13: the poly fit of error on FLOPs per benchmark
SIZE_KINDS = ("epochs", "training_set")  # judged by the authors or hand labels, not gold
JUDGES = ("authors", "hand label", "neither (counted wrong)")


@dataclass
class Ratio:
    found: float = 0  # counts; means over partitions in pooled figures (pooled_sweeps)
    total: float = 0

    @property
    def ratio(self) -> float | None:
        return self.found / self.total if self.total else None

    def to_dict(self) -> dict[str, Any]:
        return {"found": self.found, "total": self.total, "ratio": self.ratio}


@dataclass
class ZeroTouch:
    threshold: float
    rows: float = 0  # observations with a score and a compute measure
    coverage: Ratio = field(default_factory=Ratio)  # gold rows with compute: score + some compute
    correct: Ratio = field(default_factory=Ratio)  # ... with their own FLOPs or hardware burden
    fits: dict[str, Any] = field(default_factory=dict)  # "benchmark/flops" -> fit vs gold rows'

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "rows_with_compute": self.rows,
            "coverage": self.coverage.to_dict(),
            "correct_compute": self.correct.to_dict(),
            "fit": self.fits,
        }


@dataclass
class RowEvaluation:
    gold_rows: int = 0
    recovered_as_rows: Ratio = field(default_factory=Ratio)
    observed: Ratio = field(default_factory=Ratio)
    linked: dict[str, Ratio] = field(default_factory=lambda: {k: Ratio() for k in LINKED})
    net_ops_vs_authors: Ratio = field(default_factory=Ratio)
    decisions: list[int] = field(default_factory=list)  # per gold row found in a row
    # field -> how many of those rows needed a pick or drop on it
    decided_fields: dict[str, int] = field(default_factory=dict)
    # what judged the proposed epochs and training-set cells of those rows (JUDGES) -> count
    size_judges: dict[str, int] = field(default_factory=dict)
    fits: dict[str, dict[str, Any]] = field(default_factory=dict)
    zero_touch: list[ZeroTouch] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "gold_rows": self.gold_rows,
            "recovered_as_rows": self.recovered_as_rows.to_dict(),
            "observed": self.observed.to_dict(),
            "linked": {name: ratio.to_dict() for name, ratio in self.linked.items()},
            "network_operations_vs_authors": self.net_ops_vs_authors.to_dict(),
            "decisions_per_gold_row": {
                "median": statistics.median(self.decisions) if self.decisions else None,
                "rows": len(self.decisions),
                "picks_or_drops_by_field": dict(sorted(self.decided_fields.items())),
                "size_cells_judged_by": {j: self.size_judges.get(j, 0) for j in JUDGES},
            },
            "fits": self.fits,
            "zero_touch": [z.to_dict() for z in self.zero_touch],
            "misses": self.misses,
        }


def authors_rows(directory: Path | None, arxiv_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The FutureTech rows of the corpus papers, per arXiv id (empty without the dataset)."""
    if directory is None or not directory.is_dir():
        return {}
    data = futuretech_data_dir(directory)
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for board in FUTURETECH:
        path = data / board.filename
        if path.is_file():
            for row in read_futuretech(path, board):
                if row["arxiv_id"] in arxiv_ids:
                    rows[row["arxiv_id"]].append(row)
    return dict(rows)


def evaluate_rows(
    gold: Mapping[str, Mapping[str, Any]],
    database_url: str,
    authors: Mapping[str, list[dict[str, Any]]],
    labels: Sequence[HandLabel] = (),
) -> RowEvaluation:
    """Simulate the perfect curator on ``database_url`` (it is changed) and score the rows;
    ``labels`` are the corpus's hand labels (epochs and training-set cells the authors lack)."""
    result = RowEvaluation()
    judge = _Judge(authors, CellLabels(labels))
    with session_scope(database_url) as session:
        items = {pid: gold_items(paper) for pid, paper in gold.items()}
        recovered = _recovered(session, items)
        result.decisions, result.decided_fields = _decisions(session, gold, items, judge)
        result.size_judges = dict(judge.counts)
        result.zero_touch = [_zero_touch(session, gold, t) for t in ZERO_TOUCH_THRESHOLDS]
        _perfect_curator(session, items, judge)
        observations = _observations(session)
        for pid, paper in sorted(gold.items()):
            for row in paper.get("rows", []):
                if not _scores(row):
                    continue
                result.gold_rows += 1
                result.recovered_as_rows.total += 1
                result.recovered_as_rows.found += _row_recovered(pid, row, recovered)
                _score_row(result, pid, row, observations.get(pid, []))
        for pid, rows in sorted(authors.items()):
            for row in rows:
                if row.get("network_operations"):
                    result.net_ops_vs_authors.total += 1
                    result.net_ops_vs_authors.found += _net_ops_hit(row, observations.get(pid, []))
        result.fits = _fits(gold, observations)
    return result


def _observations(session: Session) -> dict[str, list[Observation]]:
    """Rebuild the extracted observations from the accepted facts, per arXiv id."""
    rebuild_extracted(session)
    observations: dict[str, list[Observation]] = defaultdict(list)
    for obs in session.scalars(select(Observation).where(Observation.source == "extracted")):
        observations[obs.arxiv_id or ""].append(obs)
    return observations


def zero_touch_sweep(
    gold: Mapping[str, Mapping[str, Any]], database_url: str, confidences: Mapping[int, float]
) -> list[ZeroTouch]:
    """The zero-touch sweep (see the module docstring, 6) on an unreviewed database (it is
    changed) with the row confidences ``confidences`` (row id -> confidence) instead of the
    committed model's: the evaluation passes cross-validated ones (``pipeline.row_model``)."""
    with session_scope(database_url) as session:
        return [_zero_touch(session, gold, t, confidences) for t in ZERO_TOUCH_THRESHOLDS]


def pooled_sweeps(sweeps: Sequence[Sequence[ZeroTouch]]) -> list[ZeroTouch]:
    """Several partitions' sweeps (same thresholds) as one: per threshold the mean counts, and
    per fit the mean slope, N and difference (no difference when a partition has none)."""
    pooled = []
    for same in zip(*sweeps, strict=True):
        zero = ZeroTouch(same[0].threshold, float(np.mean([z.rows for z in same])))
        for name in ("coverage", "correct"):
            ratios = [getattr(z, name) for z in same]
            setattr(zero, name, Ratio(float(np.mean([r.found for r in ratios])),
                                      float(np.mean([r.total for r in ratios]))))  # fmt: skip
        zero.fits = {key: _mean_fit([z.fits[key] for z in same]) for key in same[0].fits}
        pooled.append(zero)
    return pooled


def _mean_fit(fits: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    def mean_slope(side: str) -> dict[str, Any]:
        slopes = [f[side]["slope"] for f in fits]
        return {
            "slope": None if None in slopes else round(float(np.mean(slopes)), 5),
            "n": float(np.mean([f[side]["n"] for f in fits])),
        }

    differences = [f["difference"] for f in fits]
    return {
        "extracted": mean_slope("extracted"),
        "gold": mean_slope("gold"),
        "difference": None if None in differences else float(np.mean(differences)),
    }


def _zero_touch(
    session: Session,
    gold: Mapping[str, Mapping[str, Any]],
    threshold: float,
    confidences: Mapping[int, float] | None = None,
) -> ZeroTouch:
    """Accept the rows at ``threshold`` as a nightly run would and score what that yields."""
    auto_accept_rows(session, threshold, confidences)
    observations = _observations(session)
    result = ZeroTouch(threshold)
    result.rows = sum(
        1 for rows in observations.values() for obs in rows if obs.score and _computed(obs)
    )
    for pid, paper in sorted(gold.items()):
        for row in paper.get("rows", []):
            expected = _checks(row, Observation())
            if not ({"flops", "hardware_burden"} & set(expected) and _scores(row)):
                continue
            candidates = [o for o in _candidates(row, observations.get(pid, [])) if _computed(o)]
            result.coverage.total += 1
            result.correct.total += 1
            result.coverage.found += bool(candidates)
            result.correct.found += any(
                _checks(row, o).get("flops") or _checks(row, o).get("hardware_burden")
                for o in candidates
            )
    result.fits = {
        name: fit
        for name, fit in _fits(gold, observations).items()
        if name.endswith(f"/{ZERO_TOUCH_MEASURE}")
    }
    return result


def right_data_point(gold_rows: list[Mapping[str, Any]], cells: Mapping[str, RowCell]) -> bool:
    """Whether a row's proposed cells, accepted, give a right data point of a fit: its score is
    one of a gold row's, and of that gold row's FLOPs and hardware burden, the row carries at
    least one and none it carries is wrong (judged as the zero-touch figures judge them). Gold
    lists headline rows only, so a right data point gold does not list counts as wrong."""
    score = cells["score"].fact
    if score.error is None:
        return False
    compute = {name: cells[name].fact if name in cells else None for name in COMPUTE_FIELDS}
    flops = compute["ops_forward_pass"]
    obs = Observation(
        benchmark=score.benchmark,
        metric=score.metric,
        score=round((1 - score.error) * 100, 9),
        ops_forward_pass=flops.normalized if flops else None,
        hardware_burden=derive_compute(compute, score.benchmark)["hardware_burden"].value,
    )
    carried = {"flops": obs.ops_forward_pass, "hardware_burden": obs.hardware_burden}
    for row in gold_rows:
        if _candidates(row, [obs]):
            judged = {k: v for k, v in _checks(row, obs).items() if carried.get(k) is not None}
            if judged and all(judged.values()):
                return True
    return False


def _computed(obs: Observation) -> bool:
    return obs.ops_forward_pass is not None or obs.hardware_burden is not None


def _recovered(session: Session, items: Mapping[str, list[GoldItem]]) -> set[tuple[Any, ...]]:
    """(arxiv id, benchmark, metric, score) of gold scores some assembled row holds."""
    found: set[tuple[Any, ...]] = set()
    rows = session.scalars(
        select(ModelRow).options(selectinload(ModelRow.cells), selectinload(ModelRow.paper))
    )
    facts_by_id: dict[int, dict[str, Any]] = {}
    for fact in session.scalars(select(Fact).where(Fact.kind == "result")):
        facts_by_id[fact.id] = fact_to_dict(fact)
    for row in rows:
        pid = row.paper.arxiv_id
        for cell in row.cells:
            fact = facts_by_id.get(cell.fact_id)
            if fact is None:
                continue
            for item in items.get(pid, []):
                if item.field == "results" and matches(item, fact):
                    found.add((pid, item.benchmark, item.metric, item.expected))
    return found


def _decisions(
    session: Session,
    gold: Mapping[str, Mapping[str, Any]],
    items: Mapping[str, list[GoldItem]],
    judge: _Judge,
) -> tuple[list[int], dict[str, int]]:
    """Decisions per gold row on the pending rows (see the module docstring, 4), and per field
    how many rows needed a pick or drop on it."""
    counts: list[int] = []
    fields: dict[str, int] = defaultdict(int)
    rows = session.scalars(
        select(ModelRow).options(
            selectinload(ModelRow.cells).joinedload(RowCell.fact), selectinload(ModelRow.paper)
        )
    ).unique()
    by_paper: dict[str, list[ModelRow]] = defaultdict(list)
    for row in rows:
        by_paper[row.paper.arxiv_id].append(row)
    for pid, paper in sorted(gold.items()):
        for gold_row in paper.get("rows", []):
            mine = gold_items({"arxiv_id": pid, "rows": [gold_row]})
            scores = [i for i in mine if i.field == "results"]
            home = next(
                (
                    row
                    for row in by_paper.get(pid, [])
                    for cell in row.cells
                    if cell.field == "score"
                    and any(matches(i, fact_to_dict(cell.fact)) for i in scores)
                ),
                None,
            )
            if home is not None:
                wrong = _wrong_fields(home, items.get(pid, []), judge, gold_row)
                counts.append(1 + len(wrong))
                for name in wrong:
                    fields[name] += 1
    return counts, dict(fields)


def _wrong_fields(
    row: ModelRow, items: list[GoldItem], judge: _Judge, gold_row: Mapping[str, Any]
) -> list[str]:
    """The fields whose proposed cell the perfect curator would not accept for ``gold_row``:
    each costs one ``--pick`` (the field has a right cell) or ``--drop`` (none is right) on the
    accept-row."""
    proposed = proposal(row)
    return sorted(
        name
        for name, cell in proposed.items()
        if not judge.curated(cell.fact, items, gold_row, count=True)
    )


def _row_recovered(pid: str, row: Mapping[str, Any], recovered: set[tuple[Any, ...]]) -> bool:
    scores = (row.get("scores") or {}).items()
    return any((pid, row["benchmark"], m, s) in recovered for m, s in scores if s is not None)


def _perfect_curator(session: Session, items: Mapping[str, list[GoldItem]], judge: _Judge) -> None:
    for fact in session.scalars(select(Fact)):
        right = judge.curated(fact, items.get(fact.paper.arxiv_id, []))
        fact.status = "accepted" if right else "rejected"
    session.flush()


@dataclass
class _Judge:
    """What the perfect curator accepts (see the module docstring, 2 and 4)."""

    authors: Mapping[str, list[dict[str, Any]]]
    cells: CellLabels
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def curated(
        self,
        fact: Fact,
        items: list[GoldItem],
        gold_row: Mapping[str, Any] | None = None,
        count: bool = False,
    ) -> bool:
        """Whether ``fact`` is accepted: as the cell of ``gold_row``, or, with ``gold_row``
        None, as a fact (an epochs or training-set label right for some row). With ``count``,
        an epochs or training-set judgement is tallied by what made it."""
        if fact.kind not in SIZE_KINDS:
            return _right(fact_to_dict(fact), items)
        rows = self.authors.get(fact.paper.arxiv_id, [])
        if _authors_have(fact.kind, rows):
            judged, right = JUDGES[0], _authors_size(fact, rows)
        else:
            row = gold_row or {}
            verdict = self.cells.verdict(fact_to_dict(fact), row.get("model"), row.get("benchmark"))
            judged, right = JUDGES[1 if verdict is not None else 2], bool(verdict)
        if count:
            self.counts[judged] += 1
        return right


def _right(fact: Mapping[str, Any], items: list[GoldItem]) -> bool:
    """A fact matching a gold value; a hardware statement whose accelerator is right but whose
    count contradicts the paper's gold count is wrong (a curator would reject it)."""
    hits = {item.field for item in items if matches(item, fact)}
    if hits == {"accelerator"} and fact.get("count") is not None:
        return not any(item.field == "accelerator_count" for item in items)
    return bool(hits)


def _phase_key(kind: str) -> str:
    return "phase_epochs" if kind == "epochs" else "phase_set_size"


def _authors_have(kind: str, rows: list[dict[str, Any]]) -> bool:
    """Whether the authors state any phase's epochs (or set size) for one of the paper's rows."""
    return any(v for row in rows for v in (row["details"].get(_phase_key(kind)) or {}).values())


def _authors_size(fact: Fact, rows: list[dict[str, Any]]) -> bool:
    """A stated count the authors used for one of a row's phases (training, pre-training or
    fine-tuning): true statements are accepted whichever phase the extractor gave them."""
    key = _phase_key(fact.kind)
    return any(
        _within(fact.normalized, value, SIZE_TOLERANCE)
        for row in rows
        for value in (row["details"].get(key) or {}).values()
    )


def _within(value: float | None, target: float | None, tolerance: float) -> bool:
    if value is None or not target:
        return False
    return abs(value - target) <= tolerance * abs(target)


def _gold_burden(row: Mapping[str, Any]) -> float | None:
    seconds = row.get("training_time_sec")
    if row.get("tpu") and row.get("tpu_devices"):
        peak, count = peak_flops(row["tpu"], "tpu_device"), row["tpu_devices"]
    elif row.get("gpu") and row.get("gpu_count"):
        peak, count = peak_flops(row["gpu"].split("/")[0], "gpu"), row["gpu_count"]
    else:
        return None
    return count * peak * seconds if peak and seconds else None


def _checks(row: Mapping[str, Any], obs: Observation) -> dict[str, bool]:
    """Which of the gold row's compute values ``obs`` carries (only those gold states)."""
    checks: dict[str, bool] = {}
    if row.get("parameters"):
        checks["parameters"] = _within(obs.parameters, row["parameters"], PARAMETERS_TOLERANCE)
    if row.get("flops") or row.get("multiadds"):
        targets = [row.get("flops")]
        if row.get("multiadds"):
            targets += [row["multiadds"], 2 * row["multiadds"]]
        checks["flops"] = any(
            _within(obs.ops_forward_pass, t, FLOPS_TOLERANCE) for t in targets if t
        )
    if row.get("training_time_sec"):
        checks["training_time"] = _within(
            obs.training_time_sec, row["training_time_sec"], TRAINING_TIME_TOLERANCE
        )
    burden = _gold_burden(row)
    if burden:
        checks["hardware_burden"] = _within(obs.hardware_burden, burden, BURDEN_TOLERANCE)
    return checks


def _score_row(
    result: RowEvaluation, pid: str, row: Mapping[str, Any], observations: list[Observation]
) -> None:
    candidates = _candidates(row, observations)
    result.observed.total += 1
    expected = _checks(row, Observation())
    for name in expected:
        result.linked[name].total += 1
    if not candidates:
        result.misses.append({"arxiv_id": pid, "model": row.get("model"), "missing": "score"})
        return
    result.observed.found += 1
    best = max((_checks(row, obs) for obs in candidates), key=lambda c: sum(c.values()))
    for name, hit in best.items():
        result.linked[name].found += hit
    lost = sorted(name for name, hit in best.items() if not hit)
    if lost:
        result.misses.append({"arxiv_id": pid, "model": row.get("model"), "missing": lost})


def _scores(row: Mapping[str, Any]) -> dict[str, Any]:
    return {m: s for m, s in (row.get("scores") or {}).items() if s is not None}


def _candidates(row: Mapping[str, Any], observations: list[Observation]) -> list[Observation]:
    """The observations with the gold row's benchmark, one of its metrics and that score."""
    scores = _scores(row)
    return [
        obs
        for obs in observations
        if obs.benchmark == row["benchmark"]
        and obs.metric in scores
        and obs.score is not None
        and abs(obs.score - float(scores[obs.metric])) <= SCORE_TOLERANCE + 1e-9
    ]


def _net_ops_hit(row: Mapping[str, Any], observations: list[Observation]) -> bool:
    same = [o for o in observations if o.benchmark == row["benchmark"]]
    scored = [
        o for o in same if row.get("score") and o.score and abs(o.score - row["score"]) <= 0.5
    ]
    return any(
        _within(o.network_operations, row["network_operations"], NET_OPS_TOLERANCE)
        for o in scored or same
    )


def _fits(
    gold: Mapping[str, Mapping[str, Any]], observations: Mapping[str, list[Observation]]
) -> dict[str, dict[str, Any]]:
    """Per benchmark and measure: slope of the extracted rows' poly fit next to the gold rows'."""
    extracted: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    reference: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for rows in observations.values():
        for obs in rows:
            if obs.error and obs.metric == PRIMARY_METRIC.get(obs.benchmark):
                for measure, value in (("flops", obs.ops_forward_pass), ("params", obs.parameters)):
                    if value:
                        extracted[(obs.benchmark, measure)].append((value, obs.error))
    for paper in gold.values():
        for row in paper.get("rows", []):
            score = (row.get("scores") or {}).get(PRIMARY_METRIC.get(row["benchmark"], ""))
            if score is None:
                continue
            flops = row.get("flops") or (row.get("multiadds") and 2 * row["multiadds"])
            for measure, value in (("flops", flops), ("params", row.get("parameters"))):
                if value:
                    reference[(row["benchmark"], measure)].append((value, 1 - score / 100))
    fits: dict[str, dict[str, Any]] = {}
    for key in sorted(set(extracted) | set(reference)):
        ours, theirs = _slope(extracted.get(key, [])), _slope(reference.get(key, []))
        fits[f"{key[0]}/{key[1]}"] = {
            "extracted": ours,
            "gold": theirs,
            "difference": (
                abs(ours["slope"] - theirs["slope"])
                if ours["slope"] is not None and theirs["slope"] is not None
                else None
            ),
        }
    return fits


def _slope(points: list[tuple[float, float]]) -> dict[str, Any]:
    """OLS slope of log10(error) on log10(compute), the poly form's estimator."""
    usable = [(math.log10(x), math.log10(y)) for x, y in points if x > 0 and 0 < y < 1]
    if len(usable) < 3 or len({x for x, _ in usable}) < 2:
        return {"slope": None, "n": len(usable)}
    xs, ys = np.array([x for x, _ in usable]), np.array([y for _, y in usable])
    slope, _intercept = np.polyfit(xs, ys, 1)
    return {"slope": round(float(slope), 5), "n": len(usable)}
