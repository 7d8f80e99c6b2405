"""Benchmark results (error rates) from reconstructed tables.

Each value column of a table gets a metric (from its header, else from the caption when the
header only names a split or language pair) and a benchmark (header, then caption, then the
paper's own benchmarks compatible with the metric). Each body row is a model; its value becomes
an error rate: 1 - accuracy/100, an error column as printed/100, 1 - BLEU/100.

Confidence says how likely the fact is the paper's own headline number: rows quoted from other
papers (a citation in the row name), ensembles, validation splits where a test split exists and
metrics read only from the caption score lower, and the reason is kept in ``details``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.benchmarks import (
    BENCHMARK_METRICS,
    GENERIC_ACCURACY,
    WMT14,
    benchmark_mentions,
    benchmarks_in,
    compatible,
    mentions_other_dataset,
    metric_in,
    says_error,
    split_in,
)
from extractors.document import Document, Page, Table
from extractors.facts import ExtractedFact, normalize_model_name
from extractors.registry import register
from extractors.tables import TableView, cell_number

NAME = "results"
VERSION = "1"

_CITATION = re.compile(r"\[\d+(?:\s*[,–-]\s*\d+)*\]|\bet\s+al\b|\(\s*[A-Z][a-z]+.*\d{4}\s*\)")
_OWN = re.compile(r"\bours?\b|\bproposed\b|\bthis\s+(?:work|paper)\b", re.I)
_ENSEMBLE = re.compile(r"\bensembles?\b|\bcombination\b|\d+\s+models\b", re.I)
# Headers of columns that are sizes or costs, never scores.
_NOT_A_SCORE = re.compile(
    r"param|flop|mac|mult|add|time|speed|fps|latency|memory|layers|depth|width|epoch|batch|"
    r"#|size|resolution|crop|year|days|hours|gpu|tpu|cost|throughput|im/s|img/s",
    re.I,
)


@dataclass(frozen=True)
class _Column:
    benchmark: str
    metric: str
    error: bool  # values are error rates, not accuracies
    split: str | None
    reasons: tuple[str, ...]  # what lowered confidence


@register(NAME, VERSION, kinds=("result",))
def extract_results(doc: Document) -> list[ExtractedFact]:
    """Benchmark results from result tables: one fact per model row and metric column."""
    mentions = benchmark_mentions(doc)
    has_wmt14 = any(WMT14.search(p.text) for p in doc.pages)
    facts: list[ExtractedFact] = []
    for page in doc.pages:
        for table in page.tables:
            facts.extend(_table_results(table, page, mentions, has_wmt14))
    return _resolve_collisions(facts)


def _table_results(
    table: Table, page: Page, mentions: dict[str, int], has_wmt14: bool
) -> list[ExtractedFact]:
    view = TableView(table)
    caption = table.caption or ""
    caption_benchmarks = _benchmarks(caption, has_wmt14)
    if not caption_benchmarks and mentions_other_dataset(caption):
        return []
    facts = []
    for column in view.value_columns:
        spec = _column_spec(view.headers[column], caption, caption_benchmarks, mentions, has_wmt14)
        if spec is None:
            continue
        facts.extend(_column_facts(view, column, spec, page))
    return facts


def _benchmarks(text: str, has_wmt14: bool) -> set[str]:
    found = benchmarks_in(text)
    if not (has_wmt14 or WMT14.search(text)):
        found -= {"wmt14_en_de", "wmt14_en_fr"}
    return found


def _column_spec(
    header: str,
    caption: str,
    caption_benchmarks: set[str],
    mentions: dict[str, int],
    has_wmt14: bool,
) -> _Column | None:
    reasons: list[str] = []
    if _NOT_A_SCORE.search(header) and metric_in(header) is None:
        return None
    header_benchmarks = _benchmarks(header, has_wmt14)
    if not header_benchmarks and mentions_other_dataset(header):
        return None
    metric = metric_in(header)
    if metric is None and GENERIC_ACCURACY.search(header):
        metric = "top1"
    if metric is None:
        metric = metric_in(caption)
        if metric is None and GENERIC_ACCURACY.search(caption):
            metric = "top1"
        if metric is None:
            return None
        reasons.append("metric_from_caption")
    candidates = header_benchmarks or caption_benchmarks
    if not candidates:
        candidates = {b for b in mentions if mentions[b] > 0}
        reasons.append("benchmark_from_paper")
    candidates = {b for b in candidates if compatible(b, metric)}
    if not candidates:
        return None
    benchmark = max(candidates, key=lambda b: (b in header_benchmarks, mentions.get(b, 0)))
    if metric not in BENCHMARK_METRICS[benchmark]:
        return None
    return _Column(
        benchmark=benchmark,
        metric=metric,
        error=says_error(header) or (not metric_in(header) and says_error(caption)),
        split=split_in(header) or split_in(caption),
        reasons=tuple(reasons),
    )


def _column_facts(view: TableView, column: int, spec: _Column, page: Page) -> list[ExtractedFact]:
    parsed = []
    for row in view.rows:
        text = row.cells[column] if column < len(row.cells) else ""
        number = cell_number(text)
        if number is None or number.scale != 1.0:
            continue
        parsed.append((row, text, number.value, number.marks))
    if not parsed:
        return []
    fraction = all(v <= 1.0 for _, _, v, _ in parsed)  # some tables print 0.763, not 76.3
    own_scores = [
        _score(v * 100 if fraction else v, spec)
        for row, _, v, _ in parsed
        if not _CITATION.search(row.label)
    ]
    best = max(own_scores) if own_scores else None
    facts = []
    for row, text, value, marks in parsed:
        percent = value * 100 if fraction else value
        if not 0 < percent <= 100:
            continue
        score = _score(percent, spec)
        details: dict[str, object] = {"header": view.headers[column], "split": spec.split}
        confidence = 0.6
        for reason in spec.reasons:
            details[reason] = True
            confidence -= 0.1
        if _CITATION.search(row.label):
            details["quoted_from_other_paper"] = True
            confidence -= 0.3
        if _OWN.search(row.label):
            details["marked_own"] = True
            confidence += 0.15
        if _ENSEMBLE.search(row.label) or _ENSEMBLE.search(view.headers[column]):
            details["ensemble"] = True
            confidence -= 0.1
        if spec.split in ("val", "minival", "dev") and spec.benchmark == "coco":
            confidence -= 0.05
        if best is not None and score >= best and "quoted_from_other_paper" not in details:
            details["best_in_column"] = True
            confidence += 0.2
        if marks:
            details["marks"] = marks
        error = (percent if spec.error else 100 - percent) / 100
        facts.append(
            ExtractedFact(
                kind="result",
                value=text,
                page=page.number,
                evidence=view.evidence(row, column),
                confidence=round(min(max(confidence, 0.05), 0.95), 3),
                extractor=NAME,
                extractor_version=VERSION,
                benchmark=spec.benchmark,
                metric=spec.metric,
                model=row.label or None,
                unit="%" if spec.metric != "bleu" else None,
                error=round(error, 6),
                rule="table_error_column" if spec.error else "table_score_column",
                bbox=row.bbox,
                details=details,
            )
        )
    return facts


def _score(percent: float, spec: _Column) -> float:
    """Higher is better: accuracy as printed, 100 - error for error columns."""
    return 100 - percent if spec.error else percent


def _resolve_collisions(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """Facts that share an identity (same model, metric and page, e.g. val and test columns)
    get the column's split or header appended to the model name, so none overwrites another."""
    seen: dict[tuple[str, ...], ExtractedFact] = {}
    out = []
    for fact in facts:
        key = _key(fact)
        if key in seen:
            if seen[key].value == fact.value:
                continue  # the same number read twice (e.g. a table found in two regions)
            qualifier = fact.details.get("split") or fact.details.get("header") or "alt"
            fact.model = f"{fact.model or ''} ({qualifier})".strip()
            key = _key(fact)
            if key in seen:
                continue
        seen[key] = fact
        out.append(fact)
    return out


def _key(fact: ExtractedFact) -> tuple[str, ...]:
    return (
        fact.benchmark or "",
        fact.metric or "",
        normalize_model_name(fact.model),
        str(fact.page),
    )
