"""Compute measures the notebooks derive from the stored ones.

* AlexNet-normalised compute: each model's compute divided by AlexNet's on the same benchmark
  (ImageNet notebook, "Normalizing to Alexnet"). In the poly and exp forms this shifts the
  intercept and leaves the slope alone; it makes the intercept read "error at AlexNet's compute".
* Consolidated hardware burden: the measured hardware burden where a paper gives hardware and
  training time, otherwise one predicted from network operations with the conversion regression
  ``log10(hardware_burden) ~ log10(network_operations)`` (ImageNet notebook, "Conversion
  Regression"; the COCO notebook reuses ImageNet's coefficients).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from extractors.facts import normalize_model_name
from extractors.vocabulary import vocabulary
from pipeline.analysis.points import Point
from pipeline.analysis.regress import fit_ols

# The model whose compute is 1x, per benchmark (``reference_model`` in the vocabulary). Thompson
# et al. normalise ImageNet to AlexNet (Krizhevsky et al. 2012), the first deep model on the
# leaderboard; other benchmarks have none.
REFERENCE_MODELS = {
    b.id: b.reference_model for b in vocabulary().benchmarks.values() if b.reference_model
}


@dataclass(frozen=True)
class Conversion:
    """``log10(hardware_burden) = intercept + slope * log10(network_operations)``."""

    intercept: float
    slope: float
    n: int | None = None
    r_squared: float | None = None

    def predict(self, network_operations: float) -> float:
        return 10 ** (self.intercept + self.slope * math.log10(network_operations))

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "intercept": self.intercept,
            "slope": self.slope,
            "n": self.n,
            "r_squared": self.r_squared,
        }


def fit_conversion(points: Iterable[Point]) -> Conversion | None:
    """Fit the conversion on points that have both measures; None with fewer than 3 of them."""
    pairs = [
        (p.network_operations, p.hardware_burden)
        for p in points
        if _positive(p.network_operations) and _positive(p.hardware_burden)
    ]
    if len(pairs) < 3:
        return None
    net, hw = (np.log10(np.array(col, dtype=float)) for col in zip(*pairs, strict=True))
    reg = fit_ols(net, hw)
    return Conversion(reg.intercept, reg.slope, reg.n, reg.r_squared)


def consolidated_hardware_burden(point: Point, conversion: Conversion) -> float | None:
    if _positive(point.hardware_burden):
        return point.hardware_burden
    if _positive(point.network_operations):
        return conversion.predict(point.network_operations)  # type: ignore[arg-type]
    return None


def reference_compute(points: Sequence[Point], benchmark: str, measure: str) -> float | None:
    """The reference model's compute on this benchmark, or None if it is absent or ambiguous."""
    reference = REFERENCE_MODELS.get(benchmark)
    if reference is None:
        return None
    key = normalize_model_name(reference)
    values = {
        p.measure(measure)
        for p in points
        if p.benchmark == benchmark and normalize_model_name(p.model) == key
    }
    values.discard(None)
    return values.pop() if len(values) == 1 else None


def _positive(value: float | None) -> bool:
    return value is not None and value > 0 and math.isfinite(value)
