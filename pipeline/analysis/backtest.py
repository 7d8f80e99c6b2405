"""Backtests: would a fit made before year Y have predicted the state of the art after it?

For each cutoff year, the spec is fit on the points published before it and scored on the later
frontier points (those that set a new best error when they appeared). Scores are in log10(error)
space, whatever the form: the mean absolute error and the mean signed error (positive = the
fit was pessimistic, predicting higher error than achieved), plus how often the truth fell in
the fit's 95% prediction interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from pipeline.analysis.forms import Array, get_form
from pipeline.analysis.measures import Conversion
from pipeline.analysis.points import Point
from pipeline.analysis.regress import Regression
from pipeline.analysis.spec import FitSpec, Skip, estimate, prepare


@dataclass(frozen=True)
class BacktestResult:
    benchmark: str
    metric: str | None
    measure: str
    form: str
    cutoff: int
    n_train: int
    n_test: int
    slope: float
    mae_log10_error: float | None  # None when no prediction was a valid error rate
    bias_log10_error: float | None
    coverage95: float
    invalid_predictions: int  # predictions outside (0, 1), e.g. 1/error fits below zero


def backtest(
    points: Sequence[Point],
    spec: FitSpec,
    cutoffs: Iterable[int] | None = None,
    conversion: Conversion | None = None,
) -> list[BacktestResult]:
    """Score ``spec`` (an OLS spec) at each cutoff year; cutoffs without data are left out."""
    if spec.estimator != "ols":
        raise ValueError("backtests score plain OLS fits (year controls need a future year)")
    test_spec = replace(spec, frontier=True)
    try:
        everything = prepare(points, test_spec, conversion)
    except Skip:
        return []
    by_id = {p.id: p for p in points}
    years = sorted({by_id[i].year for i in everything.ids if by_id[i].year is not None})
    results = []
    for cutoff in sorted(set(cutoffs)) if cutoffs is not None else years[1:]:
        before = [p for p in points if p.year is not None and p.year < cutoff]
        try:
            train = prepare(before, spec, conversion)
        except Skip:
            continue
        later = [k for k, i in enumerate(everything.ids) if by_id[i].year >= cutoff]
        if not later:
            continue
        regression = estimate(train, spec)
        results.append(
            _score(spec, cutoff, train.n, regression, everything.x[later], everything.y[later])
        )
    return results


def _score(
    spec: FitSpec, cutoff: int, n_train: int, regression: Regression, x: Array, y: Array
) -> BacktestResult:
    form = get_form(spec.form)
    a, b = regression.intercept, regression.slope
    predicted = a + b * x
    cov = np.array(regression.cov)
    mean_var = cov[0, 0] + 2 * x * cov[0, 1] + x * x * cov[1, 1]
    half = stats.t.ppf(0.975, regression.df_resid) * np.sqrt(regression.resid_scale**2 + mean_var)
    covered = float(np.mean(np.abs(y - predicted) <= half))
    with np.errstate(all="ignore"):
        err_pred, err_true = form.inverse(predicted), form.inverse(y)
    valid = (err_pred > 0) & (err_pred < 1)
    diffs = np.log10(err_pred[valid]) - np.log10(err_true[valid])
    return BacktestResult(
        benchmark=spec.benchmark,
        metric=spec.metric,
        measure=spec.measure,
        form=spec.form,
        cutoff=cutoff,
        n_train=n_train,
        n_test=len(x),
        slope=b,
        mae_log10_error=_mean(np.abs(diffs)),
        bias_log10_error=_mean(diffs),
        coverage95=covered,
        invalid_predictions=int((~valid).sum()),
    )


def _mean(values: Array) -> float | None:
    return float(values.mean()) if len(values) and math.isfinite(values.mean()) else None
