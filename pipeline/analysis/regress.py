"""Least-squares and quantile regressions with statsmodels, reduced to what a stored fit keeps.

The authors used ``statsmodels.formula.api.ols`` and ``quantreg``; the array API below runs the
same estimators (same defaults: non-robust covariance for OLS; IRLS with the kernel-based
sandwich covariance for quantile regression) without building formula strings.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import statsmodels.api as sm

from pipeline.analysis.forms import Array

INTERCEPT = "intercept"
SLOPE = "log10_compute"
YEAR = "year_minus_2012"
YEAR_ORIGIN = 2012  # the notebooks' control: I(year - 2012)


@dataclass(frozen=True)
class Regression:
    """One fitted linear model: named coefficients, their uncertainty, and goodness of fit."""

    estimator: str  # "ols" | "quantile"
    names: tuple[str, ...]
    params: tuple[float, ...]
    bse: tuple[float, ...]
    pvalues: tuple[float, ...]
    conf_int: tuple[tuple[float, float], ...]
    cov: tuple[tuple[float, ...], ...]
    r_squared: float  # pseudo R^2 (Koenker-Machado) for quantile regressions
    n: int
    df_resid: float
    resid_scale: float  # residual standard deviation (OLS); 0 for quantile fits
    quantile: float | None = None
    notes: tuple[str, ...] = ()  # estimator warnings, e.g. an iteration limit reached

    def param(self, name: str) -> float:
        return self.params[self.names.index(name)]

    @property
    def slope(self) -> float:
        return self.param(SLOPE)

    @property
    def intercept(self) -> float:
        return self.param(INTERCEPT)

    @property
    def slope_interval(self) -> tuple[float, float]:
        return self.conf_int[self.names.index(SLOPE)]

    def coefficients(self) -> dict[str, Any]:
        """The JSON kept in ``TrendFit.coefficients``: enough to extrapolate with intervals."""
        terms = {
            name: {
                "estimate": _finite(self.params[i]),
                "std_err": _finite(self.bse[i]),
                "p_value": _finite(self.pvalues[i]),
                "ci95": [_finite(v) for v in self.conf_int[i]],
            }
            for i, name in enumerate(self.names)
        }
        return {
            "estimator": self.estimator,
            "quantile": self.quantile,
            "terms": terms,
            "names": list(self.names),
            "cov": [[_finite(v) for v in row] for row in self.cov],
            "df_resid": self.df_resid,
            "resid_scale": _finite(self.resid_scale),
            "notes": list(self.notes),
        }


def _finite(value: float) -> float | None:
    """JSON (and PostgreSQL's json type) has no NaN or infinity: undefined statistics are null."""
    return value if math.isfinite(value) else None


def design_matrix(x: Array, year: Array | None = None) -> tuple[Array, tuple[str, ...]]:
    columns = [np.ones_like(x), x]
    names = [INTERCEPT, SLOPE]
    if year is not None:
        columns.append(year - YEAR_ORIGIN)
        names.append(YEAR)
    return np.column_stack(columns), tuple(names)


def fit_ols(x: Array, y: Array, year: Array | None = None) -> Regression:
    exog, names = design_matrix(x, year)
    result = sm.OLS(y, exog).fit()
    return _reduce(result, "ols", names, float(result.rsquared), float(np.sqrt(result.scale)))


def fit_quantile(x: Array, y: Array, q: float, year: Array | None = None) -> Regression:
    """statsmodels' IRLS often stops at its iteration limit (the authors' fit did too); the
    warning is kept with the fit instead of being printed, so an auditor can see it."""
    exog, names = design_matrix(x, year)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = sm.QuantReg(y, exog).fit(q=q)
    notes = tuple(dict.fromkeys(str(w.message) for w in caught))
    return _reduce(result, "quantile", names, float(result.prsquared), 0.0, q, notes)


def _reduce(
    result: Any,
    estimator: str,
    names: tuple[str, ...],
    r_squared: float,
    resid_scale: float,
    quantile: float | None = None,
    notes: tuple[str, ...] = (),
) -> Regression:
    conf = np.asarray(result.conf_int(0.05))
    cov = np.asarray(result.cov_params())
    return Regression(
        estimator=estimator,
        names=names,
        params=tuple(float(v) for v in result.params),
        bse=tuple(float(v) for v in result.bse),
        pvalues=tuple(float(v) for v in result.pvalues),
        conf_int=tuple((float(lo), float(hi)) for lo, hi in conf),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
        r_squared=r_squared,
        n=int(result.nobs),
        df_resid=float(result.df_resid),
        resid_scale=resid_scale,
        quantile=quantile,
        notes=notes,
    )
