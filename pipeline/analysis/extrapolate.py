"""What would a target error cost? Invert a fit, with an interval, in FLOPs, dollars and CO2.

The compute a fit needs for a target error is where its fitted line crosses the target. Its 95%
interval is Fieller's: the set of compute values at which the fitted mean is statistically
indistinguishable from the target, using the full covariance of the coefficients (so the year
control, when present, is held at a chosen year). When the slope itself is not significantly
different from zero the set is unbounded and the interval is reported as open (None).

Conversion to money and emissions (Thompson et al. did the same, with their own factors) goes
through device-hours of a reference accelerator; every factor is a field of
:class:`ConversionFactors` with its source, overridable on the command line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from scipy import stats

from pipeline.analysis.forms import get_form
from pipeline.analysis.regress import INTERCEPT, SLOPE, YEAR, YEAR_ORIGIN

SECONDS_PER_HOUR = 3600.0
JOULES_PER_KWH = 3.6e6


@dataclass(frozen=True)
class ConversionFactors:
    """How a FLOP count becomes dollars and kilograms of CO2 (defaults: one V100 in the cloud)."""

    # AWS EC2 p3.2xlarge (one V100 SXM2 16 GB), on-demand, us-east-1: $3.06 per hour
    # (aws.amazon.com/ec2/instance-types/p3, price unchanged 2017-2023).
    usd_per_device_hour: float = 3.06
    # NVIDIA Tesla V100 SXM2 datasheet: 15.7 TFLOP/s FP32, Thompson et al.'s precision for GPUs,
    # so one hardware-burden FLOP is one peak-FLOP of this device.
    device_peak_flops: float = 15.7e12
    # NVIDIA Tesla V100 SXM2 datasheet: 300 W maximum power.
    device_watts: float = 300.0
    # Strubell, Ganesh & McCallum 2019, "Energy and Policy Considerations for Deep Learning in
    # NLP": data-centre power usage effectiveness 1.58 (Uptime Institute 2018 average).
    pue: float = 1.58
    # Strubell et al. 2019: 0.954 lb CO2e per kWh (U.S. EPA average), = 0.4327 kg/kWh.
    kg_co2_per_kwh: float = 0.4327
    # Share of peak actually achieved when counting operations (network operations) rather than
    # peak-FLOP time (hardware burden): Sevilla et al. 2022 (Epoch AI), 0.4 for non-LLM models.
    utilisation: float = 0.4

    def __post_init__(self) -> None:
        for f in fields(self):
            if not getattr(self, f.name) > 0:
                raise ValueError(f"conversion factor {f.name} must be positive")
        if self.utilisation > 1:
            raise ValueError("utilisation is a share of peak: at most 1")

    def device_seconds(self, measure: str, flops: float) -> float | None:
        """Seconds of one reference device a training budget of ``flops`` takes, if it is one.

        Hardware burden already counts peak FLOP/s x seconds; network operations are executed
        operations, so they take longer at realistic utilisation. Operations per forward pass are
        not a training budget and have no cost.
        """
        if measure == "hardware_burden":
            return flops / self.device_peak_flops
        if measure == "network_operations":
            return flops / (self.device_peak_flops * self.utilisation)
        return None

    def usd(self, measure: str, flops: float) -> float | None:
        seconds = self.device_seconds(measure, flops)
        return None if seconds is None else seconds / SECONDS_PER_HOUR * self.usd_per_device_hour

    def kg_co2(self, measure: str, flops: float) -> float | None:
        seconds = self.device_seconds(measure, flops)
        if seconds is None:
            return None
        kwh = seconds * self.device_watts * self.pue / JOULES_PER_KWH
        return kwh * self.kg_co2_per_kwh


@dataclass(frozen=True)
class Extrapolation:
    target_error: float
    log10_compute: float | None
    log10_compute_ci95: tuple[float | None, float | None]
    note: str = ""

    def compute(self) -> tuple[float | None, float | None, float | None]:
        """(lower, point, upper) in FLOPs; None where unbounded or beyond floating point."""
        lo, hi = self.log10_compute_ci95
        return _pow10(lo), _pow10(self.log10_compute), _pow10(hi)


def extrapolate(
    form: str,
    coefficients: dict[str, Any],
    target_error: float,
    *,
    log10_scale: float = 0.0,
    year: int | None = None,
) -> Extrapolation:
    """Invert a stored fit at ``target_error``; ``log10_scale`` undoes AlexNet normalisation."""
    if not 0 < target_error < 1:
        raise ValueError("target error must be between 0 and 1")
    names = coefficients["names"]
    params = np.array([coefficients["terms"][n]["estimate"] for n in names], dtype=float)
    cov = np.array(coefficients["cov"], dtype=float)
    base = np.zeros(len(names))
    base[names.index(INTERCEPT)] = 1.0
    if YEAR in names:
        if year is None:
            raise ValueError("this fit controls for the year: give the year to extrapolate at")
        base[names.index(YEAR)] = year - YEAR_ORIGIN
    slope_at = np.zeros(len(names))
    slope_at[names.index(SLOPE)] = 1.0
    g = float(get_form(form).transform(np.array(target_error)))
    offset, slope = float(base @ params), float(slope_at @ params)
    if slope == 0:
        return Extrapolation(target_error, None, (None, None), "the fit is flat")
    x = (g - offset) / slope
    t = float(stats.t.ppf(0.975, coefficients["df_resid"]))
    lo, hi = _fieller(
        g - offset,
        slope,
        float(base @ cov @ base),
        float(base @ cov @ slope_at),
        float(slope_at @ cov @ slope_at),
        t,
    )
    notes = []
    if _improves_with_compute(form, slope) is False:
        notes.append("error does not fall as compute grows in this fit")
    if lo is None:
        notes.append("slope not significant at 95%: the interval is unbounded")
    note = "; ".join(notes)
    shift = log10_scale
    return Extrapolation(
        target_error,
        x + shift,
        (None if lo is None else lo + shift, None if hi is None else hi + shift),
        note,
    )


def _fieller(
    d: float, b: float, var_u: float, cov_ub: float, var_b: float, t: float
) -> tuple[float | None, float | None]:
    """Roots of (d - b x)^2 = t^2 Var(u + b x): the x where the mean line meets the target."""
    a = b * b - t * t * var_b
    if a <= 0:
        return None, None
    half_b = d * b + t * t * cov_ub
    c = d * d - t * t * var_u
    disc = half_b * half_b - a * c
    if disc < 0:
        return None, None
    root = math.sqrt(disc)
    return (half_b - root) / a, (half_b + root) / a


def _improves_with_compute(form: str, slope: float) -> bool | None:
    """Whether the fit says error falls as compute grows (None when the form cannot say)."""
    if form in ("poly", "lin"):
        return slope < 0
    if form in ("exp", "logscore"):
        return slope > 0
    return None


def _pow10(value: float | None) -> float | None:
    if value is None or value > 300:
        return None
    return 10.0**value
