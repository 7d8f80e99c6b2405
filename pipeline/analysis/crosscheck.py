"""Cross-checks: the same paper's compute as two sources record it (e.g. Epoch vs FutureTech).

Epoch's database carries no error rates, so it never enters a fit; what it is good for is an
independent count of parameters and training compute. Observations are paired when they share
benchmark, arXiv id and model name (compared after dropping parenthesised qualifiers such as
"ResNet-152 (ImageNet)"); a paper's single row is not assumed to be the same model, because
sources often pick different models of one paper.
Disagreement is reported as log10(ratio): 0 is agreement, 0.3 a factor of two (the size of
the multiply-add vs FLOP confusion), 0.48 a factor of three (forward vs forward+backward).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Observation
from extractors.facts import normalize_model_name

COMPARED = ("parameters", "ops_forward_pass", "network_operations")


@dataclass(frozen=True)
class Comparison:
    benchmark: str
    arxiv_id: str
    measure: str
    model: str | None
    reference_model: str | None
    value: float
    reference: float

    @property
    def log10_ratio(self) -> float:
        return math.log10(self.value / self.reference)

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "arxiv_id": self.arxiv_id,
            "measure": self.measure,
            "model": self.model,
            "reference_model": self.reference_model,
            "value": self.value,
            "reference": self.reference,
            "log10_ratio": self.log10_ratio,
        }


def _base_name(model: str | None) -> str:
    return normalize_model_name(re.sub(r"\([^)]*\)", " ", model or ""))


def pair(
    rows: Sequence[Observation], references: Sequence[Observation]
) -> list[tuple[Observation, Observation]]:
    """Rows matched to reference rows of the same paper and benchmark (ambiguous ones left out)."""
    by_paper: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for ref in references:
        if ref.arxiv_id:
            by_paper[(ref.benchmark, ref.arxiv_id)].append(ref)
    pairs = []
    for row in rows:
        name = _base_name(row.model)
        candidates = [
            c
            for c in by_paper.get((row.benchmark, row.arxiv_id or ""), [])
            if _base_name(c.model) == name
        ]
        if len(candidates) == 1:
            pairs.append((row, candidates[0]))
    return pairs


def compare(
    session: Session, source: str, reference: str, benchmark: str | None = None
) -> list[Comparison]:
    """Every measure both sides of a pair record, one comparison each."""

    def load(name: str) -> list[Observation]:
        stmt = select(Observation).where(Observation.source == name)
        if benchmark is not None:
            stmt = stmt.where(Observation.benchmark == benchmark)
        return list(session.scalars(stmt.order_by(Observation.id)))

    results = []
    for row, ref in pair(load(source), load(reference)):
        for measure in COMPARED:
            value, expected = getattr(row, measure), getattr(ref, measure)
            if value and expected and value > 0 and expected > 0:
                results.append(
                    Comparison(
                        row.benchmark,
                        row.arxiv_id or "",
                        measure,
                        row.model,
                        ref.model,
                        value,
                        expected,
                    )
                )
    return results
