"""Figures like the paper's: error against compute on log-log axes, fitted lines, targets.

Drawn with matplotlib's object API on a bare ``Figure`` (the Agg canvas, no pyplot state), so
plotting works headless, in threads and in tests. The writer picks PNG or SVG from the suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from pipeline.analysis.forms import get_form
from pipeline.analysis.points import Point, frontier, usable

FORMATS = (".png", ".svg")
MEASURE_LABELS = {
    "ops_forward_pass": "operations per forward pass (FLOPs)",
    "network_operations": "network operations (FLOPs)",
    "hardware_burden": "hardware burden (FLOPs)",
}
LINE_STYLES = {"poly": "-", "exp": "--", "lin": ":", "logscore": "-."}


@dataclass(frozen=True)
class FitLine:
    """What a plot needs of a stored fit."""

    form: str
    slope: float
    intercept: float
    r_squared: float | None
    n: int
    log10_scale: float = 0.0  # log10 of the normalising compute (AlexNet), else 0
    label: str = ""


def draw(
    points: Sequence[Point],
    measure: str,
    lines: Sequence[FitLine],
    *,
    title: str,
    target_error: float | None = None,
    target_compute: Sequence[float] = (),
) -> Figure:
    """Scatter of the points that have ``measure``, the frontier ringed, one curve per fit."""
    drawn = [p for p in points if usable(p, measure)]
    fig = Figure(figsize=(8, 5.5), layout="constrained")
    ax = fig.add_subplot()
    if drawn:
        compute = np.array([p.measure(measure) for p in drawn], dtype=float)
        error = np.array([p.error for p in drawn])
        ax.scatter(compute, error, s=18, color="0.25", alpha=0.8, label=f"models (N={len(drawn)})")
        best = frontier(drawn)
        ax.scatter(
            [p.measure(measure) for p in best],
            [p.error for p in best],
            s=60,
            facecolors="none",
            edgecolors="tab:red",
            label="frontier (new best at its date)",
        )
        lo, hi = np.log10(compute.min()), np.log10(compute.max())
    else:
        lo, hi = 15.0, 25.0
    if target_compute:
        hi = max(hi, *np.log10(target_compute))
    grid = np.linspace(lo - 0.3, hi + 0.3, 200)
    for line in lines:
        with np.errstate(all="ignore"):
            curve = get_form(line.form).inverse(
                line.intercept + line.slope * (grid - line.log10_scale)
            )
        ok = (curve > 0) & (curve < 1)
        r2 = f", R²={line.r_squared:.2f}" if line.r_squared is not None else ""
        ax.plot(
            10 ** grid[ok],
            curve[ok],
            LINE_STYLES.get(line.form, "-"),
            label=line.label or f"{line.form}: slope {line.slope:.4f}{r2}, N={line.n}",
        )
    if target_error is not None:
        ax.axhline(target_error, color="tab:green", lw=1, label=f"target error {target_error:g}")
        for flops in target_compute:
            ax.axvline(flops, color="tab:green", lw=1, ls=":")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(MEASURE_LABELS.get(measure, measure))
    ax.set_ylabel("error")
    ax.set_title(title)
    ax.grid(True, which="major", ls="--", alpha=0.4)
    ax.legend(fontsize=8, loc="best")
    return fig


def save(fig: Figure, path: Path) -> Path:
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"plot files are {' or '.join(FORMATS)}; got {path.name!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150)
    return path
