"""What one fit is (benchmark x metric x measure x form x variant) and how its data is built.

A variant name is the modifiers that change the data (``frontier``, ``alexnet``,
``consolidated``) followed by the estimator (``ols``, ``year``, ``quantile10``), with a bare
``ols`` left off when a modifier is present: ``ols``, ``year``, ``quantile10``, ``frontier``,
``alexnet``, ``alexnet_year``, ``alexnet_quantile10``, ``consolidated``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pipeline.analysis.forms import DEFAULT_FORMS, Array, get_form
from pipeline.analysis.measures import (
    REFERENCE_MODELS,
    Conversion,
    consolidated_hardware_burden,
    reference_compute,
)
from pipeline.analysis.points import MEASURES, Point, frontier
from pipeline.analysis.regress import Regression, design_matrix, fit_ols, fit_quantile

MIN_N = 3  # below this a line through the points says nothing
ESTIMATORS = ("ols", "year", "quantile10")
QUANTILE = 0.1  # the notebooks' robustness check: the 10% quantile regression


@dataclass(frozen=True)
class FitSpec:
    benchmark: str
    measure: str
    form: str
    estimator: str = "ols"
    metric: str | None = None
    alexnet: bool = False  # compute normalised to the benchmark's reference model
    consolidated: bool = False  # hardware burden, imputed from network operations if absent
    frontier: bool = False  # only points that set a new best error at their date

    def __post_init__(self) -> None:
        get_form(self.form)
        if self.measure not in MEASURES:
            raise ValueError(f"unknown compute measure {self.measure!r}")
        if self.estimator not in ESTIMATORS:
            raise ValueError(f"unknown estimator {self.estimator!r}; expected {ESTIMATORS}")
        if self.consolidated and self.measure != "hardware_burden":
            raise ValueError("only hardware burden can be consolidated")

    @property
    def variant(self) -> str:
        flags = (("frontier", self.frontier), ("alexnet", self.alexnet))
        modifiers = [name for name, on in (*flags, ("consolidated", self.consolidated)) if on]
        if modifiers and self.estimator == "ols":
            return "_".join(modifiers)
        return "_".join([*modifiers, self.estimator])


@dataclass
class FitData:
    """The arrays a regression runs on, the ids behind them, and the filter that chose them."""

    x: Array  # log10(compute)
    y: Array  # the form's transform of error
    year: Array | None
    ids: list[int | None]
    filter: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.ids)


class Skip(Exception):
    """Not enough (or not the right) data for this fit; the message says why."""


def prepare(
    points: Sequence[Point], spec: FitSpec, conversion: Conversion | None = None
) -> FitData:
    """Select and transform the points for ``spec``; raises :class:`Skip` when it cannot be fit."""
    form = get_form(spec.form)
    scope = [
        p
        for p in points
        if p.benchmark == spec.benchmark and (spec.metric is None or p.metric == spec.metric)
    ]
    filt: dict[str, Any] = {
        "benchmark": spec.benchmark,
        "metric": spec.metric,
        "measure": spec.measure,
        "form": spec.form,
        "dependent": form.formula,
        "estimator": spec.estimator,
        "frontier": spec.frontier,
        "min_n": MIN_N,
    }
    if spec.consolidated:
        if conversion is None:
            raise Skip("no conversion from network operations to hardware burden (N < 3)")
        filt["conversion"] = conversion.as_dict()
    scale = 1.0
    if spec.alexnet:
        ref = reference_compute(points, spec.benchmark, spec.measure)
        if ref is None or ref <= 0:
            model = REFERENCE_MODELS.get(spec.benchmark)
            raise Skip(f"no {spec.measure} for reference model {model!r} on {spec.benchmark}")
        scale = ref
        filt["normalised_by"] = {"model": REFERENCE_MODELS[spec.benchmark], "compute": ref}

    candidates: list[tuple[Point, float]] = []
    dropped = {"no_compute": 0, "no_year": 0, "out_of_domain": 0}
    for p in scope:
        compute = (
            consolidated_hardware_burden(p, conversion)  # type: ignore[arg-type]
            if spec.consolidated
            else p.measure(spec.measure)
        )
        if compute is None or not math.isfinite(compute) or compute <= 0:
            dropped["no_compute"] += 1
        elif spec.estimator == "year" and p.year is None:
            dropped["no_year"] += 1
        else:
            candidates.append((p, compute))
    with np.errstate(all="ignore"):  # errors outside the form's domain become nan/inf
        transformed = form.transform(np.array([p.error for p, _ in candidates], dtype=float))
    in_domain = np.isfinite(transformed)
    dropped["out_of_domain"] = int((~in_domain).sum())
    rows = [row for row, ok in zip(candidates, in_domain, strict=True) if ok]
    if spec.frontier:
        on_frontier = {id(p) for p in frontier(p for p, _ in rows)}
        dropped["not_frontier"] = len(rows) - len(on_frontier)
        rows = [(p, c) for p, c in rows if id(p) in on_frontier]
    filt["dropped"] = dropped
    needed = MIN_N + (1 if spec.estimator == "year" else 0)  # one more point per parameter
    if len(rows) < needed:
        raise Skip(f"N={len(rows)} < {needed} usable points")
    x = np.log10(np.array([c for _, c in rows]) / scale)
    y = form.transform(np.array([p.error for p, _ in rows], dtype=float))
    year = np.array([p.year for p, _ in rows], dtype=float) if spec.estimator == "year" else None
    exog, names = design_matrix(x, year)
    if np.linalg.matrix_rank(exog) < len(names):
        raise Skip(f"the regressors ({', '.join(names[1:])}) are collinear on these points")
    return FitData(x=x, y=y, year=year, ids=[p.id for p, _ in rows], filter=filt)


def estimate(data: FitData, spec: FitSpec) -> Regression:
    if spec.estimator == "quantile10":
        return fit_quantile(data.x, data.y, QUANTILE)
    return fit_ols(data.x, data.y, data.year)


def grid(
    benchmark: str, metric: str | None, forms: Sequence[str] = DEFAULT_FORMS
) -> Iterator[FitSpec]:
    """Every fit the nightly run attempts for one benchmark and metric."""
    for measure in MEASURES:
        for form in forms:
            base = {"benchmark": benchmark, "metric": metric, "measure": measure, "form": form}
            yield from _variants(base, benchmark in REFERENCE_MODELS, measure == "hardware_burden")


def _variants(base: dict[str, Any], reference: bool, burden: bool) -> Iterator[FitSpec]:
    for estimator in ESTIMATORS:
        yield FitSpec(**base, estimator=estimator)
    yield FitSpec(**base, frontier=True)
    if reference:
        for estimator in ESTIMATORS:
            yield FitSpec(**base, estimator=estimator, alexnet=True)
    if burden:
        yield FitSpec(**base, consolidated=True)


# Every variant name a fit can have (the vocabulary of `--variant`)
VARIANTS = tuple(
    spec.variant
    for spec in _variants(
        {"benchmark": "", "metric": None, "measure": "hardware_burden", "form": "poly"},
        reference=True,
        burden=True,
    )
)
