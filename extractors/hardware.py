"""Hardware statements in prose: which accelerator, how many, counted in what.

"trained on 8 NVIDIA P100 GPUs", "32 TPUv3 cores", "an 8-GPU machine", "a v3-128 Cloud TPU v3
Pod", "a TPUv3 with 128 cores". The spaCy rules (``rules/hardware.jsonl``) find the phrase; this
module reads the count, the accelerator (canonical name from :mod:`extractors.accelerators`) and
the counted unit (``gpu``, ``tpu_core``, ``tpu_chip``, ``tpu_device``) out of it.

Per paper, a statement repeated is reported once, and a GPU count without a name borrows the GPU
the paper names elsewhere when it names exactly one (marked in ``details``), because papers say
"NVIDIA V100 GPUs" once and "8 GPUs" later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from spacy.tokens import Span

from extractors import cues
from extractors.accelerators import find_accelerator
from extractors.document import Document
from extractors.facts import ExtractedFact
from extractors.nlp import Match, find
from extractors.registry import register
from extractors.units import parse_number

NAME = "hardware"
VERSION = "1"

_TPU_UNITS = {
    "core": "tpu_core",
    "cores": "tpu_core",
    "tensorcores": "tpu_core",
    "chip": "tpu_chip",
    "chips": "tpu_chip",
}
# What a hardware phrase counts, when it ends in a noun rather than the accelerator's name.
_NOUNS = {
    "gpu", "gpus", "card", "cards", "worker", "workers", "core", "cores", "tensorcores", "chip",
    "chips", "tpu", "tpus", "device", "devices", "accelerator", "accelerators", "hardware", "pod",
    "pods",
}  # fmt: skip
_GLUED_COUNT = re.compile(r"^(\d+)[x×](.*)$", re.IGNORECASE)
_COUNT_WORDS = {"a", "an", "single", "one"}


@register(NAME, VERSION, kinds=("hardware",))
def extract_hardware(document: Document) -> Iterator[ExtractedFact]:
    """Accelerator type and count from hardware statements in the text."""
    facts = [fact for match in find(document, "HARDWARE") if (fact := _fact(match))]
    yield from _consolidate(facts)


def _fact(match: Match) -> ExtractedFact | None:
    count, name_tokens, noun = _split(match.span, match.rule)
    spec = find_accelerator(" ".join(name_tokens)) if name_tokens else None
    is_tpu = (spec is not None and spec.kind == "tpu") or any(
        "tpu" in t.lower() for t in [*name_tokens, noun]
    )
    if count is None and spec is None:
        return None  # a bare "GPU" says nothing
    count_unit = _TPU_UNITS.get(noun.lower(), "tpu_device") if is_tpu else "gpu"
    context = cues.context(match.evidence)
    return ExtractedFact(
        kind="hardware",
        value=match.span.text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=context.confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence),
        accelerator=spec.name if spec else None,
        count=count,
        count_unit=count_unit,
        rule=match.rule,
        bbox=match.bbox,
    )


def _split(span: Span, rule: str) -> tuple[float | None, list[str], str]:
    """(count, accelerator-name tokens, counted noun) of a matched hardware phrase."""
    tokens = [t.text for t in span]
    if rule == "hw.pod_slice":  # "v3-128": the number after the dash counts cores
        return parse_number(tokens[-1]), ["TPU", *tokens[:-2]], "cores"
    if rule == "hw.named_with_count":  # "TPUv3 with 128 cores"
        return parse_number(tokens[-2]), tokens[:-3], tokens[-1]
    count: float | None = None
    if glued := _GLUED_COUNT.match(tokens[0]):  # "8xP100"
        count = float(glued.group(1))
        tokens = [glued.group(2), *tokens[1:]] if glued.group(2) else tokens[1:]
    elif span[0].like_num or tokens[0].lower() in _COUNT_WORDS:
        count = parse_number(tokens[0])
        tokens = tokens[1:]
        if tokens and tokens[0].lower() == "single":
            tokens = tokens[1:]
    if tokens and tokens[0] == "-":  # "8-GPU"
        tokens = tokens[1:]
    if tokens and tokens[-1].lower() in _NOUNS:
        return count, tokens[:-1], tokens[-1]
    return count, tokens, ""


def _consolidate(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """One fact per distinct statement; unnamed GPU counts borrow the paper's only named GPU."""
    gpus = {f.accelerator for f in facts if f.accelerator and f.count_unit == "gpu"}
    named_gpu = next(iter(gpus)) if len(gpus) == 1 else None
    best: dict[tuple[str | None, float | None, str | None], ExtractedFact] = {}
    for fact in facts:
        if fact.accelerator is None and fact.count_unit == "gpu" and named_gpu:
            fact.accelerator = named_gpu
            fact.details["accelerator_from"] = "the only GPU the paper names"
        key = (fact.accelerator, fact.count, fact.count_unit)
        if key not in best or fact.confidence > best[key].confidence:
            best[key] = fact
    counted = {f.accelerator for f in best.values() if f.count is not None}
    return [f for f in best.values() if f.count is not None or f.accelerator not in counted]
