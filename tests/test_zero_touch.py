"""Zero-touch: rows at or above a row confidence accepted with no human before every fit, marked,
auditable, undoable, never over a person's decision; fits say how much rests on them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, ModelRow, ReviewEvent, RowEvent
from db.session import session_scope
from pipeline import review
from pipeline.analysis.fit import run_fits
from pipeline.analysis.queries import latest_fits
from pipeline.cli import app
from pipeline.errors import UserError
from pipeline.evaluate_rows import (
    ZERO_TOUCH_THRESHOLDS,
    Ratio,
    ZeroTouch,
    evaluate_rows,
    pooled_sweeps,
)
from pipeline.rows import refresh_rows
from pipeline.store import SYSTEM_REVIEWER
from pipeline.zerotouch import auto_accept_rows, row_confidences
from tests.support.extracted_facts import add_extracted_imagenet
from tests.support.review_data import flops, paper, result, stored

# Confidences set by hand: the product fallback (the learned row model: test_row_confidence.py).
pytestmark = pytest.mark.usefixtures("no_row_model")
runner = CliRunner()


def _paper_with_rows(session: Session) -> dict[str, ModelRow]:
    """ResNet-152: score 0.95 and FLOPs 0.96 (row 0.912); VGG-16: score 0.95, FLOPs 0.5 (0.475);
    ResNet-50: a score alone (no data point, whatever its confidence)."""
    p = paper(session)
    stored(
        session,
        p,
        [
            result(model="ResNet-152", value="78.6", confidence=0.95),
            flops(model="ResNet-152", value="11.3", confidence=0.96),
            result(model="VGG-16", value="71.5", confidence=0.95),
            flops(model="VGG-16", value="15.5", confidence=0.5),
            result(model="ResNet-50", value="75.3", confidence=0.99),
        ],
    )
    refresh_rows(session, p)
    return {row.model: row for row in session.scalars(select(ModelRow))}


def _facts(session: Session, model: str) -> list[Fact]:
    return list(session.scalars(select(Fact).where(Fact.model == model).order_by(Fact.id)))


def test_without_a_row_model_confidence_is_score_times_compute_and_none_without_either(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    rows = _paper_with_rows(session)
    confidences = row_confidences(rows.values())
    assert confidences[rows["ResNet-152"].id] == pytest.approx(0.95 * 0.96)
    assert confidences[rows["VGG-16"].id] == pytest.approx(0.95 * 0.5)
    assert rows["ResNet-50"].id not in confidences
    assert "no confidence model at" in caplog.text and "no-row-model.json" in caplog.text


def test_auto_accept_takes_confident_rows_marks_them_and_reruns_accept_nothing(
    session: Session,
) -> None:
    rows = _paper_with_rows(session)
    accepted = auto_accept_rows(session, 0.9)
    assert list(accepted) == [rows["ResNet-152"].id]
    for fact in _facts(session, "ResNet-152"):
        assert (fact.status, fact.auto_accepted) == ("accepted", True)
        [event] = fact.events
        assert (event.action, event.reviewer) == ("auto_accept", SYSTEM_REVIEWER)
        assert "row confidence 0.91 >= 0.9" in (event.note or "")
    assert {f.status for f in _facts(session, "VGG-16") + _facts(session, "ResNet-50")} == {
        "pending"
    }
    assert auto_accept_rows(session, 0.9) == {}  # idempotent
    assert len(session.scalars(select(ReviewEvent)).all()) == 2


def test_auto_accept_never_touches_a_persons_decision_nor_an_undone_acceptance(
    session: Session,
) -> None:
    rows = _paper_with_rows(session)
    score, compute = _facts(session, "ResNet-152")
    review.accept(session, score.id, "alice")
    auto_accept_rows(session, 0.9)
    assert (score.auto_accepted, [e.reviewer for e in score.events]) == (False, ["alice"])
    assert (compute.status, compute.auto_accepted) == ("accepted", True)

    review.undo(session, compute.id, "alice", note="audit: FLOPs of another row")
    assert compute.status == "pending"
    assert auto_accept_rows(session, 0.0).keys() == {rows["VGG-16"].id}  # not ResNet-152 again
    assert compute.status == "pending"


def test_the_fit_run_accepts_rows_first_and_records_how_many_points_are_automatic(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    add_extracted_imagenet(url, pending=0.97)
    with session_scope(url) as s:
        run = run_fits(s, run_id="nightly", auto_accept=0.9)
        assert run.auto_accepted_facts == 5 * 4 and run.summary()["auto_accepted_facts"] == 20
        [fit] = [
            f
            for f in run.fits
            if (f.compute_measure, f.form, f.variant) == ("ops_forward_pass", "poly", "ols")
        ]
        assert (fit.n, fit.automatic_n) == (5, 5)
        again = run_fits(s, auto_accept=0.9)
        assert again.auto_accepted_facts == 0 and again.new == 0  # nothing new: same fits

    out = runner.invoke(app, ["trends", "latest", "--source", "extracted", "-f", "json"])
    assert out.exit_code == 0, out.output
    poly = next(r for r in json.loads(out.stdout) if r["id"] == fit.id)
    assert (poly["n"], poly["automatic_n"]) == (5, 5)
    table = runner.invoke(app, ["trends", "latest", "--source", "extracted"])
    assert "5 (5 auto)" in table.stdout

    with session_scope(url) as s:  # a person checks one row: its point is no longer automatic
        first = s.scalars(select(Fact.paper_id).order_by(Fact.id)).first()
        for fact in s.scalars(select(Fact).where(Fact.paper_id == first)):
            review.accept(s, fact.id, "alice")
        run_fits(s)
        [latest] = latest_fits(
            s, compute_measure="ops_forward_pass", form="poly", variant="ols", benchmark="imagenet"
        )
        assert latest.id != fit.id and (latest.n, latest.automatic_n) == (5, 4)


def test_bulk_accept_is_by_row_unless_facts_and_audit_lists_automatic_rows(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    rows = _paper_with_rows(session)
    session.commit()
    out = runner.invoke(
        app, ["review", "bulk-accept", "--min-confidence", "0.9", "--reviewer", "bo"]
    )
    assert out.exit_code == 0, out.output
    assert "accepted 2 facts of 1 rows as bo" in out.stdout
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    with session_scope(url) as s:  # a row decision, as `review accept-row` makes one
        [event] = s.scalars(select(RowEvent)).all()
        assert (event.row_id, event.action, event.reviewer) == (
            rows["ResNet-152"].id, "accept_row", "bo",
        )  # fmt: skip
        assert "row confidence 0.91 >= 0.9" in (event.note or "")
    out = runner.invoke(
        app, ["review", "bulk-accept", "--min-confidence", "0.9", "--facts", "--reviewer", "bo"]
    )
    assert "accepted 2 facts as bo" in out.stdout  # VGG-16's and ResNet-50's scores

    audit = ["review", "audit", "--sample", "5", "-f", "json"]
    assert json.loads(runner.invoke(app, audit).stdout) == {"rows": [], "facts": []}  # by bo

    with session_scope(url) as s:  # VGG-16's score is bo's; its FLOPs count (0.475) is not
        assert list(auto_accept_rows(s, 0.4)) == [rows["VGG-16"].id]
    audited = json.loads(runner.invoke(app, audit).stdout)
    [row] = audited["rows"]
    assert row["id"] == rows["VGG-16"].id
    assert {(c["field"], c["auto"]) for c in row["cells"]} == {
        ("score", False),
        ("ops_forward_pass", True),
    }
    [fact] = audited["facts"]
    assert (fact["kind"], fact["model"]) == ("flops", "VGG-16")
    table = runner.invoke(app, ["review", "audit", "--sample", "5"]).stdout
    assert "1 rows rest on automatic acceptances" in table and "accepted (auto)" in table

    undone = runner.invoke(app, ["review", "undo", str(fact["id"]), "--reviewer", "bo"])
    assert undone.exit_code == 0, undone.output
    assert json.loads(runner.invoke(app, audit).stdout) == {"rows": [], "facts": []}


def test_eval_measures_zero_touch_by_the_nightly_code_at_each_threshold(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    """ResNet-152 (row 0.91) is accepted from 0.9 down, VGG-16 (0.475) at none of the sweep;
    both are gold rows with FLOPs, so coverage is 1/2 at every threshold."""
    _paper_with_rows(session)  # on 1512.03385
    session.commit()

    def gold_row(model: str, score: float, flops: float) -> dict[str, Any]:
        return {"benchmark": "imagenet", "model": model, "scores": {"top1": score}, "flops": flops}

    gold = {
        "1512.03385": {
            "arxiv_id": "1512.03385",
            "rows": [gold_row("ResNet-152", 78.6, 11.3e9), gold_row("VGG-16", 71.5, 15.5e9)],
        }
    }
    rows = evaluate_rows(gold, ctrends_env["CTRENDS_DATABASE_URL"], {})
    figures = [z.to_dict() for z in rows.zero_touch]
    assert [f["threshold"] for f in figures] == list(ZERO_TOUCH_THRESHOLDS)
    for figure in figures:
        assert figure["rows_with_compute"] == 1
        assert figure["coverage"] == {"found": 1, "total": 2, "ratio": 0.5}
        assert figure["correct_compute"]["found"] == 1
    assert rows.observed.found == 2  # the perfect curator's figures start from the same facts


def test_undo_row_takes_back_a_rows_automatic_acceptances_only(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    rows = _paper_with_rows(session)
    score, compute = _facts(session, "ResNet-152")
    auto_accept_rows(session, 0.9)
    review.accept(session, compute.id, "alice", note="checked")  # a person confirms the FLOPs
    session.commit()
    row = str(rows["ResNet-152"].id)
    out = runner.invoke(app, ["review", "undo-row", row, "--reviewer", "bo"])
    assert out.exit_code == 0, out.output
    assert f"facts {score.id} of row" in out.stdout
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        assert s.get_one(Fact, score.id).status == "pending"
        assert s.get_one(Fact, compute.id).status == "accepted"
    again = runner.invoke(app, ["review", "undo-row", row, "--reviewer", "bo"])
    # nothing automatic stands any more, and no row decision was made: nothing to undo
    assert isinstance(again.exception, UserError) and "no row decision to undo" in str(
        again.exception
    )


def test_partitions_sweeps_pool_into_mean_counts_and_mean_fits() -> None:
    def sweep(found: int, slope: float | None) -> ZeroTouch:
        fit = {"extracted": {"slope": slope, "n": 10}, "gold": {"slope": -0.12, "n": 33},
               "difference": None if slope is None else abs(slope + 0.12)}  # fmt: skip
        return ZeroTouch(0.9, 50, Ratio(found, 58), Ratio(found, 58), {"imagenet/flops": fit})

    top = pooled_sweeps([[sweep(27, -0.10)], [sweep(30, -0.11)]])[0]
    assert (top.rows, top.coverage.found, top.coverage.ratio) == (50, 28.5, 28.5 / 58)
    assert top.fits["imagenet/flops"]["difference"] == pytest.approx(0.015)
    # a partition with no fit leaves the pooled one without a difference: no gate passes on it
    unfitted = pooled_sweeps([[sweep(27, -0.10)], [sweep(30, None)]])[0]
    assert unfitted.fits["imagenet/flops"]["difference"] is None
