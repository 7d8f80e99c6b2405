"""Model sizes stated in prose, shared by the parameter and FLOPs extractors.

"The resulting LSTM has 384M parameters", "13.6 · 10^6 parameters", "3.8 billion FLOPs",
"569M Mult-Adds": a number, an optional scale (word, suffix or power of ten) and a head word.
Both extractors read the quantity the same way and keep one fact per value and model, so this
module holds what they share; each of them decides what its head words mean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from spacy.tokens import Span

from extractors import cues
from extractors.document import Document
from extractors.facts import ExtractedFact, normalize_model_name
from extractors.nlp import Match, find
from extractors.units import parse_number, scale_factor

_POWER_SIGNS = {"×", "x", "·", "*", "∗", "^"}


def quantity(span: Span) -> tuple[float | None, str]:
    """The number a size phrase states, and the rest of the phrase (its head words).

    "384 M parameters" -> (3.84e8, "parameters"); "13.6 10 6 parameters" (a PDF's flattened
    13.6 · 10^6) -> (1.36e7, "parameters"); "4.1 GFLOPs" -> (4.1, "GFLOPs"): a scale glued to the
    head word is the caller's to read.
    """
    mantissa = parse_number(span[0].text)
    factor = 1.0
    index = 1
    while index < len(span):
        word = span[index].text
        if word in _POWER_SIGNS:
            index += 1
        elif word == "10" and index + 1 < len(span) and span[index + 1].text.lstrip("^").isdigit():
            factor *= 10.0 ** int(span[index + 1].text.lstrip("^"))
            index += 2
        elif (scale := scale_factor(word)) is not None:
            factor *= scale
            index += 1
        else:
            break
    head = span[index:].text if index < len(span) else ""
    return (mantissa * factor if mantissa is not None else None), head


def size_facts(
    document: Document,
    label: str,
    read: Callable[[Match], ExtractedFact | None],
) -> Iterator[ExtractedFact]:
    """``read`` every match of ``label``; one fact per (value, model), the most confident kept."""
    best: dict[tuple[float | None, str], ExtractedFact] = {}
    for match in find(document, label):
        if is_bound(match.span):
            continue
        fact = read(match)
        if fact is None:
            continue
        key = (fact.normalized, normalize_model_name(fact.model))
        if key not in best or fact.confidence > best[key].confidence:
            best[key] = fact
    yield from best.values()


_BOUND_WORDS = ("<", ">", "≤", "≥", "less than", "fewer than", "more than", "under", "below",
                "above", "over", "up to", "at most", "at least", "within")  # fmt: skip


def is_bound(span: Span) -> bool:
    """Whether a size is a bound ("less than 600 million FLOPs", "< 150 MFLOPs"), not a size."""
    before = span.doc[max(0, span.start - 3) : span.start].text.lower()
    before = before.replace("∼", " ").replace("~", " ").strip()
    return before.endswith(_BOUND_WORDS)


def size_confidence(match: Match) -> float:
    """Sizes are facts about a model, not about training: the paper's own model high, a size
    quoted with a citation low, the rest (sizes of models named in passing) in between."""
    context = cues.context(match.evidence, match.offset, len(match.span.text))
    if context.cited:
        return cues.CITED
    if cues.is_own(match.evidence):
        return cues.OWN
    return cues.SECONDARY if context.baseline else cues.UNCERTAIN
