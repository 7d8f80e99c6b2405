"""Read-side of the fits: the latest fit per kind (SQL view ``latest_trend_fits``), a fit's
history across runs, the observations a fit used, and a fit's stable key.

A fit's *key* names its kind, ``benchmark/measure/form/variant/source`` (``imagenet/
hardware_burden/poly/ols/futuretech``), with ``benchmark:metric`` when the metric is not the
benchmark's primary one. The key outlives refits: ``trends data KEY`` always reads the latest fit
of that kind, while a fit id names one stored row. Shared by the CLI and the notebook."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.models import Observation, TrendFit
from extractors.vocabulary import vocabulary
from pipeline.analysis.points import Point
from pipeline.errors import UserError

FILTERS = ("benchmark", "metric", "compute_measure", "form", "variant", "observation_source")


def example_fit_key() -> str:
    """A fit key to show in help texts: the vocabulary's first benchmark's headline fit."""
    return f"{next(iter(vocabulary().benchmarks))}/hardware_burden/poly/ols/futuretech"


def primary_metric(benchmark: str | None) -> str | None:
    """The metric a benchmark's error is read from by default (the vocabulary's primary)."""
    entry = vocabulary().benchmarks.get(benchmark or "")
    return entry.primary_metric if entry else None


def _where(filters: dict[str, str | None]) -> tuple[str, dict[str, str]]:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"cannot filter fits by {sorted(unknown)}")
    given = {k: v for k, v in filters.items() if v is not None}
    clause = " AND ".join(f"{name} = :{name}" for name in given)
    return (f" WHERE {clause}" if clause else ""), given


def latest_fits(session: Session, **filters: str | None) -> list[TrendFit]:
    """The newest fit of every kind, read from the ``latest_trend_fits`` view."""
    where, params = _where(filters)
    sql = text(
        f"SELECT * FROM latest_trend_fits{where} "
        "ORDER BY benchmark, observation_source, compute_measure, form, variant, metric"
    ).bindparams(**params)
    return list(session.scalars(select(TrendFit).from_statement(sql)))


def fit_history(session: Session, **filters: str | None) -> list[TrendFit]:
    """Every stored fit matching the filters, oldest first: how a fit moved across runs."""
    stmt = select(TrendFit)
    for name, value in filters.items():
        if name not in FILTERS:
            raise ValueError(f"cannot filter fits by {name!r}")
        if value is not None:
            stmt = stmt.where(getattr(TrendFit, name) == value)
    order = (TrendFit.benchmark, TrendFit.compute_measure, TrendFit.form, TrendFit.variant)
    return list(session.scalars(stmt.order_by(*order, TrendFit.fitted_at, TrendFit.id)))


KEY_PARTS = ("benchmark", "compute_measure", "form", "variant", "observation_source")


def fit_key(fit: TrendFit) -> str:
    """The stable name of a fit's kind (see the module docstring)."""
    benchmark = fit.benchmark
    if fit.metric and fit.metric != primary_metric(fit.benchmark):
        benchmark = f"{benchmark}:{fit.metric}"
    return "/".join([benchmark, fit.compute_measure, fit.form, fit.variant, fit.observation_source])


def find_fit(session: Session, ref: str) -> TrendFit:
    """A fit by id (``63``) or by key (the latest fit of that kind); UserError if there is none."""
    if ref.isdigit():
        fit = session.get(TrendFit, int(ref))
        if fit is None:
            raise UserError(f"no fit with id {ref}; `ctrends trends latest` lists ids and keys")
        return fit
    parts = ref.strip("/").split("/")
    if len(parts) != len(KEY_PARTS):
        raise UserError(
            f"a fit is an id or a key benchmark/measure/form/variant/source, e.g. "
            f"{example_fit_key()}; got {ref!r}"
        )
    filters = dict(zip(KEY_PARTS, parts, strict=True))
    benchmark, _, metric = filters["benchmark"].partition(":")
    filters["benchmark"] = benchmark
    candidates = [
        f
        for f in latest_fits(session, **filters)
        if (f.metric or "") == metric or (not metric and f.metric == primary_metric(benchmark))
    ]
    if len(candidates) != 1:
        others = ", ".join(sorted(fit_key(f) for f in latest_fits(session, **filters)))
        raise UserError(
            f"no fit {ref!r}"
            + (f"; fits of that kind: {others}" if others else "")
            + "; `ctrends trends latest` lists keys (after `ctrends fit`)"
        )
    return candidates[0]


def fit_record(fit: TrendFit) -> dict[str, Any]:
    """The export form of a fit (``trends latest --format json``): contract fields first."""
    terms = (fit.coefficients or {}).get("terms", {})
    slope = terms.get("log10_compute", {})
    return {
        "benchmark": fit.benchmark,
        "metric": fit.metric,
        "compute_measure": fit.compute_measure,
        "form": fit.form,
        "variant": fit.variant,
        "slope": fit.slope,
        "intercept": fit.intercept,
        "r_squared": fit.r_squared,
        "n": fit.n,
        "automatic_n": fit.automatic_n,
        "fitted_at": fit.fitted_at.isoformat() if fit.fitted_at else None,
        "observation_source": fit.observation_source,
        "slope_ci95": slope.get("ci95"),
        "slope_p_value": slope.get("p_value"),
        "year_coefficient": terms.get("year_minus_2012", {}).get("estimate"),
        "key": fit_key(fit),
        "id": fit.id,
        "run_id": fit.run_id,
        "data_hash": fit.data_hash,
    }


def observation_points(session: Session, source: str, benchmark: str | None = None) -> list[Point]:
    """Observations of one source as plain points (rows without an error rate cannot be fit)."""
    stmt = select(Observation).where(Observation.source == source, Observation.error.is_not(None))
    if benchmark is not None:
        stmt = stmt.where(Observation.benchmark == benchmark)
    return [
        Point(
            id=obs.id,
            benchmark=obs.benchmark,
            error=obs.error,
            model=obs.model,
            metric=obs.metric,
            published=obs.published,
            ops_forward_pass=obs.ops_forward_pass,
            network_operations=obs.network_operations,
            hardware_burden=obs.hardware_burden,
        )
        for obs in session.scalars(stmt.order_by(Observation.id))
    ]


def fit_observations(session: Session, fit: TrendFit) -> list[Observation]:
    """The rows a fit used, by the ids it recorded (rows deleted since are simply absent)."""
    ids = [i for i in fit.observation_ids or [] if i is not None]
    if not ids:
        return []
    return list(session.scalars(select(Observation).where(Observation.id.in_(ids))))
