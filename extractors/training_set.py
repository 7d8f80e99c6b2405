"""The size of a training set stated in prose: "the 1.28 million training images", "the training
set contains 36M sentence pairs", "approximately 800 million tokens".

The other factor of network operations besides epochs. The spaCy rules
(``rules/training_set.jsonl``) find a count of images, examples, sentence pairs or tokens;
it is a training set when the sentence speaks of training or a training set, and never a batch
("mini-batch of 128 examples", "16 images per GPU"), a per-class sample ("30 images per
category"), a validation/test split ("50,000 validation images") or another dataset's training
set ("On SVHN, ... trained on 73,257 examples", :func:`extractors.cues.names_another_dataset`).
A citation in a statement that names the benchmark is the dataset's reference, not another
work's number: such a size keeps the confidence of the paper's own statements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from extractors import cues
from extractors.candidates import one_per_identity
from extractors.facts import ExtractedFact
from extractors.nlp import Match, find
from extractors.parse.document import Document
from extractors.registry import register
from extractors.sizes import quantity

NAME = "training_set"
VERSION = "3"
MIN_EXAMPLES = 10_000  # smaller sets are batches, per-class samples or toy data
MAX_EXAMPLES = 1e14

_BREAK = re.compile(r"[,;()]|\band\b")
_TRAINING_SET = re.compile(r"\btrain(?:ing|ed|s)?\b|\bpre-?train", re.IGNORECASE)
_NOT_TRAINING = re.compile(
    r"\b(?:batch|mini-?batch|per\s+(?:gpu|category|class|image|step|iteration)|validation|val|"
    r"test(?:ing)?|held[- ]out|hold out)\b",
    re.IGNORECASE,
)


@register(NAME, VERSION, kinds=("training_set",))
def extract_training_set(document: Document) -> Iterator[ExtractedFact]:
    """Training-set sizes (images, examples, sentence pairs, tokens) from prose."""
    facts = [fact for match in find(document, "EXAMPLES") if (fact := _fact(match)) is not None]
    yield from one_per_identity(facts)


def _fact(match: Match) -> ExtractedFact | None:
    span = match.span
    count, head = quantity(span)
    if count is None or not MIN_EXAMPLES <= count <= MAX_EXAMPLES:
        return None
    evidence, at = match.evidence, match.offset
    if _NOT_TRAINING.search(_phrase(evidence, at, at + len(span.text))):
        return None
    if not _TRAINING_SET.search(evidence):
        return None
    details = cues.phase_details(evidence, at, len(span.text))
    if details.get("phase") != cues.PRETRAINING and cues.names_another_dataset(evidence):
        return None
    context = cues.context(evidence, at, len(span.text))
    if context.cited and details.get("dataset"):
        # "The ImageNet-1K classification dataset [1] consists of 1.2 million images for
        # training" (CBAM), "MS-COCO 2017 [22], which contains ~118k images for training"
        # (Cascade R-CNN): the citation is the dataset's; a benchmark's set is the same for all
        context = replace(context, cited=False)
    return ExtractedFact(
        kind="training_set",
        value=span.text,
        page=match.page.page.number,
        evidence=evidence,
        confidence=context.confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(evidence, at),
        unit=head.split()[-1].lower() if head.split() else None,
        normalized=count,
        rule=match.rule,
        bbox=match.bbox,
        details=details,
    )


def _phrase(text: str, start: int, end: int) -> str:
    """The words around a count up to the nearest break on each side, at most 40 characters:
    "1.2M training examples and 50k validation examples" keeps the validation split apart."""
    before = text[max(0, start - 40) : start]
    before = before[max((m.end() for m in _BREAK.finditer(before)), default=0) :]
    after = text[end : end + 40]
    cut = _BREAK.search(after)
    return before + text[start:end] + (after[: cut.start()] if cut else after)
