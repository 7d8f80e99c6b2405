"""``ctrends review``: run the commands, then look in the database for what they wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from db.models import Fact, ReviewEvent
from db.session import session_scope
from pipeline.cli import app
from pipeline.errors import UserError
from pipeline.export import FACT_FIELDS
from tests.support.review_data import flops, paper, result, stored

runner = CliRunner()


@pytest.fixture
def fact_ids(session: Session) -> list[int]:
    """Three committed facts: a result with linked FLOPs, the FLOPs, another result."""
    row = paper(session, title="Deep Residual Learning")
    facts = stored(
        session,
        row,
        [result(confidence=0.4), flops(), result(model="VGG-16", value="71.5", confidence=0.9)],
    )
    session.commit()
    return [f.id for f in facts]


def _fact(db_url: str, fact_id: int) -> tuple[Fact, list[ReviewEvent]]:
    with session_scope(db_url) as s:
        fact = s.get_one(Fact, fact_id)
        events = list(s.scalars(select(ReviewEvent).where(ReviewEvent.fact_id == fact_id)))
        s.expunge_all()
        return fact, events


def test_list_json_follows_the_export_contract_in_queue_order(
    fact_ids: list[int], ctrends_env: dict[str, str]
) -> None:
    out = runner.invoke(app, ["review", "list", "--facts", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    linked, model_flops, vgg = fact_ids
    assert [r["id"] for r in rows] == [linked, vgg, model_flops]  # linked first, then confidence
    assert all(tuple(r) == FACT_FIELDS for r in rows)
    assert rows[0]["status"] == "pending" and rows[0]["arxiv_id"] == "1512.03385"

    limited = runner.invoke(app, ["review", "list", "--facts", "--limit", "1", "--format", "json"])
    assert [r["id"] for r in json.loads(limited.stdout)] == fact_ids[:1]


def test_decisions_from_the_command_line_land_in_the_audit_trail(
    fact_ids: list[int], ctrends_env: dict[str, str]
) -> None:
    first, second, third = fact_ids
    url = ctrends_env["CTRENDS_DATABASE_URL"]
    accept = runner.invoke(app, ["review", "accept", str(first), "--reviewer", "alice"])
    assert accept.exit_code == 0, accept.output
    assert f"accepted fact {first}" in accept.output
    runner.invoke(app, ["review", "reject", str(third), "--note", "baseline"])
    edit = runner.invoke(app, ["review", "edit", str(second), "--value", "4.1", "--unit", "G"])
    assert edit.exit_code == 0, edit.output

    fact, events = _fact(url, first)
    assert fact.status == "accepted"
    assert [(e.action, e.reviewer) for e in events] == [("accept", "alice")]
    fact, events = _fact(url, third)
    assert (fact.status, events[0].reviewer, events[0].note) == (
        "rejected",
        "test-curator",  # CTRENDS_REVIEWER
        "baseline",
    )
    fact, _ = _fact(url, second)
    assert (fact.status, fact.value, fact.normalized) == ("edited", "4.1", pytest.approx(4.1e9))

    rejected = runner.invoke(
        app, ["review", "list", "--facts", "--status", "rejected", "--format", "json"]
    )
    assert [r["id"] for r in json.loads(rejected.stdout)] == [third]

    assert runner.invoke(app, ["review", "undo", str(third)]).exit_code == 0
    fact, events = _fact(url, third)
    assert fact.status == "pending" and [e.action for e in events] == ["reject", "undo"]


def test_show_and_next(fact_ids: list[int], ctrends_env: dict[str, str]) -> None:
    shown = runner.invoke(app, ["review", "show", str(fact_ids[0]), "--format", "json"])
    assert json.loads(shown.stdout)[0]["id"] == fact_ids[0]
    runner.invoke(app, ["review", "accept", str(fact_ids[0])])
    table = runner.invoke(app, ["review", "show", str(fact_ids[0])])
    assert "ResNet-50 reaches 75.3% top-1 accuracy" in table.output
    assert "test-curator: accept" in table.output
    following = runner.invoke(app, ["review", "next", "--facts"])
    assert f"fact {fact_ids[1]}" in following.output  # the FLOPs now change an observation


def test_bulk_accept_and_audit(fact_ids: list[int], ctrends_env: dict[str, str]) -> None:
    out = runner.invoke(app, ["review", "bulk-accept", "--min-confidence", "0.85"])
    assert out.exit_code == 0 and "accepted 0 facts of 0 rows" in out.output  # no rows here
    out = runner.invoke(app, ["review", "bulk-accept", "--min-confidence", "0.85", "--facts"])
    assert out.exit_code == 0 and "accepted 1 facts" in out.output
    assert _fact(ctrends_env["CTRENDS_DATABASE_URL"], fact_ids[2])[0].status == "accepted"
    # nothing here was auto-accepted: the audit is empty, not an error
    audit = runner.invoke(app, ["review", "audit", "--sample", "5", "--format", "json"])
    assert audit.exit_code == 0 and json.loads(audit.stdout) == {"rows": [], "facts": []}


def test_errors_are_one_line_user_errors(
    fact_ids: list[int], ctrends_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CTRENDS_REVIEWER")
    out = runner.invoke(app, ["review", "accept", str(fact_ids[0])])
    assert isinstance(out.exception, UserError) and "CTRENDS_REVIEWER" in str(out.exception)
    out = runner.invoke(app, ["review", "accept", "12345", "--reviewer", "alice"])
    assert isinstance(out.exception, UserError) and "no fact with id 12345" in str(out.exception)
    out = runner.invoke(app, ["review", "list", "--facts", "--status", "done"])
    assert isinstance(out.exception, UserError)
    out = runner.invoke(app, ["review", "edit", str(fact_ids[0]), "--value", "n/a"])
    assert isinstance(out.exception, UserError)
    for huge in ("9" * 400, "1e400"):  # stored Infinity; a traceback
        out = runner.invoke(app, ["review", "edit", str(fact_ids[1]), "--value", huge])
        assert isinstance(out.exception, UserError), out.output
    assert _fact(ctrends_env["CTRENDS_DATABASE_URL"], fact_ids[0])[0].status == "pending"
    assert _fact(ctrends_env["CTRENDS_DATABASE_URL"], fact_ids[1])[0].status == "pending"


def test_exports_never_write_non_standard_json(
    fact_ids: list[int], session: Session, tmp_path: Path
) -> None:
    """A NaN or Infinity already in the store (as the old edit wrote it) fails the export with
    one line naming the fact, and leaves no file: ``Infinity`` is not JSON."""
    fact = session.get_one(Fact, fact_ids[1])
    fact.normalized = float("inf")
    session.commit()
    target = tmp_path / "facts.jsonl"
    out = runner.invoke(app, ["export", "--output", str(target)])
    assert isinstance(out.exception, UserError), out.output
    assert f"id {fact_ids[1]}" in str(out.exception)
    assert not list(tmp_path.iterdir())
    out = runner.invoke(app, ["review", "list", "--facts", "--status", "all", "--format", "json"])
    assert isinstance(out.exception, UserError) and "NaN or infinite" in str(out.exception)


def test_pdf_text_is_printed_as_text_not_markup(
    session: Session, ctrends_env: dict[str, str]
) -> None:
    odd = result(model="Net [/] [bold]", evidence="[/red] 75.3")
    [fact] = stored(session, paper(session), [odd])
    session.commit()
    table = runner.invoke(app, ["review", "list", "--facts"])
    assert table.exit_code == 0, table.output
    assert "[bold]" in table.output
    shown = runner.invoke(app, ["review", "show", str(fact.id)])
    assert shown.exit_code == 0 and "[/red] 75.3" in shown.output
    accepted = runner.invoke(app, ["review", "accept", str(fact.id)])
    assert accepted.exit_code == 0 and "Net [/] [bold]" in accepted.output
    csv_out = runner.invoke(
        app, ["review", "list", "--facts", "--status", "all", "--format", "csv"]
    )
    assert csv_out.stdout.splitlines()[0] == ",".join(FACT_FIELDS)
