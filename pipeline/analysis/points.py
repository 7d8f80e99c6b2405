"""The plain data a regression sees: one point per observation, detached from the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

MEASURES = ("ops_forward_pass", "network_operations", "hardware_burden")


@dataclass(frozen=True)
class Point:
    id: int | None
    benchmark: str
    error: float
    model: str | None = None
    metric: str | None = None
    published: date | None = None
    ops_forward_pass: float | None = None
    network_operations: float | None = None
    hardware_burden: float | None = None

    @property
    def year(self) -> int | None:
        return self.published.year if self.published else None

    def measure(self, name: str) -> float | None:
        if name not in MEASURES:
            raise ValueError(f"unknown compute measure {name!r}; expected one of {MEASURES}")
        return getattr(self, name)


def usable(point: Point, measure: str) -> bool:
    """Whether a point can be drawn on log-log axes of error against ``measure``."""
    compute = point.measure(measure)
    return compute is not None and compute > 0 and 0 < point.error < 1


def frontier(points: Iterable[Point]) -> list[Point]:
    """Points that set a new best (lowest) error at their date: the state of the art over time.

    Points without a date cannot be placed on the timeline and are left out. Points sharing a
    date compete with each other, so with year-precision dates only the year's best qualifies,
    and only if it beats every earlier year.
    """
    dated = sorted((p for p in points if p.published), key=lambda p: (p.published, p.error))
    best = float("inf")
    chosen = []
    for point in dated:
        if point.error < best:
            chosen.append(point)
            best = point.error
    return chosen
