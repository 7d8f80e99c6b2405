"""Hardware statements in prose: which accelerator, how many, counted in what.

"trained on 8 NVIDIA P100 GPUs", "32 TPUv3 cores", "an 8-GPU machine", "a v3-128 Cloud TPU v3
Pod", "a TPUv3 with 128 cores". The spaCy rules (``rules/hardware.jsonl``, their accelerator
name tokens from the vocabulary) find the phrase; this module reads the count, the accelerator
(canonical name from :mod:`extractors.accelerators`) and the counted unit (the accelerator
kind's units in ``extractors/vocabulary/accelerators.toml``) out of it.

Per paper and benchmark named, a statement repeated is reported once, and a GPU count without a
name borrows the GPU the paper names elsewhere when it names exactly one (marked in
``details``), because papers say "NVIDIA V100 GPUs" once and "8 GPUs" later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from spacy.tokens import Span

from extractors import cues
from extractors.accelerators import find_accelerator
from extractors.candidates import one_per_identity
from extractors.confidence import SECONDARY
from extractors.facts import ExtractedFact
from extractors.nlp import Match, find
from extractors.parse.document import Document
from extractors.registry import register
from extractors.units import parse_number
from extractors.vocabulary import vocabulary

NAME = "hardware"
VERSION = "3"

# What a hardware phrase counts, when it ends in a noun rather than the accelerator's name.
_NOUNS = {
    "gpu", "gpus", "card", "cards", "worker", "workers", "core", "cores", "tensorcores", "chip",
    "chips", "tpu", "tpus", "device", "devices", "accelerator", "accelerators", "hardware", "pod",
    "pods",
}  # fmt: skip
_GLUED_COUNT = re.compile(r"^(\d+)[x×](.*)$", re.IGNORECASE)  # "8xP100", "8×"
_COUNT_WORDS = {"a", "an", "single", "one"}
# After a hardware phrase, a time unit makes it compute ("140 GPU days"), not processors.
_TIME_UNITS = {"hours", "hour", "days", "day", "h", "hrs", "weeks", "months", "years", "minutes"}
# Before a count and a bare name ("using 1024 V100 for"); anywhere else it is a table cell.
_PREPOSITIONS = {"on", "using", "use", "uses", "used", "with", "across", "over", "(", "and", "of"}
_EACH = re.compile(r"\b(?:each|per|every)\b", re.IGNORECASE)
MAX_COUNT = 100_000  # more processors than any paper has trained on: a misread number


@register(NAME, VERSION, kinds=("hardware",))
def extract_hardware(document: Document) -> Iterator[ExtractedFact]:
    """Accelerator type and count from hardware statements in the text."""
    groups: dict[tuple[int, int], list[Match]] = {}
    for match in find(document, "WORKERS"):
        groups.setdefault(_sentence_key(match), []).append(match)
    facts: list[ExtractedFact] = []
    for match in find(document, "HARDWARE"):
        fact = _fact(match)
        if fact is None:
            continue
        facts.append(fact)
        facts.extend(_with_groups(fact, match, groups.get(_sentence_key(match), [])))
    yield from _consolidate(facts)


def _sentence_key(match: Match) -> tuple[int, int]:
    return match.page.page.number, match.sentence.start


def _with_groups(fact: ExtractedFact, match: Match, groups: list[Match]) -> list[ExtractedFact]:
    """Totals over machines in the same sentence.

    "50 replicas running each on a NVidia Kepler GPU" -> 50 GPUs; "twelve workers ..., with each
    worker using 8 GPUs" -> 96; "K80 GPUs, distributed over 8 parallel workers" -> 8 K80s. Without
    "each"/"per" a count is already a total ("8 servers (64 GPUs)"), so it is left alone.
    """
    totals = []
    for group in groups:
        machines = parse_number(group.span[0].text)
        if machines is None or machines < 2:
            continue
        if fact.count is None:
            count = machines
        elif _EACH.search(match.evidence):
            count = machines * fact.count
        else:
            continue
        total = replace(fact, count=count, rule=f"{group.rule}+{fact.rule}", details={})
        total.value = f"{group.span.text} x {fact.value}"
        totals.append(total)
    return totals


def _fact(match: Match) -> ExtractedFact | None:
    if match.rule == "hw.count_named_bare" and not _after_preposition(match.span):
        return None  # "6000 Titan X" in a table row is not a statement
    if _after_number(match.span):
        return None  # "1.4553 1322 GPU": a row of numbers, not a count
    if cues.is_acknowledgement(match.evidence):
        return None  # "We thank NVIDIA for the donation of K40 GPUs"
    if _before_time_unit(match.span):
        return None  # "140 GPU days", "250 TPU-v3 core hours": compute, not processors
    count, name_tokens, noun = _split(match.span, match.rule)
    spec = find_accelerator(" ".join(name_tokens)) if name_tokens else None
    # a TPU by its name or by a word of the phrase ("TPU cores"); anything else counts GPUs
    is_tpu = (spec is not None and spec.kind == "tpu") or any(
        "tpu" in t.lower() for t in [*name_tokens, noun]
    )
    kind = vocabulary().accelerators.kinds["tpu" if is_tpu else "gpu"]
    if count is None and spec is None:
        return None  # a bare "GPU" says nothing
    if count is not None and (count != int(count) or not 1 <= count <= MAX_COUNT):
        return None  # "80.5 Titan X" is a measurement
    count_unit = kind.nouns.get(noun.lower(), kind.default_unit)
    length = len(match.span.text)
    context = cues.context(match.evidence, match.offset, length)
    return ExtractedFact(
        kind="hardware",
        benchmark=cues.benchmark_of(match.evidence, match.offset, length),
        value=match.span.text,
        page=match.page.page.number,
        evidence=match.evidence,
        confidence=context.confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=cues.model_in(match.evidence, match.offset),
        accelerator=spec.name if spec else None,
        count=count,
        count_unit=count_unit,
        rule=match.rule,
        bbox=match.bbox,
    )


def _after_preposition(span: Span) -> bool:
    return span.start > 0 and span.doc[span.start - 1].lower_ in _PREPOSITIONS


def _before_time_unit(span: Span) -> bool:
    following = span.doc[span.end : span.end + 2]
    return any(t.lower_ in _TIME_UNITS for t in following[:1]) or (
        len(following) == 2 and following[0].text == "-" and following[1].lower_ in _TIME_UNITS
    )


def _after_number(span: Span) -> bool:
    return span.start > 0 and span.doc[span.start - 1].like_num


def _split(span: Span, rule: str) -> tuple[float | None, list[str], str]:
    """(count, accelerator-name tokens, counted noun) of a matched hardware phrase."""
    tokens = [t.text for t in span]
    if rule == "hw.pod_slice":  # "v3-128 Cloud TPU Pod": the number after the dash counts cores
        dash = tokens.index("-")
        return parse_number(tokens[dash + 1]), ["TPU", *tokens[:dash]], "cores"
    if rule == "hw.named_with_count":  # "TPUv3 (pod) with 128 cores"
        return parse_number(tokens[-2]), tokens[:-3], tokens[-1]
    if rule == "hw.named_count_unit":  # "TPUv3 128 cores"
        return parse_number(tokens[-2]), tokens[:-2], tokens[-1]
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
    if rule == "hw.count_dash_unit_named":  # "2048-core TPU v3": the noun comes first
        return count, tokens[1:], tokens[0]
    if tokens and tokens[-1].lower() in _NOUNS:
        return count, tokens[:-1], tokens[-1]
    return count, tokens, ""


def _consolidate(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """One fact per distinct statement and identity; unnamed GPU counts borrow the paper's only
    named GPU.

    Only GPUs named in statements that are not about inference or others' work are lent: the
    GPU a paper times inference on is often not the one it trained on.
    """
    gpus = {
        f.accelerator
        for f in facts
        if f.accelerator and f.count_unit == "gpu" and f.confidence > SECONDARY
    }
    named_gpu = next(iter(gpus)) if len(gpus) == 1 else None
    best: dict[tuple[str | None, float | None, str | None, str | None], ExtractedFact] = {}
    for fact in facts:
        if fact.accelerator is None and fact.count_unit == "gpu" and named_gpu:
            fact.accelerator = named_gpu
            fact.details["accelerator_from"] = "the only GPU the paper names"
        # the benchmark too: "eight GPUs" in a sentence about WMT En-Fr and "8 NVIDIA P100
        # GPUs" in the training section are one statement for En-Fr, the other for every model
        key = (fact.accelerator, fact.count, fact.count_unit, fact.benchmark)
        if key not in best or fact.confidence > best[key].confidence:
            best[key] = fact
    counted = {f.accelerator for f in best.values() if f.count is not None}
    return one_per_identity(
        [f for f in best.values() if f.count is not None or f.accelerator not in counted]
    )
