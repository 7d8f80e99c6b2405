"""Wall-clock training time stated in prose: "Training took 3.5 days", "about two weeks".

The spaCy rules (``rules/durations.jsonl``) find durations; a duration counts as a training time
only in a sentence about training, and never when it is a rate ("per epoch") or an aggregate
compute unit ("GPU days", "core hours"). A range ("1 or 2 days") keeps its upper end, as Thompson
et al. did, at lower confidence. Confidence follows :mod:`extractors.cues`: the paper's own
training high; fine-tuning, baselines and cited work low.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span

from extractors import cues
from extractors.candidates import one_per_identity
from extractors.confidence import UNCERTAIN
from extractors.facts import ExtractedFact, normalize_model_name
from extractors.nlp import Match, find
from extractors.parse.document import Document
from extractors.registry import register
from extractors.units import parse_duration, parse_number

NAME = "training_time"
VERSION = "2"

# Words after a duration that make it a rate or a part ("3 hours per epoch").
_RATE = {"per", "/"}
_RANGE = {"or", "to", "-", "–", "and"}
MIN_SECONDS = 600.0  # shorter "training times" are per-step or per-epoch figures
MAX_SECONDS = 365 * 86400.0


@register(NAME, VERSION, kinds=("training_time",))
def extract_training_time(document: Document) -> Iterator[ExtractedFact]:
    """Wall-clock training time from duration statements in training sentences."""
    seen: dict[tuple[float, str], ExtractedFact] = {}
    for match in find(document, "DURATION"):
        fact = _fact(match)
        if fact is None or fact.normalized is None:
            continue
        key = (fact.normalized, normalize_model_name(fact.model))
        if key not in seen or fact.confidence > seen[key].confidence:
            seen[key] = fact
    yield from one_per_identity(list(seen.values()))


def _fact(match: Match) -> ExtractedFact | None:
    span = match.span
    context = cues.context(match.evidence, match.offset, len(span.text))
    if not _about_training(context, match.rule) or _is_rate(span):
        return None
    low = _range_start(span)
    if low is None and _after_number(span):
        return None  # "1 1 1 h" in figure text, "7.1e17 14M 4d" in a table row
    text = span.text
    if match.rule == "time.compact_on":  # "4d on": the duration is the first token
        text = span[0].text
    if low is not None:  # "between five and six days": keep the whole range as printed
        text = span.doc[low : span.end].text
    seconds = parse_duration(text)
    if seconds is None or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return None
    is_range = low is not None or match.rule == "time.range_unit"
    is_bound = cues.is_bound(span)
    return ExtractedFact(
        kind="training_time",
        benchmark=cues.benchmark_of(match.evidence, match.offset, len(span.text)),
        value=text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=_confidence(context, is_range or is_bound),
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence, match.offset),
        unit="s",
        normalized=seconds,
        rule=match.rule,
        bbox=match.bbox,
        details=({"range": "upper end kept"} if is_range else {})
        | ({"bound": "stated as a bound"} if is_bound else {}),
    )


def _about_training(context: cues.Context, rule: str) -> bool:
    """A training sentence, an effort that is not inference ("the experiments took 3 days"), or
    a train-time table cell ("4d on 16 TPUv3s"), which is one by its form."""
    return (
        context.training or (context.effort and not context.inference) or rule == "time.compact_on"
    )


def _confidence(context: cues.Context, approximate: bool) -> float:
    """Cue-based confidence; a range or a bound ("in less than 3 days") is at most uncertain."""
    confidence = context.confidence if context.training else UNCERTAIN
    return min(confidence, UNCERTAIN) if approximate else confidence


def _after_number(span: Span) -> bool:
    first = next((t for t in span if t.like_num or t.i == span.end - 1), span[0])
    return first.i > 0 and span.doc[first.i - 1].like_num


def _is_rate(span: Span) -> bool:
    """ "3 hours per epoch", "2 days / run": a rate, not a training time.

    Aggregates ("140 GPU days", "core hours") never match: the rules want the unit right after
    the number.
    """
    return span.end < len(span.doc) and span.doc[span.end].lower_ in _RATE


def _range_start(span: Span) -> int | None:
    """Where a range ending in ``span`` starts ("1 or 2 days" -> the token "1"), if it is one."""
    number = next((t for t in span if t.like_num), None)
    if number is None or number.i < 2:
        return None
    joiner, low = span.doc[number.i - 1], span.doc[number.i - 2]
    if joiner.lower_ in _RANGE and parse_number(low.text) is not None:
        return low.i
    return None
