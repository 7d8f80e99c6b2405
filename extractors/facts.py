"""What an extractor produces: one number a paper states, with the evidence a curator needs.

The vocabularies below are the export contract (README, "Export contract"); the store and the
exporters rely on them, so an extractor that emits anything else fails loudly at construction.
Benchmarks, metrics and count units come from the vocabulary data (:mod:`extractors.vocabulary`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from extractors.kinds import KINDS
from extractors.parse.document import BBox
from extractors.vocabulary import vocabulary

BENCHMARKS = tuple(vocabulary().benchmarks)
FLOPS_KINDS = ("flops", "multiply_adds")
# Short fields have bounded columns in the store (PostgreSQL enforces them; SQLite does not).
MAX_LENGTHS = {"unit": 32, "accelerator": 32, "rule": 128, "extractor": 64, "extractor_version": 16}


@dataclass
class ExtractedFact:
    """One candidate number; ``kind`` is one of :data:`extractors.kinds.KINDS`."""

    kind: str
    value: str  # as printed in the paper
    page: int
    evidence: str
    confidence: float
    extractor: str
    extractor_version: str
    benchmark: str | None = None
    metric: str | None = None
    model: str | None = None
    unit: str | None = None
    error: float | None = None  # results: error rate in 0..1
    normalized: float | None = None  # parameters: count; flops: FLOPs/pass; training_time: s
    flops_kind: str | None = None
    accelerator: str | None = None
    count: float | None = None
    count_unit: str | None = None
    rule: str | None = None  # which pattern or heuristic fired, so a wrong fact points at it
    bbox: BBox | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check(self.kind, KINDS, "kind")
        vocab = vocabulary()  # read live, so a vocabulary loaded in a test is the contract
        _check(self.benchmark, tuple(vocab.benchmarks), "benchmark")
        _check(self.metric, tuple(vocab.metrics), "metric")
        _check(self.flops_kind, FLOPS_KINDS, "flops_kind")
        _check(self.count_unit, vocab.accelerators.count_units, "count_unit")
        for name, limit in MAX_LENGTHS.items():
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                raise ValueError(f"{name} is longer than {limit} characters: {value[:60]!r}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in 0..1, got {self.confidence}")
        if self.page < 1:
            raise ValueError(f"page is 1-based, got {self.page}")

    def identity(self, arxiv_id: str, version: int) -> str:
        """The stable key a re-extraction uses to find this fact again (see ``db.models.Fact``)."""
        parts = [
            arxiv_id,
            str(version),
            self.kind,
            self.benchmark or "",
            self.metric or "",
            normalize_model_name(self.model),
            str(self.page),
            self.accelerator or "",
        ]
        if phase := self.details.get("phase"):
            parts.append(
                phase
            )  # "train for 300 epochs" and "pre-train for 90 epochs" are two facts
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def normalize_model_name(name: str | None) -> str:
    """Case- and spacing-insensitive model key, used for identity and for linking facts."""
    if not name:
        return ""
    return " ".join(name.lower().replace("-", " ").replace("_", " ").split())


def _check(value: str | None, allowed: tuple[str, ...], what: str) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
