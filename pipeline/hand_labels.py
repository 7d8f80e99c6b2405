"""Hand labels: facts read against their page and judged right or wrong, as evaluation data.

Gold lists only the headline rows of a paper, so it cannot say whether a confident fact that is
not a headline is right. Hand labels can: each one is a fact as exported (``ctrends export``), a
verdict (``right``/``wrong``), a reason from a fixed set, and the page words that prove it
(``tests/data/hand-labels/README.md`` says how they were made). This module loads them, finds
them again among the facts of a later extractor version, and measures precision at confidence
thresholds and a reliability table (how often facts in each confidence bin are right).

A label is found again by what identifies the number on its page, not by database id (ids change
with every run): arXiv id, page, kind, benchmark, metric and the value as printed (spaces
ignored), then the model label compared normalised (case, width and spaces ignored). A later
version may tidy a label (drop a trailing column header), so a model that is a prefix of the other
also matches when it is the only candidate.

Epochs and training-set labels may also name a ``row``: the model (as gold names it) of the row
the fact was proposed for, and its ``row_benchmark`` (a model with rows on two benchmarks trains
on two sets). A paper-level statement ("we train the networks for 90 epochs") is a
candidate cell of every row of its paper, and it can be right for the ImageNet classifiers and
wrong for the COCO detector of the same paper, so such a label judges the cell, not the fact.
The simulated perfect curator of ``pipeline.evaluate_rows`` reads them
(:meth:`CellLabels.verdict`); the precision figures here are about facts and leave them out.

FLOPs labels may name a ``row`` too, as the extractor names it (``ModelRow.model``): a FLOPs count
right for its own label can still be wrong for a row it was linked to (a classifier's FLOPs in
the row of a detector built on it), so such a label says whether the row's FLOPs cell is right.
The row confidence (``pipeline.row_model``) reads them: a row gold does not list is a right data
point when its score's label and its FLOPs cell's label both say right.
"""

from __future__ import annotations

import argparse
import itertools
import json
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERDICTS = ("right", "wrong")
# Reasons of a right label: the fact is a correct data point (ok_noisy_label: its model label also
# carries text that is not the row's name, such as a column header or a training-data cell).
RIGHT_REASONS = frozenset({"ok", "ok_noisy_label"})
WRONG_REASONS = frozenset(
    {
        "wrong_value",  # another cell's number (a neighbouring column)
        "wrong_model",  # the value belongs to another row, or to the other half of the table
        "ambiguous_model",  # the label names several rows of the table (a group name dropped)
        "backbone_for_detector",  # a detector's number under its backbone, several detectors
        "wrong_metric",  # AP50/AP75/AP_S/mask AP as box AP, a delta as an error, ...
        "wrong_benchmark_or_split",  # VOC, Places365, Kinetics, ReaL, CoNLL 2000, OntoNotes...
        "wrong_scale",  # M vs B, MACs vs FLOPs
        "not_a_model",  # a layer, a head, a kernel-size sweep: no model's figure
        "not_a_result",  # a column that is not a score (test views, counts)
        "not_own_work",  # a baseline's or a related paper's hardware, time or size
        "not_training",  # search, inference
        "fine_tuning_only",  # fine-tuning a pre-trained model, not training it
        "wrong_phase",  # a count of another training phase (pre-training stored as training)
        "not_training_length",  # early-stopping patience, one step of a schedule, a remark
        "other",
    }
)
REASONS = RIGHT_REASONS | WRONG_REASONS
# Kinds whose labels may judge one row's cell (see the module docstring).
CELL_KINDS = ("epochs", "training_set", "flops")
REQUIRED_FIELDS = (
    "arxiv_id",
    "page",
    "kind",
    "benchmark",
    "metric",
    "model",
    "value",
    "confidence",
    "extractor",
    "extractor_version",
    "label",
    "reason",
    "quote",
    "note",
    "labelled_by",
    "labelled_at",
)
# Precision is reported over these confidence ranges: [low, high), high None = no upper bound.
THRESHOLDS: dict[str, tuple[float, float | None]] = {
    ">=0.9": (0.9, None),
    ">=0.95": (0.95, None),
    "0.8-0.9": (0.8, 0.9),
}
RELIABILITY_EDGES = (0.0, 0.5, 0.8, 0.85, 0.9, 0.95, 1.0)

Record = Mapping[str, Any]  # a fact in the export contract's shape, or a label line
Key = tuple[str, int | None, str, str | None, str | None, str]


class HandLabelError(ValueError):
    """A label file line that is not a valid hand label."""


@dataclass(frozen=True)
class HandLabel:
    """One judged fact: the fact's identifying fields, its confidence when labelled, the verdict."""

    arxiv_id: str
    page: int
    kind: str
    benchmark: str | None
    metric: str | None
    model: str | None
    value: str
    confidence: float
    label: str
    reason: str
    quote: str
    note: str
    source: str  # file stem: the corpus the label belongs to (dev, dev2)
    # a cell label: the model of the row it judges (gold's name for epochs and training-set
    # cells, the extracted row's for FLOPs cells)
    row: str | None = None
    row_benchmark: str | None = None  # ... and that gold row's benchmark

    @property
    def is_cell(self) -> bool:
        return self.row is not None

    @property
    def right(self) -> bool:
        return self.label == "right"

    @property
    def key(self) -> Key:
        return fact_key(
            {
                "arxiv_id": self.arxiv_id,
                "page": self.page,
                "kind": self.kind,
                "benchmark": self.benchmark,
                "metric": self.metric,
                "value": self.value,
            }
        )


@dataclass(frozen=True)
class Judged:
    """A confidence and whether the fact behind it is right: what precision is computed over."""

    confidence: float
    right: bool
    label: HandLabel


@dataclass(frozen=True)
class Match:
    """A hand label found again among exported facts; ``exact`` is False for a prefix match."""

    label: HandLabel
    fact: Record
    exact: bool


@dataclass(frozen=True)
class Precision:
    count: int
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.count if self.count else None


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    count: int
    right: int

    @property
    def precision(self) -> float | None:
        return self.right / self.count if self.count else None


def _squash(text: str | None) -> str:
    """Compare printed text without width, case or spacing differences (PDF words vary)."""
    if text is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalise_model(model: str | None) -> str:
    return _squash(model)


def fact_key(record: Record) -> Key:
    return (
        str(record["arxiv_id"]),
        record.get("page"),
        str(record["kind"]),
        record.get("benchmark"),
        record.get("metric"),
        _squash(record["value"]),
    )


def _parse_label(raw: Any, where: str, source: str) -> HandLabel:
    if not isinstance(raw, dict):
        raise HandLabelError(f"{where}: a label is a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in raw]
    if missing:
        raise HandLabelError(f"{where}: missing fields {', '.join(missing)}")
    if raw["label"] not in VERDICTS:
        raise HandLabelError(f"{where}: label must be right or wrong, not {raw['label']!r}")
    if raw["reason"] not in REASONS:
        raise HandLabelError(f"{where}: unknown reason {raw['reason']!r}")
    if (raw["label"] == "right") != (raw["reason"] in RIGHT_REASONS):
        raise HandLabelError(f"{where}: reason {raw['reason']!r} contradicts label {raw['label']}")
    if not str(raw["quote"]).strip():
        raise HandLabelError(f"{where}: a label needs the page quote that proves it")
    row = raw.get("row")
    if row is not None and (not isinstance(row, str) or raw["kind"] not in CELL_KINDS):
        raise HandLabelError(f"{where}: row names a model, on {', '.join(CELL_KINDS)} labels only")
    if not isinstance(raw["page"], int) or raw["page"] < 1:
        raise HandLabelError(f"{where}: page must be a page number (1-based)")
    confidence = raw["confidence"]
    if not isinstance(confidence, int | float) or not 0.0 <= confidence <= 1.0:
        raise HandLabelError(f"{where}: confidence must be a number in 0..1")
    return HandLabel(
        arxiv_id=str(raw["arxiv_id"]),
        page=int(raw["page"]),
        kind=str(raw["kind"]),
        benchmark=raw["benchmark"],
        metric=raw["metric"],
        model=raw["model"],
        value=str(raw["value"]),
        confidence=float(confidence),
        label=raw["label"],
        reason=raw["reason"],
        quote=str(raw["quote"]),
        note=str(raw["note"]),
        source=source,
        row=row,
        row_benchmark=raw.get("row_benchmark") if row is not None else None,
    )


def load_labels(path: Path) -> list[HandLabel]:
    """Every label of a JSONL file; a bad line raises HandLabelError naming file and line."""
    labels: list[HandLabel] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise HandLabelError(f"{where}: not JSON ({exc.msg})") from exc
            labels.append(_parse_label(raw, where, path.stem))
    return labels


def _prefix_related(a: str, b: str) -> bool:
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))


def match_labels(labels: Iterable[HandLabel], facts: Iterable[Record]) -> list[Match]:
    """Pair each label with at most one fact (and each fact with at most one label)."""
    by_key: dict[Key, list[Record]] = defaultdict(list)
    for fact in facts:
        by_key[fact_key(fact)].append(fact)
    used: set[int] = set()
    matches: list[Match] = []
    pending: list[HandLabel] = []
    for label in labels:  # exact model matches first, so prefix matches cannot steal them
        model = normalise_model(label.model)
        found = next(
            (
                fact
                for fact in by_key.get(label.key, [])
                if id(fact) not in used and normalise_model(fact.get("model")) == model
            ),
            None,
        )
        if found is None:
            pending.append(label)
        else:
            used.add(id(found))
            matches.append(Match(label, found, exact=True))
    for label in pending:
        model = normalise_model(label.model)
        candidates = [
            fact
            for fact in by_key.get(label.key, [])
            if id(fact) not in used and _prefix_related(normalise_model(fact.get("model")), model)
        ]
        if len(candidates) == 1:
            used.add(id(candidates[0]))
            matches.append(Match(label, candidates[0], exact=False))
    return matches


class CellLabels:
    """The cell labels of some label files, found again by fact (:meth:`verdict`)."""

    def __init__(self, labels: Iterable[HandLabel]) -> None:
        self._by_key: dict[Key, list[HandLabel]] = defaultdict(list)
        for label in labels:
            if label.is_cell:
                self._by_key[label.key].append(label)

    def verdict(
        self, fact: Record, row: str | None = None, benchmark: str | None = None
    ) -> bool | None:
        """Whether ``fact`` (as exported) is right as the cell of the row of model ``row`` on
        ``benchmark``; with ``row`` None, as a fact: right when it is right for some row.
        None when no label judges it. Models are compared as :func:`match_labels` does: equal
        once normalised, else the one label model that is a prefix of the fact's (or the
        reverse). A label without ``row_benchmark`` holds for the model's rows on any benchmark."""
        model = normalise_model(fact.get("model"))
        pool = [
            label
            for label in self._by_key.get(fact_key(fact), [])
            if row is None
            or (
                normalise_model(label.row) == normalise_model(row)
                and label.row_benchmark in (None, benchmark)
            )
        ]
        same = [label for label in pool if normalise_model(label.model) == model]
        if not same:
            related = {
                normalise_model(label.model)
                for label in pool
                if _prefix_related(normalise_model(label.model), model)
            }
            same = [label for label in pool if {normalise_model(label.model)} == related]
        return any(label.right for label in same) if same else None


def judged_at_labelling(labels: Iterable[HandLabel]) -> list[Judged]:
    """Judge the confidence each fact had when it was labelled (the figure of that version)."""
    return [Judged(label.confidence, label.right, label) for label in labels]


def judged_now(matches: Iterable[Match]) -> list[Judged]:
    """Judge the confidence a later extractor gives the same facts."""
    return [Judged(float(m.fact["confidence"]), m.label.right, m.label) for m in matches]


def precision(items: Iterable[Judged], low: float, high: float | None = None) -> Precision:
    inside = [i for i in items if i.confidence >= low and (high is None or i.confidence < high)]
    return Precision(len(inside), sum(1 for i in inside if i.right))


def precision_table(items: Sequence[Judged]) -> dict[str, Precision]:
    return {name: precision(items, low, high) for name, (low, high) in THRESHOLDS.items()}


def precision_by(
    items: Sequence[Judged], group: Callable[[HandLabel], str]
) -> dict[str, dict[str, Precision]]:
    """The precision table per group of labels (corpus, kind, benchmark, ...)."""
    groups: dict[str, list[Judged]] = defaultdict(list)
    for item in items:
        groups[group(item.label)].append(item)
    return {name: precision_table(groups[name]) for name in sorted(groups)}


def reliability(
    items: Sequence[Judged], edges: Sequence[float] = RELIABILITY_EDGES
) -> list[ReliabilityBin]:
    """Counts and precision per confidence bin [edge, next edge); the last bin includes 1.0."""
    bins: list[ReliabilityBin] = []
    for index, (low, high) in enumerate(itertools.pairwise(edges)):
        last = index == len(edges) - 2
        inside = [i for i in items if low <= i.confidence and (i.confidence < high or last)]
        bins.append(ReliabilityBin(low, high, len(inside), sum(1 for i in inside if i.right)))
    return bins


def _cell(result: Precision | ReliabilityBin) -> str:
    share = result.precision
    return "-" if share is None else f"{share:.3f} ({result.right}/{result.count})"


def format_report(items: Sequence[Judged]) -> str:
    """Plain-text tables: precision overall, per corpus, kind and benchmark; reliability bins."""
    names = list(THRESHOLDS)
    lines = ["group | " + " | ".join(names)]

    def add(title: str, table: Mapping[str, Precision]) -> None:
        lines.append(f"{title} | " + " | ".join(_cell(table[name]) for name in names))

    add("all", precision_table(items))
    groupings: tuple[tuple[str, Callable[[HandLabel], str]], ...] = (
        ("corpus", lambda label: label.source),
        ("kind", lambda label: label.kind),
        ("benchmark", lambda label: label.benchmark or "-"),
    )
    for title, group in groupings:
        for name, table in precision_by(items, group).items():
            add(f"{title}={name}", table)
    lines += ["", "confidence bin | right/count"]
    lines += [f"[{b.low:.2f}, {b.high:.2f}) | {_cell(b)}" for b in reliability(items)]
    reasons: dict[str, int] = defaultdict(int)
    for item in items:
        if not item.right:
            reasons[item.label.reason] += 1
    lines += ["", "wrong reason | count"]
    lines += [f"{r} | {n}" for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(lines)


def _read_facts(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", nargs="+", type=Path, help="hand-label JSONL files")
    parser.add_argument(
        "--facts",
        type=Path,
        action="append",
        default=[],
        help="a `ctrends export` JSONL file: score its confidences instead of the labelled ones",
    )
    args = parser.parse_args(argv)
    # cell labels judge a fact as one row's cell, not the fact: precision is about facts
    labels = [label for path in args.labels for label in load_labels(path) if not label.is_cell]
    if args.facts:
        facts = [fact for path in args.facts for fact in _read_facts(path)]
        matches = match_labels(labels, facts)
        exact = sum(1 for m in matches if m.exact)
        print(f"{len(matches)} of {len(labels)} labels found among the facts ({exact} exact)")
        items = judged_now(matches)
    else:
        items = judged_at_labelling(labels)
    print(format_report(items))


if __name__ == "__main__":
    main()
