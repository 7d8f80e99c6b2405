"""The answer first: per benchmark, the latest headline fit, from every source, read aloud.

The headline is the fit every one of Thompson et al.'s six notebooks prints: the polynomial form
``log10(error) ~ log10(hardware burden)``, plain OLS on all rows (ImageNet: slope -0.0933,
R² 0.766, N 36). It rests on the source :func:`~pipeline.analysis.sources.default_source` picks
for the benchmark; the same kind of fit from every other source sits beside it, so a reader sees
at once whether the extracted data and the authors' data agree.

For ``log10(error) = a + b log10(C)``, halving the error multiplies the compute by
``10^(log10(1/2) / b) = 2^(-1/b)``: the reading printed with every headline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Observation, TrendFit
from pipeline.analysis.queries import fit_key, latest_fits, primary_metric
from pipeline.analysis.sources import SourceChoice, benchmarks_with_data, default_source
from pipeline.display import number

HEADLINE_MEASURE = "hardware_burden"
HEADLINE_FORM = "poly"
HEADLINE_VARIANT = "ols"
SMALL_N = 15  # fewer points than this: one paper more or less can move the slope a lot
WIDE_CI = 0.5  # a 95% half-width above half the slope's size: the slope is barely pinned down


@dataclass(frozen=True)
class SourceFit:
    """One source's headline fit, with what a reader needs to judge it."""

    source: str
    key: str
    fit_id: int
    metric: str | None
    slope: float
    slope_ci95: tuple[float | None, float | None]
    r_squared: float | None
    n: int
    years: tuple[int | None, int | None]
    fitted_at: str | None

    def halving_factor(self) -> float | None:
        return halving_factor(self.slope)

    def as_dict(self) -> dict[str, Any]:
        lo, hi = self.slope_ci95
        return {
            "observation_source": self.source,
            "key": self.key,
            "fit_id": self.fit_id,
            "metric": self.metric,
            "slope": self.slope,
            "slope_ci95": [lo, hi],
            "r_squared": self.r_squared,
            "n": self.n,
            "first_year": self.years[0],
            "last_year": self.years[1],
            "fitted_at": self.fitted_at,
            # JSON has no infinity: an unbounded factor (a slope within 0.001 of 0) is null
            "compute_per_halving": _bounded(self.halving_factor()),
            "compute_per_halving_ci95": [_bounded(f) for f in _factor_interval(lo, hi)],
        }


@dataclass
class BenchmarkSummary:
    benchmark: str
    choice: SourceChoice
    headline: SourceFit | None
    others: list[SourceFit] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def reading(self) -> str:
        return reading(self.headline)

    def as_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "measure": HEADLINE_MEASURE,
            "form": HEADLINE_FORM,
            "variant": HEADLINE_VARIANT,
            "observation_source": self.choice.source,
            "source_rule": self.choice.chosen_by,
            "headline": self.headline.as_dict() if self.headline else None,
            "other_sources": [o.as_dict() for o in self.others],
            "reading": self.reading,
            "warnings": self.warnings,
        }


def halving_factor(slope: float) -> float | None:
    """How many times more compute one halving of error takes under a poly fit (None if never)."""
    if not slope < 0:
        return None
    exponent = -1.0 / slope
    return 2.0**exponent if exponent < 1000 else math.inf


def _bounded(factor: float | None) -> float | None:
    return factor if factor is not None and math.isfinite(factor) else None


def _factor_interval(lo: float | None, hi: float | None) -> list[float | None]:
    """The factor at each end of the slope interval; None where the interval reaches zero."""
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return [None, None]
    if not lo < 0:
        return [None, None]
    return [halving_factor(lo), halving_factor(hi) if hi < 0 else None]  # steeper = cheaper


def reading(fit: SourceFit | None) -> str:
    """The headline in one plain sentence."""
    if fit is None:
        return "no headline fit yet"
    factor = fit.halving_factor()
    if factor is None:
        return f"error does not fall as compute grows in this fit (slope {fit.slope:+.3g})"
    low, high = _factor_interval(*fit.slope_ci95)
    interval = ""
    if low is not None:
        interval = f" (95% CI {_times(low)} to {_times(high) if high else 'unbounded'})"
    return (
        f"each halving of error costs about 2^(-1/slope) = {_times(factor)} more compute{interval}"
    )


def _times(factor: float) -> str:
    return "an unbounded factor" if math.isinf(factor) else f"{number(factor)}x"


def benchmark_summaries(
    session: Session, benchmark: str | None = None, source: str | None = None
) -> list[BenchmarkSummary]:
    """One summary per benchmark with data (or the one asked for)."""
    names = [benchmark] if benchmark else benchmarks_with_data(session)
    return [_summary(session, name, source) for name in names]


def _summary(session: Session, benchmark: str, source: str | None) -> BenchmarkSummary:
    choice = default_source(session, benchmark, source)
    fits = latest_fits(
        session,
        benchmark=benchmark,
        compute_measure=HEADLINE_MEASURE,
        form=HEADLINE_FORM,
        variant=HEADLINE_VARIANT,
    )
    by_source: dict[str, TrendFit] = {}
    primary = primary_metric(benchmark)
    for fit in sorted(fits, key=lambda f: (f.metric != primary, f.metric or "")):
        by_source.setdefault(fit.observation_source, fit)  # the primary metric's fit first
    entries = {name: _source_fit(session, fit) for name, fit in by_source.items()}
    headline = entries.pop(choice.source, None)
    summary = BenchmarkSummary(benchmark, choice, headline, sorted(entries.values(), key=_order))
    summary.warnings = _warnings(summary)
    return summary


def _order(fit: SourceFit) -> tuple[int, str]:
    return (-fit.n, fit.source)


def _source_fit(session: Session, fit: TrendFit) -> SourceFit:
    terms = (fit.coefficients or {}).get("terms", {})
    lo, hi = (terms.get("log10_compute", {}).get("ci95") or [None, None])[:2]
    ids = [i for i in fit.observation_ids or [] if i is not None]
    first = last = None
    if ids:
        first_date, last_date = session.execute(
            select(func.min(Observation.published), func.max(Observation.published)).where(
                Observation.id.in_(ids)
            )
        ).one()
        first = first_date.year if first_date else None
        last = last_date.year if last_date else None
    return SourceFit(
        source=fit.observation_source,
        key=fit_key(fit),
        fit_id=fit.id,
        metric=fit.metric,
        slope=fit.slope,
        slope_ci95=(lo, hi),
        r_squared=fit.r_squared,
        n=fit.n,
        years=(first, last),
        fitted_at=fit.fitted_at.isoformat() if fit.fitted_at else None,
    )


def _warnings(summary: BenchmarkSummary) -> list[str]:
    notes = []
    head = summary.headline
    if head is None:
        notes.append(
            f"no {HEADLINE_MEASURE} {HEADLINE_FORM} {HEADLINE_VARIANT} fit from "
            f"{summary.choice.source} (too few rows with hardware and training time, or "
            "`ctrends fit` not run since the data changed)"
        )
    for fit in ([head] if head else []) + summary.others:
        lo, hi = fit.slope_ci95
        if fit.n < SMALL_N:
            notes.append(f"{fit.source}: small N ({fit.n} < {SMALL_N}); read the slope loosely")
        if lo is None or hi is None:
            notes.append(f"{fit.source}: no 95% interval for the slope")
        elif lo <= 0 <= hi:
            notes.append(f"{fit.source}: the 95% CI [{lo:.3g}, {hi:.3g}] includes zero")
        elif (hi - lo) / 2 > WIDE_CI * abs(fit.slope):
            notes.append(f"{fit.source}: wide 95% CI [{lo:.3g}, {hi:.3g}]")
    if head is not None and head.slope_ci95[0] is not None and head.slope_ci95[1] is not None:
        lo, hi = head.slope_ci95
        for other in summary.others:
            if not lo <= other.slope <= hi:
                notes.append(
                    f"{other.source} slope {other.slope:.3g} lies outside {head.source}'s "
                    f"95% CI [{lo:.3g}, {hi:.3g}]: the sources disagree"
                )
    return notes
