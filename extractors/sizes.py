"""Model sizes stated in prose, shared by the parameter and FLOPs extractors.

"The resulting LSTM has 384M parameters", "13.6 · 10^6 parameters", "3.8 billion FLOPs",
"569M Mult-Adds": a number, an optional scale (word, suffix or power of ten) and a head word.
Both extractors read the quantity the same way and keep one fact per value and model, so this
module holds what they share; each of them decides what its head words mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from spacy.tokens import Span

from extractors import cues
from extractors.candidates import one_per_identity
from extractors.confidence import CITED, OWN, SECONDARY, UNCERTAIN
from extractors.facts import ExtractedFact
from extractors.nlp import Match, find
from extractors.parse.document import Document
from extractors.units import parse_number, scale_factor

_QUANTITY = re.compile(
    r"^[~∼≈]?\s*(?P<mantissa>\d[\d,]*(?:\.\d+)?[KMBGTkmbgt]?)\s*"
    r"(?:[×x·*∗]\s*)?(?:10\s*\^?\s*(?P<exponent>[-−]?\d{1,2})\b)?\s*"
    r"(?P<scale>(?:thousand|millions?|billions?|trillion|mil|mln|bn|[KMBGTkmbgt])\b)?\s*"
    r"(?P<head>.*)$",
    re.IGNORECASE,
)


def quantity(span: Span) -> tuple[float | None, str]:
    """The number a size phrase states, and the rest of the phrase (its head words).

    "384M parameters" -> (3.84e8, "parameters"); "13.6 · 10^6 parameters" and its flattened PDF
    form "13.6 10 6 parameters" -> (1.36e7, "parameters"); "11.3×10^9 FLOPs" -> (1.13e10,
    "FLOPs"); "4.1 GFLOPs" -> (4.1, "GFLOPs"): a scale glued to the head word is the caller's.
    A hedge glued to the number is dropped: "∼14M images" -> (1.4e7, "images").
    """
    m = _QUANTITY.match(span.text.replace("-", " "))  # "1.5-billion-parameter"
    if m is None:
        return None, ""
    mantissa = parse_number(m.group("mantissa"))
    if mantissa is None:
        return None, m.group("head")
    if m.group("exponent"):
        mantissa *= 10.0 ** int(m.group("exponent").replace("−", "-"))
    if m.group("scale"):
        mantissa *= scale_factor(m.group("scale")) or 1.0
    return mantissa, m.group("head")


def size_facts(
    document: Document,
    label: str,
    read: Callable[[Match], ExtractedFact | None],
) -> Iterator[ExtractedFact]:
    """``read`` every match of ``label``; one fact per value, then one per identity.

    A value stated twice is one size ("LSTMs (with 384M parameters ...)" on page 2, "The resulting
    LSTM has 384M parameters" on page 5): the most confident statement is kept, and it takes the
    model name another statement of the value gives when it names none.
    """
    best: dict[float | None, ExtractedFact] = {}
    models: dict[float | None, str] = {}
    for match in find(document, label):
        if cues.is_bound(match.span):
            continue
        fact = read(match)
        if fact is None:
            continue
        if fact.model:
            models.setdefault(fact.normalized, fact.model)
        if fact.normalized not in best or fact.confidence > best[fact.normalized].confidence:
            best[fact.normalized] = fact
    for value, fact in best.items():
        fact.model = fact.model or models.get(value)
    yield from one_per_identity(list(best.values()))


def size_confidence(match: Match) -> float:
    """Sizes are facts about a model, not about training: the paper's own model high, a size
    quoted with a citation low, the rest (sizes of models named in passing) in between."""
    context = cues.context(match.evidence, match.offset, len(match.span.text))
    if context.cited:
        return CITED
    if cues.is_own(match.evidence):
        return OWN
    return SECONDARY if context.baseline else UNCERTAIN
