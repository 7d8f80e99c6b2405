"""Operations per forward pass stated in prose: "3.8 billion FLOPs", "1.5 billion multiply-adds",
"569M Mult-Adds", "4.1 GFLOPs".

``flops_kind`` keeps what the paper calls them (``multiply_adds`` for multiply-adds, mult-adds and
MACs; ``flops`` otherwise); ``normalized`` is in FLOPs, a multiply-add counting as two (Thompson
et al.). A paper that defines its FLOPs as multiply-adds ("3.6 billion FLOPs (multiply-adds)")
names multiply-adds. Rates ("125 TFLOPS", "FLOPs per second") and training totals (above 10^16,
"3.3e18 train FLOPs") are not per-pass figures and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors import cues
from extractors.facts import ExtractedFact
from extractors.nlp import Match
from extractors.parse.document import Document
from extractors.registry import register
from extractors.sizes import quantity, size_confidence, size_facts
from extractors.units import SCALES

NAME = "prose_flops"
VERSION = "2"
MIN_FLOPS = 1e5
MAX_FLOPS = 1e16  # per forward pass; anything larger is a training total

_MULTIPLY_ADDS = re.compile(r"mult|madd|mac", re.IGNORECASE)
_SCALED_HEAD = re.compile(r"^([kmgbt])(?:flops?|macs?)$", re.IGNORECASE)  # GFLOPs, MMACs
_RATE_AFTER = re.compile(r"^\s*(?:/\s*s\b|per second|/sec)", re.IGNORECASE)
_DEFINED_AS_MULTIPLY_ADDS = re.compile(r"^\s*\(\s*(?:multiply|mult)", re.IGNORECASE)


@register(NAME, VERSION, kinds=("flops",))
def extract_flops(document: Document) -> Iterator[ExtractedFact]:
    """FLOPs or multiply-adds per forward pass stated in sentences."""
    yield from size_facts(document, "FLOPS", _fact)


def _fact(match: Match) -> ExtractedFact | None:
    amount, head = quantity(match.span)
    if amount is None or head.lower().startswith("t") or "/s" in head.lower():
        return None  # TFLOPS are device rates
    following = match.page.text[match.span.end_char : match.span.end_char + 30]
    if _RATE_AFTER.match(following):
        return None
    if scaled := _SCALED_HEAD.match(head.replace(" ", "")):
        amount *= SCALES[scaled.group(1).lower()]
    multiply_adds = bool(_MULTIPLY_ADDS.search(head)) or bool(
        _DEFINED_AS_MULTIPLY_ADDS.match(following)
    )
    flops = amount * 2 if multiply_adds else amount
    if not MIN_FLOPS <= flops <= MAX_FLOPS:
        return None
    return ExtractedFact(
        kind="flops",
        value=match.span.text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=size_confidence(match),
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence, match.offset),
        normalized=flops,
        flops_kind="multiply_adds" if multiply_adds else "flops",
        rule=match.rule,
        bbox=match.bbox,
    )
