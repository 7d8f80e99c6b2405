"""Wall-clock training time stated in prose: "Training took 3.5 days", "about two weeks".

The spaCy rules (``rules/durations.jsonl``) find durations; a duration counts as a training time
only in a sentence about training, and never when it is a rate ("per epoch"), an aggregate
compute unit ("GPU days", "core hours") or one end of a range ("1 or 2 days"). Confidence follows
:mod:`extractors.cues`: the paper's own training high, fine-tuning, baselines and cited work low.
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors import cues
from extractors.document import Document
from extractors.facts import ExtractedFact, normalize_model_name
from extractors.nlp import Match, find
from extractors.registry import register
from extractors.units import parse_duration, parse_number

NAME = "training_time"
VERSION = "1"

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
    yield from seen.values()


def _fact(match: Match) -> ExtractedFact | None:
    span = match.span
    context = cues.context(match.evidence, match.offset, len(match.span.text))
    if not context.training or _is_not_wall_clock(match):
        return None
    text = span.text
    if match.rule == "time.compact_on":  # "4d on": the duration is the first token
        text = span[0].text
    seconds = parse_duration(text)
    if seconds is None or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return None
    return ExtractedFact(
        kind="training_time",
        value=text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=context.confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence, match.offset),
        unit="s",
        normalized=seconds,
        rule=match.rule,
        bbox=match.bbox,
    )


def _is_not_wall_clock(match: Match) -> bool:
    """True for rates ("per epoch"), ranges ("1 or 2 days"), read from the neighbouring tokens.

    Aggregates ("140 GPU days", "core hours") never match: the rules want the unit right after
    the number.
    """
    doc, span = match.span.doc, match.span
    before = [t.lower_ for t in doc[max(0, span.start - 2) : span.start]]
    after = doc[span.end].lower_ if span.end < len(doc) else ""
    if after in _RATE:
        return True
    return len(before) == 2 and before[1] in _RANGE and parse_number(before[0]) is not None
