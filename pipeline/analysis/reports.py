"""Answers built from stored fits and observations: the rows and figures the CLI and notebook show.

Every function takes a session and returns plain data (or a figure); nothing here prints.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from db.models import TrendFit
from pipeline.analysis.backtest import backtest
from pipeline.analysis.extrapolate import ConversionFactors, extrapolate
from pipeline.analysis.forms import DEFAULT_FORMS
from pipeline.analysis.measures import fit_conversion
from pipeline.analysis.plots import FitLine, draw
from pipeline.analysis.points import MEASURES, Point, usable
from pipeline.analysis.queries import latest_fits, observation_points
from pipeline.analysis.regress import YEAR, YEAR_ORIGIN
from pipeline.analysis.sources import benchmarks_with_data, default_source
from pipeline.analysis.spec import FitSpec
from pipeline.errors import UserError


def log10_scale(fit: TrendFit) -> float:
    normalised = (fit.filter or {}).get("normalised_by")
    return math.log10(normalised["compute"]) if normalised else 0.0


def extrapolation_rows(
    session: Session,
    *,
    benchmark: str,
    target_error: float,
    source: str | None = None,
    variant: str = "ols",
    measure: str | None = None,
    year: int | None = None,
    factors: ConversionFactors | None = None,
) -> list[dict[str, Any]]:
    """One row per latest fit of the benchmark: compute for the target, its interval, cost."""
    factors = factors or ConversionFactors()
    source = default_source(session, benchmark, source).source
    fits = latest_fits(
        session,
        benchmark=benchmark,
        observation_source=source,
        variant=variant,
        compute_measure=measure,
    )
    if not fits:
        what = f"{measure} " if measure else ""
        raise UserError(
            f"no {what}{variant} fits for {benchmark} from {source} (too few usable points, or "
            "`ctrends fit` not run since the data changed); `ctrends trends latest --benchmark "
            f"{benchmark} --source {source}` lists the fits there are"
        )
    rows = []
    for fit in fits:
        try:
            result = extrapolate(
                fit.form,
                fit.coefficients or {},
                target_error,
                log10_scale=log10_scale(fit),
                year=year,
            )
        except ValueError as exc:
            raise UserError(str(exc)) from None
        lo, mid, hi = result.compute()
        rows.append(
            {
                "benchmark": fit.benchmark,
                "metric": fit.metric,
                "compute_measure": fit.compute_measure,
                "form": fit.form,
                "variant": fit.variant,
                "observation_source": fit.observation_source,
                "target_error": target_error,
                "log10_flops": result.log10_compute,
                "log10_flops_ci95": list(result.log10_compute_ci95),
                "flops": mid,
                "flops_lo": lo,
                "flops_hi": hi,
                "usd": _convert(factors.usd, fit.compute_measure, mid),
                "usd_lo": _convert(factors.usd, fit.compute_measure, lo),
                "usd_hi": _convert(factors.usd, fit.compute_measure, hi),
                "kg_co2": _convert(factors.kg_co2, fit.compute_measure, mid),
                "kg_co2_lo": _convert(factors.kg_co2, fit.compute_measure, lo),
                "kg_co2_hi": _convert(factors.kg_co2, fit.compute_measure, hi),
                "fit_id": fit.id,
                "n": fit.n,
                "note": result.note,
                "factors": asdict(factors),
            }
        )
    return rows


def _convert(fn: Any, measure: str, flops: float | None) -> float | None:
    return None if flops is None else fn(measure, flops)


def benchmark_figure(
    session: Session,
    *,
    benchmark: str,
    measure: str,
    source: str | None = None,
    variant: str = "ols",
    target_error: float | None = None,
    year: int | None = None,
) -> Figure:
    """The paper's figure for one benchmark and measure: points, latest fits, optional target.

    A figure without a single point would be a blank picture that looks like an answer: it is a
    UserError instead.
    """
    source = default_source(session, benchmark, source).source
    points = observation_points(session, source, benchmark)
    if not any(usable(p, measure) for p in points):
        raise UserError(
            f"{benchmark}: none of the {len(points)} {source} observations has {measure} and an "
            "error rate to draw; try another --measure or --source (`ctrends trends` shows what "
            "each source has)"
        )
    fits = latest_fits(
        session,
        benchmark=benchmark,
        compute_measure=measure,
        observation_source=source,
        variant=variant,
    )
    lines = [line for f in fits if (line := _line(f, year)) is not None]
    targets = []
    if target_error is not None:
        for fit in fits:
            mid = extrapolate(
                fit.form,
                fit.coefficients or {},
                target_error,
                log10_scale=log10_scale(fit),
                year=year,
            ).compute()[1]
            if mid is not None:
                targets.append(mid)
    return draw(
        points,
        measure,
        lines,
        title=f"{benchmark}: error vs {measure} (source {source}, {variant})",
        target_error=target_error,
        target_compute=targets,
    )


def _line(fit: TrendFit, year: int | None) -> FitLine | None:
    """A fit as a curve; a year-controlled fit is drawn at ``year`` (and not without one)."""
    year_term = ((fit.coefficients or {}).get("terms") or {}).get(YEAR)
    intercept = fit.intercept
    if year_term is not None:
        if year is None:
            return None
        intercept += year_term["estimate"] * (year - YEAR_ORIGIN)
    return FitLine(fit.form, fit.slope, intercept, fit.r_squared, fit.n, log10_scale(fit))


def backtest_rows(
    session: Session,
    *,
    benchmark: str | None = None,
    source: str | None = None,
    measures: tuple[str, ...] = MEASURES,
    forms: tuple[str, ...] = DEFAULT_FORMS,
    cutoffs: list[int] | None = None,
) -> list[dict[str, Any]]:
    """Backtest every benchmark (or one) x measure x form, each on its source, per cutoff year."""
    rows = []
    for bench in [benchmark] if benchmark else benchmarks_with_data(session):
        source_name = default_source(session, bench, source).source
        points = observation_points(session, source_name, bench)
        if cutoffs:
            _check_cutoffs(bench, source_name, points, cutoffs)
        conversion = fit_conversion(observation_points(session, source_name))
        for metric in sorted({p.metric for p in points}, key=str):
            for measure in measures:
                for form in forms:
                    spec = FitSpec(bench, measure, form, metric=metric)
                    for result in backtest(points, spec, cutoffs, conversion):
                        rows.append({**asdict(result), "observation_source": source_name})
    return rows


def _check_cutoffs(benchmark: str, source: str, points: list[Point], cutoffs: list[int]) -> None:
    """A cutoff needs papers before it to fit on and after it to score: say so, never go empty."""
    years = sorted({p.year for p in points if p.year is not None})
    if not years:
        raise UserError(f"{benchmark}: the {source} observations have no dates to cut at")
    outside = [c for c in cutoffs if not years[0] < c <= years[-1]]
    if outside:
        raise UserError(
            f"{benchmark}: cutoff {', '.join(map(str, outside))} is outside {years[0] + 1}-"
            f"{years[-1]}, the years with {source} papers both before and from them"
        )
