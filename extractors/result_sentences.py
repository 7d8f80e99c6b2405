"""Benchmark results stated in sentences ("achieves a top-1 accuracy of 90.4%", "28.4 BLEU").

Papers repeat their headline number in the abstract or the text, and some state it only there
(an ablation reported in prose, a number beside a figure). A sentence gives a result when it
names a metric next to a number; the benchmark comes from the sentence, else from the paper's
own benchmarks that the metric fits. Claims in the first person ("we achieve", "our model")
are the paper's own and rank higher than numbers quoted from others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from extractors.benchmark_detection import (
    benchmark_beside,
    benchmarks_in,
    compatible,
    families_in,
    members,
    mentions_other_dataset,
    paper_families,
    says_error,
)
from extractors.nlp import read_pages
from extractors.parse.document import Document, Page
from extractors.vocabulary import Vocabulary, vocabulary

_NUMBER = r"(?P<num>\d{1,2}(?:\.\d+)?)\s?(?P<pct>%)?"
_RULES = (
    ("metric_of_number", r"\b(?:{m})\s+(?:of|is|=|:|at|reaches|reaching)\s+(?:about\s+)?{n}"),
    ("number_metric", r"{n}\s+(?:{m})\b"),
    ("improved_to", r"\bfrom\s+\d+(?:\.\d+)?%?\s+to\s+{n}"),
)


@cache
def _patterns(vocab: Vocabulary) -> tuple[tuple[str, str, re.Pattern[str], re.Pattern[str]], ...]:
    """(metric, rule, pattern, the metric must also be named somewhere in the sentence) for
    every metric the vocabulary says prose names (its ``sentence_words``)."""
    return tuple(
        (
            metric.id,
            rule,
            re.compile(pattern.format(m=metric.sentence_words, n=_NUMBER), re.I),
            re.compile(rf"\b(?:{metric.sentence_words})\b", re.I),
        )
        for metric in vocab.metrics.values()
        if metric.sentence_words
        for rule, pattern in _RULES
    )


# The model a sentence's score belongs to, when the sentence makes it the subject of the verb
# that takes the score ("Mixer-H/14 achieves 87.94% top-1 accuracy", "EfficientNet-B7 achieves
# state-of-the-art 84.3% top-1 accuracy", "ResNet-152 obtains a top-5 error of 4.49%"): a name
# with a hyphen, slash or inner capital (a model's, not a sentence's first word), then the verb,
# then at most five words before the number. A name after "with" or "using" is the backbone
# ("RefineDet320 with ResNet-101 achieves 32.0% AP"), not the model.
_SUBJECT = re.compile(
    r"(?<!\bwith )(?<!\busing )(?P<model>\b[A-Z][\w.]*(?:[-/][\w.]+)+|\b[A-Z][a-z]+[A-Z][\w-]*)\s+"
    r"(?:achieves|obtains|attains|reaches|yields)\s+(?:[^\s\d][^\s]*\s+){0,5}$"
)

_OWN_CLAIM = re.compile(
    r"\b(?:we|our|ours)\b|\b(?:achiev|obtain|attain|reach|improv|set|establish)\w*", re.I
)


@dataclass(frozen=True)
class Statement:
    page: Page
    sentence: str
    benchmark: str
    metric: str
    value: str  # as printed
    score: float  # accuracy-like points (100 - error for an error statement)
    rule: str
    own_claim: bool  # first person or "achieves ...": the paper's own result
    model: str | None  # the verb's subject (:data:`_SUBJECT`), else None
    benchmark_named: bool  # the sentence names the benchmark (else: the paper's benchmarks)


def sentence_results(doc: Document, mentions: Mapping[str, int]) -> Iterator[Statement]:
    """Every metric-and-number statement in the body of the paper (references excluded).

    Sentences are the shared spaCy pipeline's (:func:`extractors.nlp.read_pages`), the same the
    prose extractors read, and the reference list is the one it skips."""
    families = paper_families(doc)
    for page in read_pages(doc):
        sentences = [
            _SPLIT_DECIMAL.sub(r"\1.\2", " ".join(sent.text.split()))
            for sent in page.doc.sents
            if not page.is_skipped(sent.start_char)
        ]
        for i, sentence in enumerate(sentences):
            nearby = " ".join(sentences[max(i - 1, 0) : i + 2])
            yield from _statements(page.page, sentence, nearby, mentions, families)


def _subject(before: str) -> str | None:
    """The model named as the subject of the verb right before a score, if any."""
    m = _SUBJECT.search(before)
    return m.group("model") if m else None


# "28.4 and 41.0 BLEU on EN-DE and EN-FR respectively": the scores follow the benchmarks' order,
# not their distance.
_RESPECTIVELY = re.compile(r"\brespectively\b", re.I)


def _benchmark_of(
    sentence: str, span: tuple[int, int], candidates: set[str], mentions: Mapping[str, int]
) -> str:
    """The benchmark of the score at ``span``: of several the sentence names, the one it names
    beside the score (:func:`benchmark_beside`), unless it pairs scores with benchmarks
    "respectively"; else the one the paper mentions most."""
    if len(candidates) > 1 and not _RESPECTIVELY.search(sentence):
        nearest = benchmark_beside(sentence, span, candidates)
        if nearest:
            return nearest
    # sorted: a tie (a side-by-side EN-DE / EN-FR table) must not fall to set order, which
    # string hashing changes from one process to the next
    return max(sorted(candidates), key=lambda b: mentions.get(b, 0))


# Decimals split around the point by the text layer ("76 .1", "76. 1").
_SPLIT_DECIMAL = re.compile(r"(\d) ?\. ?(\d)")


def _statements(
    page: Page, sentence: str, nearby: str, mentions: Mapping[str, int], families: frozenset[str]
) -> Iterator[Statement]:
    """Statements in ``sentence``; the benchmark may be named in the sentences around it."""
    metrics = [entry for entry in _patterns(vocabulary()) if entry[3].search(sentence)]
    if not metrics or not any(ch.isdigit() for ch in sentence):
        return  # most sentences state no score: skip the benchmark search
    named_here = benchmarks_in(sentence)
    if not named_here and mentions_other_dataset(sentence):
        return  # "for the well known IWSLT14 De→En translation, R-Drop obtains 37.25 BLEU"
    named = named_here or benchmarks_in(nearby)
    unnamed = set(vocabulary().families) - families - families_in(nearby)
    named -= members(unnamed)  # a language pair is WMT 2014 only in a paper naming WMT 2014
    seen: set[tuple[str, str]] = set()
    for metric, rule, pattern, _ in metrics:
        for match in pattern.finditer(sentence):
            candidates = {b for b in (named or set(mentions)) if compatible(b, metric)}
            if not candidates:
                continue
            benchmark = _benchmark_of(sentence, match.span("num"), candidates, mentions)
            if "." not in match.group("num") and not match.group("pct"):
                continue  # "50 top-1" in a run-in table header, "28 layers": not a score
            value = float(match.group("num"))
            score = 100 - value if says_error(match.group(0)) else value
            if (metric, match.group("num")) in seen:
                continue
            seen.add((metric, match.group("num")))
            yield Statement(
                page=page,
                sentence=" ".join(sentence.split()),
                benchmark=benchmark,
                metric=metric,
                value=match.group("num") + (match.group("pct") or ""),
                score=score,
                rule=rule,
                own_claim=bool(_OWN_CLAIM.search(sentence)),
                model=_subject(sentence[: match.start()]),
                benchmark_named=bool(named),
            )
