"""Parameter counts stated in prose: "The resulting LSTM has 384M parameters", "about 2.6 million
parameters", "13.6 · 10^6 parameters", "a 137B parameter pretrained language model", "the same
number of parameters as the base configuration (6.5 × 10^7)".

Table columns of parameter counts are :mod:`extractors.table_sizes`' job; this module reads the
sentences. Counts outside 10^3..10^13 are not model sizes ("12 parameters per layer"), and a
count quoted with a citation is kept at low confidence (it is another paper's model).
"""

from __future__ import annotations

from collections.abc import Iterator

from extractors import cues
from extractors.facts import ExtractedFact
from extractors.nlp import Match
from extractors.parse.document import Document
from extractors.registry import register
from extractors.sizes import quantity, size_confidence, size_facts

NAME = "prose_parameters"
VERSION = "2"
MIN_COUNT = 1e3
MAX_COUNT = 1e13


@register(NAME, VERSION, kinds=("parameters",))
def extract_parameters(document: Document) -> Iterator[ExtractedFact]:
    """Parameter counts stated in sentences."""
    yield from size_facts(document, "PARAMETERS", _fact)


def _fact(match: Match) -> ExtractedFact | None:
    span = match.span
    if match.rule == "params.number_of_paren":  # "number of parameters as ... (6.5 × 10^7)"
        span = span[[t.text for t in span].index("(") + 1 : -1]
    count, _head = quantity(span)
    if count is None or not MIN_COUNT <= count <= MAX_COUNT:
        return None
    return ExtractedFact(
        kind="parameters",
        value=span.text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=size_confidence(match),
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence, match.offset),
        normalized=count,
        rule=match.rule,
        bbox=match.bbox,
    )
