"""Row decisions (reject-row, move, merge-rows, undo-row): each in ``row_events``, each kept by
re-extraction (``refresh_rows`` run again over the same facts), each undone by ``undo-row``."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, ModelRow, ReviewEvent, RowEvent
from db.session import session_scope
from pipeline.cli import app
from pipeline.errors import UserError
from pipeline.row_decisions import accept_row, merge_rows, move, reject_row, undo_row
from pipeline.rows import refresh_rows
from tests.support.review_data import flops, paper, parameters, result, stored

runner = CliRunner()


def _paper(session: Session) -> tuple[dict[str, ModelRow], dict[str, Fact]]:
    """Two models of one paper, one quoted baseline, FLOPs of ResNet-152 under its depth name,
    and a parameter count printed under a name the assembly cannot align (a curator's move)."""
    p = paper(session, title="Deep Residual Learning")
    facts = stored(
        session,
        p,
        [
            result(model="ResNet-152 (val)", value="78.6"),
            flops(model="152-layer ResNet", value="11.3"),
            result(model="ResNet-50", value="75.3"),
            result(model="VGG-16 [41]", value="71.5"),
            parameters(model="the deepest net", value="60.2"),
        ],
    )
    refresh_rows(session, p)
    session.commit()
    return _state(session), {f.model or "": f for f in facts}


def _state(session: Session) -> dict[str, ModelRow]:
    session.expire_all()
    return {row.model: row for row in session.scalars(select(ModelRow))}


def _reextract(session: Session) -> dict[str, ModelRow]:
    for p in {row.paper for row in session.scalars(select(ModelRow))}:
        refresh_rows(session, p)
    session.commit()
    return _state(session)


def _facts_of(row: ModelRow) -> set[str]:
    return {c.fact.model or "" for c in row.cells}


def test_reject_row_rejects_its_facts_and_stays_rejected_after_reextraction(
    session: Session,
) -> None:
    rows, facts = _paper(session)
    vgg = rows["VGG-16 [41]"].id
    events = reject_row(session, vgg, "ana", note="quoted baseline")
    session.commit()
    assert [e.fact_id for e in events] == [facts["VGG-16 [41]"].id]
    rows = _reextract(session)
    assert rows["VGG-16 [41]"].status == "rejected"
    assert session.get_one(Fact, facts["VGG-16 [41]"].id).status == "rejected"
    [event] = rows["VGG-16 [41]"].events
    assert (event.action, event.reviewer, event.note) == ("reject_row", "ana", "quoted baseline")
    with pytest.raises(UserError, match="is rejected; `review undo-row"):
        accept_row(session, vgg, "ana")
    undo_row(session, vgg, "ana")
    session.commit()
    rows = _state(session)
    assert rows["VGG-16 [41]"].status == "pending"
    assert session.get_one(Fact, facts["VGG-16 [41]"].id).status == "pending"
    assert [e.action for e in rows["VGG-16 [41]"].events] == ["reject_row", "undo"]


def test_moved_cell_stays_moved_after_reextraction_and_moves_back_on_undo(
    session: Session,
) -> None:
    rows, facts = _paper(session)
    deepest = facts["the deepest net"]
    source = next(r for r in rows.values() if "the deepest net" in _facts_of(r))
    target = rows["ResNet-152 (val)"]
    move(session, deepest.id, target.id, "ana")
    session.commit()
    rows = _reextract(session)
    assert "the deepest net" in _facts_of(rows["ResNet-152 (val)"])
    homes = [r for r in rows.values() if "the deepest net" in _facts_of(r)]
    assert [r.id for r in homes] == [target.id]  # in no other row
    [cell] = [c for c in homes[0].cells if c.fact_id == deepest.id]
    assert (cell.field, cell.link) == ("parameters", "moved")
    with pytest.raises(UserError, match="already in row"):
        move(session, deepest.id, target.id, "ana")
    undo_row(session, target.id, "ana")
    session.commit()
    rows = _reextract(session)
    assert "the deepest net" not in _facts_of(rows["ResNet-152 (val)"])
    assert "the deepest net" in _facts_of(_state(session)[source.model])


def test_merged_rows_stay_merged_after_reextraction_and_split_on_undo(session: Session) -> None:
    rows, _ = _paper(session)
    big, small = rows["ResNet-152 (val)"], rows["ResNet-50"]
    merge_rows(session, big.id, small.id, "ana", note="one model")
    session.commit()
    rows = _reextract(session)
    assert rows["ResNet-50"].status == "merged" and rows["ResNet-50"].cells == []
    assert {"ResNet-50", "ResNet-152 (val)"} <= _facts_of(rows["ResNet-152 (val)"])
    with pytest.raises(UserError, match="is merged"):
        accept_row(session, rows["ResNet-50"].id, "ana")
    undo_row(session, big.id, "ana")
    session.commit()
    rows = _reextract(session)
    assert rows["ResNet-50"].status == "pending"
    assert _facts_of(rows["ResNet-50"]) == {"ResNet-50"}
    assert "ResNet-50" not in _facts_of(rows["ResNet-152 (val)"])
    with pytest.raises(UserError, match="no row decision to undo"):
        undo_row(session, big.id, "ana")


def test_accept_row_is_a_row_event_and_undo_row_takes_back_every_fact(session: Session) -> None:
    rows, facts = _paper(session)
    row = rows["ResNet-152 (val)"]
    accept_row(session, row.id, "ana")
    session.commit()
    assert _reextract(session)["ResNet-152 (val)"].status == "accepted"
    assert session.get_one(Fact, facts["152-layer ResNet"].id).status == "accepted"
    undo_row(session, row.id, "ana")
    session.commit()
    assert _state(session)["ResNet-152 (val)"].status == "pending"
    assert session.get_one(Fact, facts["152-layer ResNet"].id).status == "pending"
    actions = session.scalars(select(ReviewEvent.action).order_by(ReviewEvent.id)).all()
    assert actions == ["accept", "accept", "undo", "undo"]


def test_cli_row_decisions_and_one_line_errors(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    rows, facts = _paper(session)
    big, small, vgg = (rows[m].id for m in ("ResNet-152 (val)", "ResNet-50", "VGG-16 [41]"))
    deepest = facts["the deepest net"].id
    for args in (
        ["reject-row", str(vgg)],
        ["move", str(deepest), "--to", str(big)],
        ["merge-rows", str(big), str(small)],
        ["undo-row", str(vgg)],
    ):
        out = runner.invoke(app, ["review", *args, "--reviewer", "ana"])
        assert out.exit_code == 0, out.output
    with session_scope(ctrends_env["CTRENDS_DATABASE_URL"]) as s:
        actions = s.scalars(select(RowEvent.action).order_by(RowEvent.id)).all()
        assert actions == ["reject_row", "move", "merge", "undo"]
    for args, message in (
        (["reject-row", "999999"], "no model row with id 999999"),
        (["merge-rows", str(big), str(big)], "cannot be merged into itself"),
        (["move", "999999", "--to", str(big)], "999999"),
    ):
        out = runner.invoke(app, ["review", *args, "--reviewer", "ana"])
        assert isinstance(out.exception, UserError) and message in str(out.exception)


def test_accept_row_takes_a_picked_cell_and_drops_a_field_in_one_decision(
    session: Session,
) -> None:
    p = paper(session, arxiv_id="1608.06993", title="Densely Connected Convolutional Networks")
    facts = stored(
        session,
        p,
        [
            result(model="DenseNet-264", value="77.9", confidence=0.9),
            result(model="DenseNet-264", value="22.15", confidence=0.3, page=7),  # the right one
            flops(model=None, value="5.8"),  # a paper-level statement, wrong for this model
        ],
    )
    refresh_rows(session, p)
    session.commit()
    row = _state(session)["DenseNet-264"]
    assert {c.field for c in row.cells} == {"score", "ops_forward_pass"}
    with pytest.raises(UserError, match="has no 'epochs' cell"):
        accept_row(session, row.id, "ana", drop=["epochs"])
    with pytest.raises(UserError, match="is not a cell of row"):
        accept_row(session, row.id, "ana", pick=[999999])
    accept_row(session, row.id, "ana", pick=[facts[1].id], drop=["ops_forward_pass"])
    session.commit()
    status = {f.id: session.get_one(Fact, f.id).status for f in facts}
    assert status == {facts[0].id: "pending", facts[1].id: "accepted", facts[2].id: "rejected"}
    [event] = _state(session)["DenseNet-264"].events
    assert event.after is not None and event.after["drop"] == ["ops_forward_pass"]
    undo_row(session, row.id, "ana")
    session.commit()
    assert {session.get_one(Fact, f.id).status for f in facts} == {"pending"}


def test_edit_corrects_model_benchmark_and_metric_and_relinks_the_row(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    _, facts = _paper(session)
    deepest = facts["the deepest net"].id
    out = runner.invoke(app, ["review", "edit", str(deepest), "--model", "ResNet-152"])
    assert out.exit_code == 0, out.output
    rows = _state(session)
    assert "ResNet-152" in _facts_of(rows["ResNet-152 (val)"])  # joined its model's row
    assert session.get_one(Fact, deepest).status == "edited"
    score = facts["ResNet-50"].id
    for args, message in (
        (["--benchmark", "imagenett"], "unknown benchmark 'imagenett'"),
        (["--metric", "top7"], "metric 'top7' is not one of imagenet's"),
        ([], "nothing to edit"),
    ):
        refused = runner.invoke(app, ["review", "edit", str(score), *args])
        assert isinstance(refused.exception, UserError), refused.output
        assert message in str(refused.exception) and "\n" not in str(refused.exception)
    fixed = runner.invoke(app, ["review", "edit", str(score), "--metric", "top5"])
    assert fixed.exit_code == 0, fixed.output
    session.expire_all()
    assert session.get_one(Fact, score).metric == "top5"
    undone = runner.invoke(app, ["review", "undo", str(deepest)])
    assert undone.exit_code == 0, undone.output
    rows = _state(session)
    assert session.get_one(Fact, deepest).model == "the deepest net"
    assert "the deepest net" not in _facts_of(rows["ResNet-152 (val)"])
