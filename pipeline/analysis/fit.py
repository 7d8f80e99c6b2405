"""The fit stage: rebuild extracted observations, fit every spec with enough data, store fits.

``run_fits`` is what the nightly flow and ``ctrends fit`` call. Each observation source
(``extracted``, ``futuretech``, ...) is fit on its own, never pooled. A fit whose data and
specification are unchanged since the latest stored fit of its kind is not stored again (the
data hash says so), so re-runs are idempotent and ``trends history`` shows only real movements.
Each new fit is compared with the previous one of its kind for drift.

With a zero-touch threshold (``CTRENDS_AUTO_ACCEPT``) the run first accepts the rows at or above
it (``pipeline.zerotouch.auto_accept_rows``), and every fit records in ``automatic_n`` how many
of its observations rest on such an automatic acceptance no person has checked.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Observation, TrendFit
from pipeline.analysis.drift import slope_drift
from pipeline.analysis.forms import DEFAULT_FORMS
from pipeline.analysis.measures import fit_conversion
from pipeline.analysis.observations import rebuild_extracted
from pipeline.analysis.points import Point
from pipeline.analysis.queries import latest_fits, observation_points
from pipeline.analysis.regress import Regression
from pipeline.analysis.spec import MIN_N, FitData, FitSpec, Skip, estimate, grid, prepare
from pipeline.observation_store import UpsertCounts
from pipeline.progress import progress_bar
from pipeline.zerotouch import auto_accept_rows

log = logging.getLogger(__name__)


@dataclass
class FitRun:
    """What one run produced: the current fit of every kind it could fit, and what it noticed."""

    run_id: str
    fits: list[TrendFit] = field(default_factory=list)  # new or unchanged, one per kind
    new: int = 0
    skipped: list[str] = field(default_factory=list)  # "<kind>: <reason>"
    drift: list[str] = field(default_factory=list)
    observations: UpsertCounts | None = None
    no_extracted_fit: str | None = None  # why no fit rests on extracted rows, and what to do
    auto_accepted_facts: int = 0  # accepted with no human before this run's fits

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "fits": len(self.fits),
            "new_fits": self.new,
            "skipped": len(self.skipped),
            "drift": self.drift,
            "extracted_observations": str(self.observations) if self.observations else None,
            "no_extracted_fit": self.no_extracted_fit,
            "auto_accepted_facts": self.auto_accepted_facts,
        }


def run_fits(
    session: Session,
    *,
    run_id: str | None = None,
    sources: Sequence[str] | None = None,
    forms: Sequence[str] = DEFAULT_FORMS,
    benchmark: str | None = None,
    progress: bool = False,
    auto_accept: float | None = None,
) -> FitRun:
    """Accept rows at or above ``auto_accept`` (when given), rebuild extracted observations from
    curated facts, then fit and store every kind."""
    run = FitRun(run_id=run_id or uuid.uuid4().hex[:12])
    if auto_accept is not None:
        run.auto_accepted_facts = sum(map(len, auto_accept_rows(session, auto_accept).values()))
    run.observations = rebuild_extracted(session)
    automatic = automatic_observations(session)
    for source in sources or observation_sources(session):
        _fit_source(session, run, source, forms, benchmark, progress, automatic)
    if EXTRACTED in (sources or [EXTRACTED]) and not any(
        f.observation_source == EXTRACTED for f in run.fits
    ):
        run.no_extracted_fit = no_extracted_fit(
            observation_points(session, EXTRACTED, benchmark),
            [s for s in run.skipped if s.startswith(EXTRACTED)],
        )
        log.info("%s", run.no_extracted_fit)
    session.flush()
    log.debug(
        "fit run %s: %d fits (%d new), %d skipped, %d drift flags",
        run.run_id,
        len(run.fits),
        run.new,
        len(run.skipped),
        len(run.drift),
    )
    return run


EXTRACTED = "extracted"
_REVIEW_ROWS = "review rows with `ctrends review rows` (accept a row's score and compute cells)"


def no_extracted_fit(points: Sequence[Point], skipped: Sequence[str]) -> str:
    """Why a run ends with no fit on the extracted observations, in one line with what to do: a
    fit needs accepted rows that hold both a score and a compute measure, at least ``MIN_N`` of
    them on one benchmark."""
    measured = [
        p for p in points if p.ops_forward_pass or p.network_operations or p.hardware_burden
    ]
    if not measured:
        return (
            f"no extracted fit: {len(points)} accepted rows with a score, 0 of them with a "
            f"compute measure; {_REVIEW_ROWS}"
        )
    benchmark, most = Counter(p.benchmark for p in measured).most_common(1)[0]
    if most < MIN_N:
        return (
            f"no extracted fit: {len(measured)} accepted rows with a score and a compute "
            f"measure, at most {most} on one benchmark ({benchmark}), a fit needs {MIN_N}; "
            f"{_REVIEW_ROWS}"
        )
    why = skipped[0].split(": ", 1)[-1] if skipped else "no kind was fitted"
    return f"no extracted fit: {len(measured)} rows with compute, yet {why}; {_REVIEW_ROWS}"


def automatic_observations(session: Session) -> set[int]:
    """Ids of the observations built from at least one fact accepted with no human."""
    automatic = set(
        session.scalars(
            select(Fact.id).where(Fact.status == "accepted", Fact.auto_accepted.is_(True))
        )
    )
    if not automatic:
        return set()
    rows = session.execute(select(Observation.id, Observation.fact_ids))
    return {obs_id for obs_id, fact_ids in rows if automatic.intersection(fact_ids or ())}


def observation_sources(session: Session) -> list[str]:
    return list(session.scalars(select(Observation.source).distinct().order_by(Observation.source)))


def _fit_source(
    session: Session,
    run: FitRun,
    source: str,
    forms: Sequence[str],
    benchmark: str | None,
    progress: bool,
    automatic: set[int],
) -> None:
    points = observation_points(session, source)
    if not points:
        run.skipped.append(f"{source}: no observations with an error rate")
        log.info("%s: no observations with an error rate; nothing to fit", source)
        return
    conversion = fit_conversion(points)  # pooled over benchmarks: a property of hardware
    previous = {_kind(f): f for f in latest_fits(session, observation_source=source)}
    groups = sorted({(p.benchmark, p.metric or "") for p in points})
    if benchmark is not None:
        groups = [g for g in groups if g[0] == benchmark]
    specs = [s for b, m in groups for s in grid(b, m or None, forms)]
    new, skipped = run.new, len(run.skipped)
    with progress_bar(f"fitting {source}", len(specs), progress) as advance:
        for spec in specs:
            label = f"{source} {spec.benchmark}/{spec.metric} {spec.measure} {spec.form} "
            label += spec.variant
            advance(label)
            try:
                data = prepare(points, spec, conversion)
            except Skip as why:
                run.skipped.append(f"{label}: {why}")
                log.debug("skipped %s: %s", label, why)
                continue
            automatic_n = len(automatic.intersection(data.ids))
            digest = data_hash(spec, data, automatic_n)
            old = previous.get(
                (spec.benchmark, spec.metric or "", spec.measure, spec.form, spec.variant)
            )
            if old is not None and old.data_hash == digest:
                run.fits.append(old)  # same data, same spec: the stored fit stands
                continue
            regression = estimate(data, spec)
            fit = _store(session, source, spec, data, regression, digest, run.run_id)
            fit.automatic_n = automatic_n
            run.fits.append(fit)
            run.new += 1
            log.debug(
                "fitted %s: slope %.4f, R^2 %.3f, N %d", label, fit.slope, fit.r_squared, fit.n
            )
            if old is not None:
                flag = slope_drift(
                    label,
                    old.slope,
                    regression.slope,
                    regression.slope_interval,
                    f"fit #{old.id}, {old.fitted_at:%Y-%m-%d}, N {old.n} -> {regression.n}",
                )
                if flag:
                    run.drift.append(flag)
                    log.warning("drift: %s", flag)
    new, skipped = run.new - new, len(run.skipped) - skipped
    log.debug(
        "%s: %d new fits, %d unchanged, %d kinds skipped for lack of data (reasons at DEBUG)",
        source,
        new,
        len(specs) - new - skipped,
        skipped,
    )


def _kind(fit: TrendFit) -> tuple[str, str, str, str, str]:
    return (fit.benchmark, fit.metric or "", fit.compute_measure, fit.form, fit.variant)


def data_hash(spec: FitSpec, data: FitData, automatic_n: int) -> str:
    """Identity of a fit's input: the specification, the filter, every (id, x, y, year) and, when
    some observations rest on automatic acceptances, how many (a person confirming one changes
    what the fit rests on, so it is a new fit; hashes of fits without any stay as they were).

    The filter's counts of rows left out (``dropped``) are not part of it: a new observation the
    fit cannot use (a result with no compute, say) changes those counts but not the fit, and must
    not make a new fit with a new id, nor a drift check against itself.
    """
    payload = {
        "spec": [spec.benchmark, spec.metric, spec.measure, spec.form, spec.variant],
        "filter": {k: v for k, v in data.filter.items() if k != "dropped"},
        "rows": [
            [i, float(x), float(y), None if data.year is None else float(data.year[k])]
            for k, (i, x, y) in enumerate(zip(data.ids, data.x, data.y, strict=True))
        ],
    }
    if automatic_n:
        payload["automatic_n"] = automatic_n
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _store(
    session: Session,
    source: str,
    spec: FitSpec,
    data: FitData,
    regression: Regression,
    digest: str,
    run_id: str,
) -> TrendFit:
    fit = TrendFit(
        benchmark=spec.benchmark,
        metric=spec.metric,
        compute_measure=spec.measure,
        form=spec.form,
        variant=spec.variant,
        observation_source=source,
        slope=regression.slope,
        intercept=regression.intercept,
        r_squared=regression.r_squared,
        n=regression.n,
        coefficients=regression.coefficients(),
        filter=data.filter,
        data_hash=digest,
        observation_ids=data.ids,
        run_id=run_id,
    )
    session.add(fit)
    session.flush()
    return fit
