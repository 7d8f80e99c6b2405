"""Drift: does a new fit disagree with the previous fit of the same kind beyond its uncertainty?

A change is flagged when the new fit's 95% interval for the slope excludes the previous slope.
That is a deliberately one-sided, cheap test: it asks "would the new data have let us believe
the old number?", which is what a reader of last night's report wants to know. It compares like
with like (the previous fit of the same kind and source), and says nothing when the new fit has
no interval: statsmodels gives quantile regressions on few points a NaN interval, and "NaN
excludes the old slope" is not news.
"""

from __future__ import annotations

import math


def slope_drift(
    label: str,
    previous_slope: float,
    new_slope: float,
    new_interval: tuple[float | None, float | None],
    previous_when: str = "",
) -> str | None:
    """A one-line drift message, or None when the previous slope lies inside the new interval."""
    lo, hi = new_interval
    if not all(v is not None and math.isfinite(v) for v in (lo, hi, previous_slope, new_slope)):
        return None
    if lo <= previous_slope <= hi:
        return None
    when = f" ({previous_when})" if previous_when else ""
    return (
        f"{label}: slope {new_slope:.4f} [95% CI {lo:.4f}, {hi:.4f}] excludes the previous "
        f"slope {previous_slope:.4f}{when}"
    )
