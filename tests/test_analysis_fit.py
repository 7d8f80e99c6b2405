"""The fit stage against a real database: stored fits, idempotent re-runs, drift, the view."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Observation, TrendFit
from pipeline.analysis.fit import no_extracted_fit, run_fits
from pipeline.analysis.points import Point
from pipeline.analysis.queries import fit_history, fit_record, latest_fits
from pipeline.sources.curated import import_futuretech
from tests.support.futuretech_csv import imagenet_rows, write_imagenet


def _import(session: Session, directory: Path, **kwargs: float) -> None:
    write_imagenet(directory, imagenet_rows(**kwargs))
    import_futuretech(session, directory, progress=False)


def _ols(session: Session, measure: str = "network_operations", form: str = "poly") -> TrendFit:
    (fit,) = latest_fits(
        session, benchmark="imagenet", compute_measure=measure, form=form, variant="ols"
    )
    return fit


def test_fits_are_stored_with_everything_needed_to_audit_them(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path)
    run = run_fits(session, run_id="r1")
    assert run.new == len(run.fits) > 0
    fit = _ols(session)
    assert (fit.observation_source, fit.metric, fit.run_id, fit.n) == (
        "futuretech",
        "top1",
        "r1",
        12,
    )
    assert fit.slope == pytest.approx(-0.08, abs=0.01)
    slope = fit.coefficients["terms"]["log10_compute"]
    assert {"estimate", "std_err", "p_value", "ci95"} <= set(slope)
    assert slope["ci95"][0] < fit.slope < slope["ci95"][1]
    assert fit.filter["measure"] == "network_operations" and fit.filter["dependent"]
    ids = set(session.scalars(select(Observation.id).where(Observation.source == "futuretech")))
    assert set(fit.observation_ids) == ids and len(fit.data_hash) == 64
    variants = {f.variant for f in run.fits}
    assert {"ols", "year", "quantile10", "frontier", "alexnet", "consolidated"} <= variants


def test_kinds_with_too_few_points_are_skipped_with_the_reason(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path, n=4)  # hardware burden on 2 rows only
    run = run_fits(session)
    assert not [
        f for f in run.fits if f.compute_measure == "hardware_burden" and f.variant == "ols"
    ]
    assert any("hardware_burden poly ols: N=2 < 3" in s for s in run.skipped), run.skipped
    assert all(f.n >= 3 for f in run.fits)


def test_a_rerun_on_the_same_data_stores_nothing_new(session: Session, tmp_path: Path) -> None:
    _import(session, tmp_path)
    first = run_fits(session)
    total = session.scalar(select(func.count()).select_from(TrendFit))
    second = run_fits(session)
    assert second.new == 0 and second.drift == []
    assert {f.id for f in second.fits} == {f.id for f in first.fits}
    assert session.scalar(select(func.count()).select_from(TrendFit)) == total


def test_a_row_no_fit_can_use_changes_no_fit_and_fires_no_drift(
    session: Session, tmp_path: Path
) -> None:
    """Finding 4: an unrelated new row (here an ImageNet result without any compute, as after a
    review decision on a paper without compute facts) once made every fit of the benchmark
    "new", with new ids, and quantile fits warned "[95% CI nan, nan] excludes" their own slope."""
    _import(session, tmp_path)
    first = run_fits(session)
    session.add(
        Observation(source="futuretech", source_key="no-compute", benchmark="imagenet",
                    metric="top1", model="Lonely", error=0.3)
    )  # fmt: skip
    session.flush()
    second = run_fits(session)
    assert (second.new, second.drift) == (0, [])
    assert {f.id for f in second.fits} == {f.id for f in first.fits}


def test_changed_data_makes_a_new_fit_and_a_drift_flag(session: Session, tmp_path: Path) -> None:
    _import(session, tmp_path)
    run_fits(session, run_id="before")
    _import(session, tmp_path, slope=-0.2, shift=2.1)
    run = run_fits(session, run_id="after")
    assert run.new > 0
    assert any("network_operations poly ols" in flag for flag in run.drift), run.drift
    history = fit_history(
        session, benchmark="imagenet", compute_measure="network_operations", form="poly",
        variant="ols",
    )  # fmt: skip
    assert [f.run_id for f in history] == ["before", "after"]
    assert _ols(session).run_id == "after"  # the view shows the newest


def test_each_source_is_fit_on_its_own_and_records_use_the_contract(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path)
    session.add(
        Observation(source="epoch", source_key="x", benchmark="imagenet", error=None)
    )  # compute-only rows never reach a fit
    run = run_fits(session)
    assert {f.observation_source for f in run.fits} == {"futuretech"}
    assert any(s.startswith("epoch:") for s in run.skipped)
    record = fit_record(_ols(session))
    for field in (
        "benchmark", "metric", "compute_measure", "form", "variant", "slope", "intercept",
        "r_squared", "n", "fitted_at",
    ):  # fmt: skip
        assert field in record
    assert record["compute_measure"] in (
        "ops_forward_pass",
        "network_operations",
        "hardware_burden",
    )
    assert record["form"] in ("poly", "exp")


def test_latest_rejects_unknown_filters(session: Session) -> None:
    with pytest.raises(ValueError):
        latest_fits(session, colour="red")


def test_a_run_without_an_extracted_fit_says_why_and_what_to_do(
    session: Session, tmp_path: Path
) -> None:
    _import(session, tmp_path)  # curated fits only: nothing extracted was accepted
    run = run_fits(session)
    assert run.fits and run.summary()["no_extracted_fit"] == run.no_extracted_fit
    assert run.no_extracted_fit == (
        "no extracted fit: 0 accepted rows with a score, 0 of them with a compute measure; "
        "review rows with `ctrends review rows` (accept a row's score and compute cells)"
    )
    assert run_fits(session, sources=["futuretech"]).no_extracted_fit is None  # not asked for


def test_too_few_rows_with_compute_on_any_benchmark_is_named() -> None:
    points = [
        Point(1, "imagenet", 0.2, ops_forward_pass=4e9),
        Point(2, "imagenet", 0.25, hardware_burden=1e18),
        Point(3, "coco", 0.5, ops_forward_pass=1e11),
        Point(4, "coco", 0.6),  # a score alone
    ]
    assert no_extracted_fit(points, []).startswith(
        "no extracted fit: 3 accepted rows with a score and a compute measure, at most 2 on one "
        "benchmark (imagenet), a fit needs 3; review rows with `ctrends review rows`"
    )
    enough = [*points, Point(5, "imagenet", 0.3, ops_forward_pass=8e9)]
    skipped = ["extracted imagenet/top1 ops_forward_pass poly ols: the regressors are collinear"]
    assert "yet the regressors are collinear;" in no_extracted_fit(enough, skipped)
