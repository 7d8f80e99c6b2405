"""Which benchmarks and metrics a caption, header, sentence or paper names.

The result extractors read captions and column headers with these, and benchmark detection
(which benchmarks does this paper report its own results on) counts them over the body. What
names what is data (:mod:`extractors.vocabulary`); here is only how it is applied.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from extractors.parse.document import Document
from extractors.references import reference_lines
from extractors.vocabulary import vocabulary

_ERROR_WORDS = re.compile(r"\berr(?:or|ors|\.)?\b|\berror\s?rate\b", re.I)
_SPLIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("test-dev", re.compile(r"test[- ]?dev", re.I)),
    ("minival", re.compile(r"mini\s?val", re.I)),
    ("dev", re.compile(r"\bdev(?:elopment)?\b", re.I)),
    ("val", re.compile(r"\bval(?:idation)?\b", re.I)),
    ("test", re.compile(r"\btest\b", re.I)),
)
_LETTER_SPACED = re.compile(r"(?<=\b[A-Z]) (?=[A-Z])")


def benchmarks_in(text: str) -> set[str]:
    """Benchmarks a short text (caption, header) names; family members need only their detail
    (a WMT language pair), see :func:`in_context`.

    Small capitals often come out of PDFs letter-spaced ("E N -D E"); those are read joined too.
    """
    joined = _LETTER_SPACED.sub("", text)
    texts = (text,) if joined == text else (text, joined)
    return {b.id for b in vocabulary().benchmarks.values() if any(b.named_in(t) for t in texts)}


# What lies between a score and the benchmark it is "on": "30.91 BLEU score on WMT14 ...".
_ON_BENCHMARK = re.compile(r"^\D{0,30}\b(?:on|in|for)\b(?:(?!\d\.\d).){0,25}$", re.I)


def benchmark_beside(text: str, span: tuple[int, int], among: Iterable[str]) -> str | None:
    """Of the benchmarks ``among``, the one ``text`` names as the score's at ``span`` (None when
    it names none of them): a sentence that states one score per benchmark puts each beside its
    own, after it ("30.91 BLEU score on WMT14 English→German and 43.95 BLEU on WMT14
    English→French") or before it ("WMT14 English→German (30.91 BLEU) and WMT14 English→French
    translation (43.95 BLEU)"). A benchmark that follows is the score's when only its metric
    and an "on" stand between them; else the last one named before the score is; else the
    first one after it."""
    benchmarks = vocabulary().benchmarks
    spans = sorted(
        (start, end, b)
        for b in among
        if b in benchmarks
        for start, end in benchmarks[b].spans_in(text)
    )
    after = [(start, b) for start, _, b in spans if start >= span[1]]
    if after and _ON_BENCHMARK.match(text[span[1] : after[0][0]]):
        return after[0][1]
    before = [b for _, end, b in spans if end <= span[0]]
    if before:
        return before[-1]
    return after[0][1] if after else None


def families_in(text: str) -> set[str]:
    """Families whose dataset ``text`` names ("WMT 2014", "newstest2014")."""
    return {f.id for f in vocabulary().families.values() if f.named_in(text)}


def paper_families(doc: Document) -> frozenset[str]:
    """Families the paper names anywhere: only then is a bare detail one of their members."""
    return frozenset(f for page in doc.pages for f in families_in(page.text))


def members(families: Iterable[str]) -> set[str]:
    vocab = vocabulary()
    return {b for family in families for b in vocab.family_members(family)}


def in_context(found: set[str], text: str, named_in_paper: frozenset[str]) -> set[str]:
    """``found`` without family members the context rules out: a bare language pair is WMT
    2014 only in a paper that names WMT 2014 and where ``text`` names no other WMT year."""
    vocab = vocabulary()

    def fits(benchmark: str) -> bool:
        family = vocab.benchmarks[benchmark].family
        if family is None or vocab.families[family].named_in(text):
            return True
        return family in named_in_paper and not vocab.families[family].other_named_in(text)

    return {b for b in found if fits(b)}


def task_hints(text: str) -> set[str]:
    return {b.id for b in vocabulary().benchmarks.values() if b.hinted_in(text)}


def metric_in(text: str) -> str | None:
    """The metric a column header or caption names, or None (first in the file's order)."""
    for metric in vocabulary().metrics.values():
        if any(p.search(text) for p in metric.header_patterns):
            return metric.id
    return None


def generic_metric_in(text: str) -> str | None:
    """The metric a bare "Acc."/"Err." means, when ``text`` says only that."""
    vocab = vocabulary()
    return vocab.generic_accuracy_metric if vocab.generic_accuracy.search(text) else None


def split_in(text: str) -> str | None:
    for name, pattern in _SPLIT_PATTERNS:
        if pattern.search(text):
            return name
    return None


def says_error(text: str) -> bool:
    return bool(_ERROR_WORDS.search(text))


def mentions_other_dataset(text: str) -> bool:
    return vocabulary().mentions_other_dataset(text)


def untracked_column(header: str) -> bool:
    return vocabulary().untracked_column(header)


def strip_benchmark_names(text: str) -> str:
    for benchmark in vocabulary().benchmarks.values():
        for pattern in benchmark.patterns:
            text = pattern.sub("", text)
    return text


def benchmark_mentions(doc: Document) -> Counter[str]:
    """How often each benchmark is named in the paper's body (references excluded)."""
    counts: Counter[str] = Counter()
    named: set[str] = set()
    for line in _body_lines(doc):
        for name in benchmarks_in(line):
            counts[name] += 1
        named |= families_in(line)
    vocab = vocabulary()
    for family in vocab.families:
        if family not in named:  # a language pair alone is WMT 2014 only when the paper says so
            for benchmark in vocab.family_members(family):
                counts.pop(benchmark, None)
    return counts


def _body_lines(doc: Document) -> Iterable[str]:
    pages = [[line.text for line in page.lines] for page in doc.pages]
    for texts, skipped in zip(pages, reference_lines(pages), strict=True):
        yield from (text for index, text in enumerate(texts) if index not in skipped)


def compatible(benchmark: str, metric: str) -> bool:
    spec = vocabulary().benchmarks.get(benchmark)
    return spec is not None and metric in spec.metrics
