"""Measure extraction against a gold corpus: recall per field, benchmark detection, headline
accuracy, candidates per paper, and every miss.

A corpus directory holds ``pdfs/<arxiv_id>.pdf`` and ``gold.jsonl`` (see the corpus README for
its semantics). Gold is read here and only here: extraction code never sees it. Matching follows
the corpus conventions: a result matches when benchmark and metric agree and the score is within
0.06 points; parameters within 3%; FLOPs within 5% of the FLOPs or of 1x/2x the multiply-adds;
training time within 10%; accelerators by family, TPU counts in devices of 8 cores / 4 chips.
"""

from __future__ import annotations

import json
import re
import sqlite3
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from db.migrate import upgrade
from db.models import Paper
from db.session import session_scope
from extractors.kinds import KIND_SPECS, KINDS, preference, rule_confidence, value_of
from extractors.vocabulary import vocabulary
from pipeline.export import fact_to_dict, iter_facts
from pipeline.extract import extract_pending
from pipeline.ingest import ingest_directory

SCORE_TOLERANCE = 0.06  # points
PARAMETERS_TOLERANCE = 0.03
FLOPS_TOLERANCE = 0.05
TRAINING_TIME_TOLERANCE = 0.10
# A paper "reports" a benchmark when it has a result fact at least this confident by the rules
# (the learned probability that a fact is a gold headline number answers another question).
DETECTION_CONFIDENCE = 0.5
# The evaluation fields and the kind whose facts can match each (from the kind registry).
FIELD_KINDS = {field: spec.name for spec in KIND_SPECS for field in spec.gold_fields}
FIELDS = tuple(FIELD_KINDS)
TPU_CORES_PER_DEVICE = 8
TPU_CHIPS_PER_DEVICE = 4

Fact = Mapping[str, Any]  # one fact in the export contract's shape (see README)
FactSource = Callable[[Path], dict[str, list[Fact]]]  # corpus dir -> facts per arXiv id


class GoldError(ValueError):
    """The corpus has no usable gold file."""


@dataclass(frozen=True)
class GoldItem:
    """One gold value to find: a field, what identifies it, and the row it came from."""

    arxiv_id: str
    field: str
    expected: Any
    model: str
    benchmark: str | None = None
    metric: str | None = None
    evidence: str = ""


@dataclass
class FieldScore:
    found: int = 0
    total: int = 0

    @property
    def recall(self) -> float | None:
        return self.found / self.total if self.total else None


@dataclass
class Evaluation:
    papers: int
    fields: dict[str, FieldScore]
    results_by_metric: dict[str, FieldScore]
    results_by_benchmark: dict[str, FieldScore]
    benchmark_precision: float | None
    benchmark_recall: float | None
    headline: FieldScore
    candidates_per_paper: dict[str, dict[str, float]]
    misses: list[GoldItem] = field(default_factory=list)
    headline_misses: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def score(s: FieldScore) -> dict[str, Any]:
            return {"found": s.found, "total": s.total, "recall": s.recall}

        return {
            "papers": self.papers,
            "fields": {k: score(v) for k, v in self.fields.items()},
            "results_by_benchmark": {k: score(v) for k, v in self.results_by_benchmark.items()},
            "results_by_metric": {k: score(v) for k, v in self.results_by_metric.items()},
            "benchmark_detection": {
                "precision": self.benchmark_precision,
                "recall": self.benchmark_recall,
            },
            "headline_accuracy": {
                "correct": self.headline.found,
                "total": self.headline.total,
                "accuracy": self.headline.recall,
            },
            "candidates_per_paper": self.candidates_per_paper,
            "misses": [vars(m) for m in self.misses],
            "headline_misses": self.headline_misses,
        }


def load_gold(corpus: Path) -> dict[str, dict[str, Any]]:
    path = corpus / "gold.jsonl"
    if not path.is_file():
        raise GoldError(f"{path} not found: a corpus needs gold.jsonl beside pdfs/")
    gold = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            paper = json.loads(line)
            gold[paper["arxiv_id"]] = paper
        except (ValueError, KeyError) as exc:
            raise GoldError(f"{path}:{number}: not a gold record ({exc})") from exc
    return gold


def gold_items(paper: Mapping[str, Any]) -> list[GoldItem]:
    """The values to find in one paper; a value stated for several rows counts once."""
    items: dict[tuple[Any, ...], GoldItem] = {}
    for row in paper.get("rows", []):
        for key, item in row_items(paper["arxiv_id"], row):
            items.setdefault(key, item)
    return list(items.values())


def row_items(pid: str, row: Mapping[str, Any]) -> Iterable[tuple[tuple[Any, ...], GoldItem]]:
    """One gold row's values, each under the key that makes it count once per paper."""
    for read in _GOLD_READERS:
        yield from read(pid, row, row.get("model") or "", row.get("evidence") or {})


def _gold_results(pid: str, row: Fact, model: str, evidence: Fact) -> GoldPairs:
    for metric, score in (row.get("scores") or {}).items():
        if score is not None:
            where = _evidence(evidence, metric, "scores")
            item = GoldItem(pid, "results", score, model, row["benchmark"], metric, where)
            yield ("results", row["benchmark"], metric, score), item


def _gold_parameters(pid: str, row: Fact, model: str, evidence: Fact) -> GoldPairs:
    if row.get("parameters"):
        where = _evidence(evidence, "parameters")
        item = GoldItem(pid, "parameters", row["parameters"], model, evidence=where)
        yield ("parameters", row["parameters"]), item


def _gold_flops(pid: str, row: Fact, model: str, evidence: Fact) -> GoldPairs:
    if row.get("flops") or row.get("multiadds"):
        value = {"flops": row.get("flops"), "multiadds": row.get("multiadds")}
        where = _evidence(evidence, "flops", "multiadds")
        yield (
            ("flops", value["flops"], value["multiadds"]),
            GoldItem(pid, "flops", value, model, evidence=where),
        )


def _gold_training_time(pid: str, row: Fact, model: str, evidence: Fact) -> GoldPairs:
    if row.get("training_time_sec"):
        where = _evidence(evidence, "training_time_sec")
        item = GoldItem(pid, "training_time", row["training_time_sec"], model, evidence=where)
        yield ("training_time", row["training_time_sec"]), item


def _gold_hardware(pid: str, row: Fact, model: str, evidence: Fact) -> GoldPairs:
    accelerator = row.get("gpu") or row.get("tpu")
    count = row.get("tpu_devices") if row.get("tpu") else row.get("gpu_count")
    if accelerator:
        where = _evidence(evidence, "gpu", "tpu")
        item = GoldItem(pid, "accelerator", accelerator, model, evidence=where)
        yield ("accelerator", accelerator), item
    if count:
        expected = {"accelerator": accelerator, "count": count, "tpu": bool(row.get("tpu"))}
        where = _evidence(evidence, "gpu_count", "tpu_devices", "tpu_cores")
        item = GoldItem(pid, "accelerator_count", expected, model, evidence=where)
        yield ("accelerator_count", accelerator, count), item


GoldPairs = Iterable[tuple[tuple[Any, ...], GoldItem]]
_GOLD_READERS = (
    _gold_results,
    _gold_parameters,
    _gold_flops,
    _gold_training_time,
    _gold_hardware,
)


def _evidence(evidence: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        if evidence.get(key):
            return str(evidence[key])
    return ""


# --- matching ---------------------------------------------------------------------------------


def result_score(fact: Fact) -> float | None:
    """The score (accuracy-like, in points) a result fact stands for."""
    error = fact.get("error")
    return None if error is None else (1.0 - float(error)) * 100.0


def matches(item: GoldItem, fact: Fact) -> bool:
    """Does ``fact`` stand for the gold value ``item``? Only a kind whose spec lists the field
    can match it (:data:`FIELD_KINDS`); the comparison is the field's."""
    if fact.get("kind") != FIELD_KINDS.get(item.field):
        return False
    return _MATCHERS[item.field](item.expected, item, fact)


def _match_result(expected: Any, item: GoldItem, fact: Fact) -> bool:
    score = result_score(fact)
    return (
        fact.get("benchmark") == item.benchmark
        and fact.get("metric") == item.metric
        and score is not None
        and abs(score - float(expected)) <= SCORE_TOLERANCE + 1e-9
    )


def _match_flops(expected: Any, item: GoldItem, fact: Fact) -> bool:
    targets = [expected.get("flops")]
    if expected.get("multiadds"):
        targets += [expected["multiadds"], 2 * expected["multiadds"]]
    return any(_within(value_of(fact), t, FLOPS_TOLERANCE) for t in targets if t)


def _match_count(expected: Any, item: GoldItem, fact: Fact) -> bool:
    if fact.get("count") is None:
        return False
    family = expected["accelerator"]
    if family and not same_family(fact.get("accelerator"), family):
        return False
    count = devices(fact) if expected["tpu"] else float(fact["count"])
    return count is not None and abs(count - float(expected["count"])) < 1e-6


def _relative(tolerance: float) -> Callable[[Any, GoldItem, Fact], bool]:
    return lambda expected, _item, fact: _within(value_of(fact), expected, tolerance)


_MATCHERS: dict[str, Callable[[Any, GoldItem, Fact], bool]] = {
    "results": _match_result,
    "parameters": _relative(PARAMETERS_TOLERANCE),
    "flops": _match_flops,
    "training_time": _relative(TRAINING_TIME_TOLERANCE),
    "accelerator": lambda expected, _item, fact: same_family(fact.get("accelerator"), expected),
    "accelerator_count": _match_count,
}


def _within(value: Any, target: Any, tolerance: float) -> bool:
    if value is None or not target:
        return False
    return abs(float(value) - float(target)) <= tolerance * abs(float(target))


def accelerator_family(name: str | None) -> str:
    """'NVIDIA Tesla V100-SXM2' -> 'v100'; 'Cloud TPU v3' -> 'tpuv3'; 'Titan X' -> 'titanx'
    (vendor, board and memory words from the accelerator vocabulary dropped)."""
    return vocabulary().accelerators.strip_variants(name) if name else ""


def same_family(fact_name: str | None, gold_name: str) -> bool:
    found = accelerator_family(fact_name)
    return bool(found) and any(found == accelerator_family(g) for g in gold_name.split("/"))


def devices(fact: Fact) -> float | None:
    """A TPU count in devices of 8 cores / 4 chips (how Thompson et al. count TPUs)."""
    count, unit = fact.get("count"), fact.get("count_unit")
    if count is None:
        return None
    per_device = {"tpu_core": TPU_CORES_PER_DEVICE, "tpu_chip": TPU_CHIPS_PER_DEVICE}
    return float(count) / per_device.get(unit or "", 1)


# --- the evaluation ---------------------------------------------------------------------------


def evaluate(gold: Mapping[str, Mapping[str, Any]], facts: Mapping[str, list[Fact]]) -> Evaluation:
    """Score ``facts`` (per arXiv id) against ``gold`` (per arXiv id)."""
    fields = {name: FieldScore() for name in FIELDS}
    by_metric: dict[str, FieldScore] = defaultdict(FieldScore)
    by_benchmark: dict[str, FieldScore] = defaultdict(FieldScore)
    misses: list[GoldItem] = []
    tp = fp = fn = 0
    headline = FieldScore()
    headline_misses: list[dict[str, Any]] = []
    counts: dict[str, list[int]] = defaultdict(list)
    for pid, paper in sorted(gold.items()):
        paper_facts = facts.get(pid, [])
        for item in gold_items(paper):
            hit = any(matches(item, f) for f in paper_facts)
            for score in _scores_for(item, fields, by_metric, by_benchmark):
                score.total += 1
                score.found += hit
            if not hit:
                misses.append(item)
        predicted = {
            f["benchmark"]
            for f in paper_facts
            if f.get("kind") == "result" and rule_confidence(f) >= DETECTION_CONFIDENCE
        }
        expected = set(paper.get("benchmarks", []))
        tp += len(predicted & expected)
        fp += len(predicted - expected)
        fn += len(expected - predicted)
        _headline(pid, paper, paper_facts, headline, headline_misses)
        kinds = Counter(f.get("kind") for f in paper_facts)
        for kind in KINDS:
            counts[kind].append(kinds.get(kind, 0))
    return Evaluation(
        papers=len(gold),
        fields=fields,
        results_by_metric=dict(sorted(by_metric.items())),
        results_by_benchmark=dict(sorted(by_benchmark.items())),
        benchmark_precision=tp / (tp + fp) if tp + fp else None,
        benchmark_recall=tp / (tp + fn) if tp + fn else None,
        headline=headline,
        candidates_per_paper={
            kind: {"mean": statistics.fmean(v), "median": statistics.median(v), "max": max(v)}
            for kind, v in counts.items()
            if v
        },
        misses=misses,
        headline_misses=headline_misses,
    )


def _scores_for(
    item: GoldItem,
    fields: dict[str, FieldScore],
    by_metric: dict[str, FieldScore],
    by_benchmark: dict[str, FieldScore],
) -> Iterable[FieldScore]:
    yield fields[item.field]
    if item.field == "results":
        yield by_metric[f"{item.benchmark}/{item.metric}"]
        yield by_benchmark[str(item.benchmark)]


def _headline(
    pid: str,
    paper: Mapping[str, Any],
    paper_facts: list[Fact],
    headline: FieldScore,
    misses: list[dict[str, Any]],
) -> None:
    """Is the single most confident result per benchmark one of the gold rows' scores?"""
    items = [i for i in gold_items(paper) if i.field == "results"]
    for benchmark in sorted({i.benchmark for i in items if i.benchmark}):
        candidates = [
            f for f in paper_facts if f.get("kind") == "result" and f.get("benchmark") == benchmark
        ]
        headline.total += 1
        if not candidates:
            misses.append({"arxiv_id": pid, "benchmark": benchmark, "top": None})
            continue
        top = max(candidates, key=preference)
        if any(matches(i, top) for i in items if i.benchmark == benchmark):
            headline.found += 1
        else:
            misses.append(
                {
                    "arxiv_id": pid,
                    "benchmark": benchmark,
                    "top": {k: top.get(k) for k in ("metric", "model", "value", "confidence")},
                }
            )


# --- producing the facts ----------------------------------------------------------------------


def corpus_pdfs(corpus: Path) -> dict[str, Path]:
    """``pdfs/<arxiv_id>[vN].pdf`` by arXiv id (without version)."""
    pdf_dir = corpus / "pdfs"
    if not pdf_dir.is_dir():
        raise GoldError(f"{pdf_dir} not found: a corpus keeps its papers in pdfs/")
    return {re.sub(r"v\d+$", "", p.stem): p for p in sorted(pdf_dir.glob("*.pdf"))}


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy of the evaluation's SQLite database while it is open: the backup API
    reads through the write-ahead log, which a file copy would miss."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def extract_into_database(
    corpus: Path, database_url: str
) -> tuple[dict[str, list[Fact]], dict[str, str]]:
    """Ingest and extract the corpus PDFs into ``database_url`` with the pipeline's own stages,
    then read the facts back in the export contract's shape: what is measured is what is stored.

    Returns facts per arXiv id (the export contract's fields plus ``rule`` and ``details``) and,
    per paper that failed, the reason. The PDF and parse caches
    are the configured data directory's (content-addressed, so sharing them is safe).
    """
    pdfs = corpus_pdfs(corpus)
    if not pdfs:
        raise GoldError(f"{corpus / 'pdfs'} holds no PDFs")
    upgrade(database_url)
    ingest_directory(corpus / "pdfs", url=database_url)
    extract_pending(database_url)
    facts: dict[str, list[Fact]] = defaultdict(list)
    failures: dict[str, str] = {}
    with session_scope(database_url) as session:
        for fact in iter_facts(session):
            # the rule and details too: the learned confidence's features and the rules' value
            row = {**fact_to_dict(fact), "rule": fact.rule, "details": fact.details or {}}
            facts[fact.paper.arxiv_id].append(row)
        for paper in session.scalars(select(Paper).where(Paper.error.is_not(None))):
            failures[paper.arxiv_id] = paper.error or ""
    return dict(facts), failures
