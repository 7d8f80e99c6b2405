"""The analysis stage's pure math: forms, frontier, specs, regressions, extrapolation, backtests.

No database here: points are plain objects, so every rule is checked on data whose answer is
known by construction.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pipeline.analysis.backtest import backtest
from pipeline.analysis.drift import slope_drift
from pipeline.analysis.extrapolate import ConversionFactors, extrapolate
from pipeline.analysis.forms import FORMS
from pipeline.analysis.measures import Conversion, consolidated_hardware_burden, fit_conversion
from pipeline.analysis.points import Point, frontier
from pipeline.analysis.regress import fit_ols, fit_quantile
from pipeline.analysis.spec import FitSpec, Skip, estimate, grid, prepare


def power_law(
    n: int = 40, slope: float = -0.1, intercept: float = 1.0, noise: float = 0.02, seed: int = 1
) -> list[Point]:
    """ImageNet-like points on log10(error) = intercept + slope * log10(C), years 2012-2021."""
    rng = np.random.default_rng(seed)
    log_c = np.linspace(17, 23, n)
    points = []
    for i, x in enumerate(log_c):
        error = 10 ** (intercept + slope * x + rng.normal(0, noise))
        points.append(
            Point(
                id=i + 1,
                benchmark="imagenet",
                error=float(error),
                model="AlexNet" if i == 0 else f"model-{i}",
                metric="top1",
                published=date(2012 + i * 10 // n, 1, 1),
                network_operations=float(10**x),
                hardware_burden=float(10 ** (x + 0.5)) if i % 2 else None,
            )
        )
    return points


@pytest.mark.parametrize("name", sorted(FORMS))
def test_every_form_inverts(name: str) -> None:
    errors = np.array([0.03, 0.1, 0.25, 0.6])
    form = FORMS[name]
    assert form.inverse(form.transform(errors)) == pytest.approx(errors)


def test_frontier_keeps_only_new_bests_and_lets_same_date_points_compete() -> None:
    def p(i: int, year: int, error: float) -> Point:
        return Point(id=i, benchmark="imagenet", error=error, published=date(year, 1, 1))

    pts = [p(1, 2012, 0.4), p(2, 2013, 0.45), p(3, 2013, 0.3), p(4, 2014, 0.35), p(5, 2015, 0.2)]
    pts.append(Point(id=6, benchmark="imagenet", error=0.01, published=None))
    assert [q.id for q in frontier(pts)] == [1, 3, 5]


def test_ols_recovers_a_known_line_and_reports_its_uncertainty() -> None:
    x = np.linspace(0, 10, 30)
    y = 2.0 - 0.5 * x
    reg = fit_ols(x, y + np.random.default_rng(0).normal(0, 0.01, 30))
    assert reg.slope == pytest.approx(-0.5, abs=1e-2)
    assert reg.intercept == pytest.approx(2.0, abs=2e-2)
    lo, hi = reg.slope_interval
    assert lo < -0.5 < hi and reg.r_squared > 0.99 and reg.n == 30
    coefficients = reg.coefficients()
    assert set(coefficients["terms"]) == {"intercept", "log10_compute"}
    assert np.array(coefficients["cov"]).shape == (2, 2)


def test_quantile_regression_follows_the_lower_edge() -> None:
    rng = np.random.default_rng(3)
    x = np.linspace(0, 10, 400)
    y = 1.0 - 0.2 * x + rng.exponential(0.5, 400)  # noise only upwards
    low, mid = fit_quantile(x, y, 0.1), fit_ols(x, y)
    assert low.slope == pytest.approx(-0.2, abs=0.03)
    assert low.intercept < mid.intercept
    assert low.quantile == 0.1


def test_variant_names() -> None:
    base = {"benchmark": "imagenet", "measure": "network_operations", "form": "poly"}
    assert FitSpec(**base).variant == "ols"
    assert FitSpec(**base, estimator="year").variant == "year"
    assert FitSpec(**base, frontier=True).variant == "frontier"
    assert FitSpec(**base, alexnet=True, estimator="quantile10").variant == "alexnet_quantile10"
    hw = {**base, "measure": "hardware_burden"}
    assert FitSpec(**hw, consolidated=True).variant == "consolidated"
    with pytest.raises(ValueError):
        FitSpec(**base, consolidated=True)
    with pytest.raises(ValueError):
        FitSpec(**{**base, "form": "cubic"})
    variants = {s.variant for s in grid("imagenet", "top1")}
    assert {"ols", "year", "quantile10", "frontier", "alexnet", "consolidated"} <= variants
    assert not any("alexnet" in s.variant for s in grid("coco", "box_ap"))


def test_prepare_skips_with_a_reason_and_records_what_it_dropped() -> None:
    pts = power_law(n=10)
    with pytest.raises(Skip, match="N=0"):
        prepare(pts, FitSpec("imagenet", "ops_forward_pass", "poly"))
    data = prepare(pts, FitSpec("imagenet", "hardware_burden", "poly"))
    assert data.n == 5 and data.filter["dropped"]["no_compute"] == 5
    assert data.ids == [p.id for p in pts if p.hardware_burden]
    with pytest.raises(Skip, match="reference model"):
        prepare(pts, FitSpec("imagenet", "hardware_burden", "poly", alexnet=True))


def test_collinear_regressors_are_skipped() -> None:
    same = [Point(**{**p.__dict__, "network_operations": 1e20}) for p in power_law(n=6)]
    with pytest.raises(Skip, match="collinear"):
        prepare(same, FitSpec("imagenet", "network_operations", "poly"))


def test_alexnet_normalisation_moves_the_intercept_not_the_slope() -> None:
    pts = power_law()
    plain = FitSpec("imagenet", "network_operations", "poly")
    normed = FitSpec("imagenet", "network_operations", "poly", alexnet=True)
    a, b = estimate(prepare(pts, plain), plain), estimate(prepare(pts, normed), normed)
    assert a.slope == pytest.approx(b.slope)
    shift = np.log10(pts[0].network_operations)
    assert b.intercept == pytest.approx(a.intercept + a.slope * shift)


def test_consolidated_burden_fills_gaps_from_network_operations() -> None:
    pts = power_law()
    conversion = fit_conversion(pts)
    assert conversion is not None
    assert conversion.slope == pytest.approx(1.0) and conversion.intercept == pytest.approx(0.5)
    missing = next(p for p in pts if p.hardware_burden is None)
    filled = consolidated_hardware_burden(missing, conversion)
    assert filled == pytest.approx(missing.network_operations * 10**0.5)
    spec = FitSpec("imagenet", "hardware_burden", "poly", consolidated=True)
    assert prepare(pts, spec, conversion).n == len(pts)
    with pytest.raises(Skip):
        prepare(pts, spec, None)
    assert Conversion(1.0, 1.0).predict(100.0) == pytest.approx(1000.0)


def test_year_control_recovers_a_time_trend() -> None:
    pts = power_law(noise=0.0)
    shifted = [
        Point(**{**p.__dict__, "error": p.error * 10 ** (-0.02 * (p.year - 2012))}) for p in pts
    ]
    spec = FitSpec("imagenet", "network_operations", "poly", "year")
    reg = estimate(prepare(shifted, spec), spec)
    assert reg.param("year_minus_2012") == pytest.approx(-0.02, abs=1e-9)
    assert reg.slope == pytest.approx(-0.1, abs=1e-9)


def test_extrapolation_inverts_the_fit_with_an_interval_around_it() -> None:
    pts = power_law()
    spec = FitSpec("imagenet", "network_operations", "poly")
    reg = estimate(prepare(pts, spec), spec)
    result = extrapolate("poly", reg.coefficients(), 0.05)
    expected = (np.log10(0.05) - reg.intercept) / reg.slope
    assert result.log10_compute == pytest.approx(expected)
    lo, hi = result.log10_compute_ci95
    assert lo < expected < hi
    # the AlexNet scale shifts the answer back into FLOPs
    shifted = extrapolate("poly", reg.coefficients(), 0.05, log10_scale=2.0)
    assert shifted.log10_compute == pytest.approx(expected + 2.0)
    with pytest.raises(ValueError):
        extrapolate("poly", reg.coefficients(), 1.5)


def test_extrapolation_interval_is_open_when_the_slope_is_not_significant() -> None:
    rng = np.random.default_rng(5)
    x = np.linspace(17, 23, 8)
    reg = fit_ols(x, np.log10(0.2) + rng.normal(0, 0.3, 8))
    result = extrapolate("poly", reg.coefficients(), 0.05)
    assert result.log10_compute_ci95 == (None, None)
    assert "not significant" in result.note


def test_year_controlled_extrapolation_needs_a_year() -> None:
    spec = FitSpec("imagenet", "network_operations", "poly", "year")
    reg = estimate(prepare(power_law(), spec), spec)
    with pytest.raises(ValueError, match="year"):
        extrapolate("poly", reg.coefficients(), 0.05)
    later = extrapolate("poly", reg.coefficients(), 0.05, year=2030).log10_compute
    assert later is not None


def test_conversion_factors_follow_their_definitions() -> None:
    f = ConversionFactors()
    one_hour = f.device_peak_flops * 3600
    assert f.usd("hardware_burden", one_hour) == pytest.approx(f.usd_per_device_hour)
    assert f.usd("network_operations", one_hour) == pytest.approx(
        f.usd_per_device_hour / f.utilisation
    )
    kwh = f.device_watts * f.pue / 1000
    assert f.kg_co2("hardware_burden", one_hour) == pytest.approx(kwh * f.kg_co2_per_kwh)
    assert f.usd("ops_forward_pass", one_hour) is None
    with pytest.raises(ValueError):
        ConversionFactors(utilisation=1.5)
    with pytest.raises(ValueError):
        ConversionFactors(pue=0)


def test_backtest_scores_later_frontier_points() -> None:
    pts = power_law(n=60, noise=0.0)  # error falls with compute and time
    spec = FitSpec("imagenet", "network_operations", "poly")
    results = backtest(pts, spec, cutoffs=[2016, 2019])
    assert [r.cutoff for r in results] == [2016, 2019]
    for r in results:
        assert r.mae_log10_error == pytest.approx(0.0, abs=1e-9)
        assert r.n_train == sum(p.year < r.cutoff for p in pts)
        # dates are years, so each later year's best point is the frontier point of that year
        assert r.n_test == len({p.year for p in pts if p.year >= r.cutoff})
    biased = [
        Point(**{**p.__dict__, "error": p.error * (1.05 if p.year >= 2019 else 1)}) for p in pts
    ]
    late = backtest(biased, spec, cutoffs=[2019])[0]
    assert late.bias_log10_error == pytest.approx(-np.log10(1.05), abs=1e-6)  # optimistic
    with pytest.raises(ValueError):
        backtest(pts, FitSpec("imagenet", "network_operations", "poly", "year"))


def test_drift_is_flagged_only_outside_the_new_interval() -> None:
    assert slope_drift("imagenet", -0.08, -0.09, (-0.1, -0.07)) is None
    # finding 4: a quantile fit on few points has no interval; that is not drift
    assert slope_drift("imagenet", -0.1838, -0.1838, (float("nan"), float("nan"))) is None
    assert slope_drift("imagenet", -0.1838, -0.1838, (None, None)) is None
    flag = slope_drift("imagenet", -0.05, -0.09, (-0.1, -0.07), "fit #3")
    assert flag is not None and "-0.0500" in flag and "fit #3" in flag
