"""The fact-kind registry: everything the pipeline needs to know about a kind, in one spec.

A kind's behaviour used to be spread over ``if kind == ...`` in corrections, review,
observations, evaluation, export and the rule loader. Each stage now asks the spec instead:

- ``value_field``: the fact column that holds the normalized number (``error`` for results,
  ``count`` for hardware, ``normalized`` for the rest) and ``unit`` says what it is measured in;
- ``derive``: how a curator's corrected value and unit re-derive that number (the same
  :mod:`extractors.units` conversions the extractors use; a bad value raises ``ValueError``);
- ``gold_fields``: the evaluation fields (``pipeline.evaluate``) a fact of this kind can match;
- ``row_field``: the cell of a model row it fills (``extractors.rows``), hence which observation
  column it feeds;
- ``rule_labels``: the spaCy rule labels its prose extractor reads (``extractors/rules/*.jsonl``).

Adding a kind is one spec here, one extractor module and one rules file.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from extractors.units import parse_duration, parse_number, scale_factor

# Words in a FLOPs unit that name the operation rather than scale it ("GFLOPs", "B mult-adds").
_OPERATION_WORDS = re.compile(
    r"(?i)\s*(flops?|flop/s|multiply[- ]?adds?|mult[- ]?adds?|madds?|macs?|operations|ops)\s*$"
)
# Words in a training-set unit that name what is counted ("1.28M images", "4.5B tokens").
_EXAMPLE_WORDS = re.compile(
    r"(?i)\s*(images?|examples?|samples?|sentences?|sentence pairs|pairs|tokens?|words?)\s*$"
)


@dataclass(frozen=True)
class Previous:
    """What a correction knows of the fact before it: results keep the paper's convention."""

    value: str | None = None
    error: float | None = None
    flops_kind: str | None = None


Derive = Callable[[str, str | None, Previous], float]


@dataclass(frozen=True)
class KindSpec:
    name: str
    value_field: str  # "error" | "normalized" | "count"
    unit: str  # what the value field is measured in
    derive: Derive
    gold_fields: tuple[str, ...]
    row_field: str
    rule_labels: tuple[str, ...] = ()
    description: str = ""
    # What a curator's corrected number may be, in the unit of the value field: from one of a
    # thing to well past the largest reported (about 2e12 parameters, 5e25 training FLOPs,
    # 100,000 accelerators, a year of training, 15e12 training tokens).
    plausible: tuple[float, float] = (0.0, math.inf)


def number(value: str) -> float:
    parsed = parse_number(value.rstrip("%").strip())
    if parsed is None:
        raise ValueError(f"cannot read {value!r} as a number")
    return parsed


def scaled(value: str, unit: str | None) -> float:
    """'25.6' 'M' -> 25.6e6; '1.5B' -> 1.5e9; a unit that is no scale word is an error."""
    count = number(value)
    if unit is None:
        return count
    factor = scale_factor(unit)
    if factor is None:
        raise ValueError(f"unknown unit {unit!r}: use a scale such as K, M, B, G or million")
    return count * factor


def _result_error(value: str, unit: str | None, previous: Previous) -> float:
    score = number(value)
    fraction = score if (unit != "%" and score <= 1.0) else score / 100
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"a score of {value} {unit or ''} is outside 0..100")
    return fraction if _printed_as_error(fraction, previous) else 1.0 - fraction


def _printed_as_error(fraction: float, previous: Previous) -> bool:
    """Did the paper print an error rate? Decided from the old value and error when the old
    value reads as a number, else from which reading of the new value is nearer the old error
    (a correction is small next to the gap between 25% error and 75% accuracy)."""
    if previous.error is None:
        return False
    old = parse_number(previous.value.rstrip("%").strip()) if previous.value else None
    printed = fraction if old is None else (old if old <= 1.0 else old / 100)
    return abs(previous.error - printed) < abs(previous.error - (1 - printed))


def _operations(value: str, unit: str | None, previous: Previous) -> float:
    ops = scaled(value, _OPERATION_WORDS.sub("", unit or "") or None)
    return ops * 2 if previous.flops_kind == "multiply_adds" else ops


def _duration(value: str, unit: str | None, previous: Previous) -> float:
    seconds = parse_duration(f"{value} {unit}" if unit else value)
    if seconds is None:
        raise ValueError(f"cannot read {value!r} {unit or ''} as a duration (e.g. 3.5 days)")
    return seconds


def _examples(value: str, unit: str | None, previous: Previous) -> float:
    return scaled(value, _EXAMPLE_WORDS.sub("", unit or "") or None)


KIND_SPECS: tuple[KindSpec, ...] = (
    KindSpec(
        "result",
        "error",
        "error rate in 0..1 (1 - score/100)",
        _result_error,
        ("results",),
        "score",
        description="a benchmark score of a model",
        plausible=(0.0, 1.0),
    ),
    KindSpec(
        "parameters",
        "normalized",
        "parameters (a count)",
        lambda value, unit, _previous: scaled(value, unit),
        ("parameters",),
        "parameters",
        ("PARAMETERS",),
        "the model's parameter count",
        plausible=(1.0, 1e15),
    ),
    KindSpec(
        "flops",
        "normalized",
        "FLOPs per forward pass (multiply-adds x 2)",
        _operations,
        ("flops",),
        "ops_forward_pass",
        ("FLOPS",),
        "operations per forward pass",
        plausible=(1.0, 1e30),
    ),
    KindSpec(
        "hardware",
        "count",
        "accelerators, in count_unit",
        lambda value, _unit, _previous: number(value),
        ("accelerator", "accelerator_count"),
        "hardware",
        ("HARDWARE", "WORKERS"),
        "accelerator type and count used for training",
        plausible=(1.0, 1e7),
    ),
    KindSpec(
        "training_time",
        "normalized",
        "seconds of wall-clock training",
        _duration,
        ("training_time",),
        "training_time_sec",
        ("DURATION",),
        "wall-clock training time",
        plausible=(1.0, 10 * 365 * 86400.0),
    ),
    KindSpec(
        "epochs",
        "normalized",
        "passes over the training set",
        lambda value, _unit, _previous: number(value),
        (),
        "epochs",
        ("EPOCHS",),
        "training epochs (steps x batch / set size when stated so)",
        plausible=(1e-3, 1e6),
    ),
    KindSpec(
        "training_set",
        "normalized",
        "training examples (images, sentence pairs, tokens)",
        _examples,
        (),
        "training_examples",
        ("EXAMPLES",),
        "size of the training set",
        plausible=(1.0, 1e16),
    ),
)
SPECS: dict[str, KindSpec] = {spec.name: spec for spec in KIND_SPECS}
KINDS: tuple[str, ...] = tuple(SPECS)
RULE_LABELS: tuple[str, ...] = tuple(label for spec in KIND_SPECS for label in spec.rule_labels)
COMPUTE_KINDS: tuple[str, ...] = tuple(k for k in KINDS if k != "result")


def spec(kind: str) -> KindSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}") from None


def value_of(fact: Any) -> Any:
    """The normalized number of a fact object or export-contract mapping, per its kind."""
    get = fact.get if isinstance(fact, dict) else lambda name: getattr(fact, name, None)
    kind = get("kind")
    return get(SPECS[kind].value_field) if kind in SPECS else None


def rule_confidence(fact: Any) -> float:
    """The rules' confidence of a fact object or mapping: ``details["rule_confidence"]`` when the
    learned model (:mod:`extractors.ranking`) rescored it, else its confidence."""
    get = fact.get if isinstance(fact, dict) else lambda name: getattr(fact, name, None)
    details = get("details") or {}
    return float(details.get("rule_confidence", get("confidence") or 0.0))


# A result's learned score before calibration (``details``; :func:`extractors.ranking.rescore`):
# isotonic calibration is flat over stretches and clipped beyond its knots, so several of a
# paper's candidates can share one calibrated confidence; the scores it maps still order them.
MODEL_SCORE = "model_score"


def preference(fact: Any) -> tuple[float, float, float]:
    """The one tie-break between facts competing for one identity or one row cell: the more
    confident, then the higher learned score before calibration (:data:`MODEL_SCORE`), then the
    larger (the full-scale setting is the headline one). Works on extracted facts, stored facts
    and export-contract mappings alike; callers pass candidates in a stable order (first seen,
    or by id) so equal keys keep the first."""
    get = fact.get if isinstance(fact, dict) else lambda name: getattr(fact, name, None)
    size = value_of(fact) if get("kind") != "result" else None
    score = (get("details") or {}).get(MODEL_SCORE)
    return float(get("confidence") or 0.0), float(score or 0.0), float(size or 0.0)


def rule_preference(fact: Any) -> tuple[float, float]:
    """:func:`preference` by the rules' confidence: what row cells, the store's identity
    tie-break and the fact cap choose by, so a learned score ranks facts for a curator without
    changing which facts and cells exist (choosing cells by it broke row linking)."""
    get = fact.get if isinstance(fact, dict) else lambda name: getattr(fact, name, None)
    size = value_of(fact) if get("kind") != "result" else None
    return rule_confidence(fact), float(size or 0.0)
