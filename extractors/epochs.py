"""Training epochs stated in prose: "All models are trained for 120 epochs", "a 90-epoch schedule".

Epochs are one factor of Thompson et al.'s network operations (ops per pass x 3 x epochs x
training examples). The spaCy rules (``rules/epochs.jsonl``) find "N epochs"; a count is the
length of training only when nothing around it makes it a part of a schedule: "every 30
epochs", "after 5 epochs", "at 125, 200 and 250 epochs", "the first 500 epochs", "per epoch",
a warm-up ("warmup is extended to 50 epochs");
an early-stopping patience ("until the validation perplexity did not improve for 10 epochs");
an architecture search's models ("trained for 20 epochs each", "each sampled model on 5 epochs
of the proxy training set", :func:`extractors.cues.is_search`); or another dataset's training
("trained ... for 600 epochs" under a CIFAR caption, :func:`extractors.cues.names_another_dataset`).
Fine-tuning and cited work rank low (:mod:`extractors.cues`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from extractors import cues
from extractors.candidates import one_per_identity
from extractors.facts import ExtractedFact
from extractors.nlp import Match, find
from extractors.parse.document import Document
from extractors.registry import register
from extractors.units import parse_number

NAME = "epochs"
VERSION = "3"
MAX_EPOCHS = 10_000

# Words before "N epochs" that make N a point or a part of the schedule, not its length.
_PART_BEFORE = re.compile(
    r"\b(?:every|after|at|first|last|initial|warm-?up(?:\s+of)?|decay(?:ed)?\s+(?:every|at)|"
    r"within|each|per|than|until|by)\s*(?:\d[\d,.\s]*(?:and|,)\s*)*$",
    re.IGNORECASE,
)
_PART_AFTER = re.compile(r"^\s*(?:each|per|of\s+warm|warm-?up|later)\b", re.IGNORECASE)
# A warm-up's length, its phrase naming it before the count: "warmup is extended to 50 epochs"
# (ConvNeXt's isotropic models), as "a warmup of 5 epochs" (:data:`_PART_BEFORE`).
_WARMUP = re.compile(r"\bwarm-?\s?up\b", re.IGNORECASE)
# Early stopping: "did not improve for 10 epochs" (RNN Encoder-Decoder), "training was stopped if
# performance had not improved for 7 epochs" (char attention NER): a wait, not the training.
_PATIENCE = re.compile(
    r"(?:\bnot|n't|\bno longer)\s+improved?\s+(?:for|in|over|within|after)\s*$|"
    r"\bno improvement\s+(?:for|in|over|within|after)\s*$|\bpatience\s+(?:of\s+)?$",
    re.IGNORECASE,
)


@register(NAME, VERSION, kinds=("epochs",))
def extract_epochs(document: Document) -> Iterator[ExtractedFact]:
    """Training epochs from "trained for N epochs" statements."""
    facts = [fact for match in find(document, "EPOCHS") if (fact := _fact(match)) is not None]
    yield from one_per_identity(facts)


def _fact(match: Match) -> ExtractedFact | None:
    span = match.span
    count = parse_number(span[0].text)
    if count is None or not 1 <= count <= MAX_EPOCHS:
        return None
    evidence, at = match.evidence, match.offset
    if _PART_BEFORE.search(evidence[:at]) or _PART_AFTER.match(evidence[at + len(span.text) :]):
        return None
    if _PATIENCE.search(evidence[:at]) or _WARMUP.search(cues.phrase_before(evidence, at)):
        return None
    if cues.is_search(evidence, at, len(span.text)):
        return None
    details = cues.phase_details(evidence, at, len(span.text))
    if details.get("phase") != cues.PRETRAINING and cues.names_another_dataset(evidence):
        return None
    context = cues.context(evidence, at, len(span.text))
    return ExtractedFact(
        kind="epochs",
        value=span[0].text,
        page=match.page.page.number,
        evidence=evidence,
        confidence=context.confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(evidence, at),
        unit="epochs",
        normalized=count,
        rule=match.rule,
        bbox=match.bbox,
        details=details,
    )
