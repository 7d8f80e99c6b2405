"""``ctrends review``: work through the review queue from the command line.

Every command is a thin wrapper over :mod:`pipeline.review`; decisions need a reviewer, from
``--reviewer`` or ``CTRENDS_REVIEWER``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from db.models import Fact, ReviewEvent
from db.session import session_scope
from extractors.kinds import KINDS
from pipeline import review, review_rows, row_decisions, zerotouch
from pipeline.cli.app import app
from pipeline.cli.options import BenchmarkOpt, FormatOpt, TableFormat
from pipeline.config import get_settings
from pipeline.display import fact_value, tidy
from pipeline.errors import UserError
from pipeline.export import FACT_FIELDS, fact_to_dict, json_text, write_csv

console = Console()
review_app = typer.Typer(
    help="The review queue: accept, reject or correct extracted facts.", no_args_is_help=True
)
app.add_typer(review_app, name="review")

FactId = Annotated[int, typer.Argument(help="The fact's id (the `id` of `review list`).")]
FactIds = Annotated[list[int], typer.Argument(help="One or more fact ids (`review list`).")]
ReviewerOpt = Annotated[
    str | None, typer.Option(help="Who decides (default: CTRENDS_REVIEWER).", show_default=False)
]
NoteOpt = Annotated[
    str | None, typer.Option(help="Why: kept with the decision in the audit trail.")
]
KindOpt = Annotated[str | None, typer.Option(help=" | ".join(KINDS))]
PaperOpt = Annotated[str | None, typer.Option(help="arXiv id, optionally with version (…v2).")]
StatusOpt = Annotated[
    str,
    typer.Option(
        help="open (pending or flagged for re-review) | pending | flagged | auto (auto-accepted, "
        "not yet checked) | accepted | rejected | edited | all"
    ),
]


FactsOpt = Annotated[
    bool, typer.Option("--facts", help="Single facts instead of model rows (the old queue).")
]


@review_app.command("next")
def next_(
    benchmark: BenchmarkOpt = None,
    kind: KindOpt = None,
    paper: PaperOpt = None,
    facts: FactsOpt = False,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Show the model row that completes a fit soonest (with --facts: the most important fact)."""
    with session_scope() as session:
        if not facts:
            _rows_only(benchmark=benchmark, kind=kind, fmt=fmt)
            _print_rows([_row_record(e) for e in review_rows.row_queue(session, paper, 1)], fmt)
            return
        where = review.QueueFilter(benchmark=benchmark, kind=kind, paper=paper)
        entry = review.next_fact(session, where)
        if entry is None:
            console.print("the queue is clear")
            return
        _show(entry.fact, fmt, reason=entry.reason)


@review_app.command("list")
def list_(
    status: StatusOpt = "open",
    benchmark: BenchmarkOpt = None,
    kind: KindOpt = None,
    paper: PaperOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows or facts.")] = 50,
    facts: FactsOpt = False,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """List model rows in queue order (with --facts: facts), most important first."""
    with session_scope() as session:
        if not facts:
            open_only = None if status == "open" else status
            _rows_only(fmt, status=open_only, benchmark=benchmark, kind=kind)
            entries = review_rows.row_queue(session, paper=paper, limit=limit)
            _print_rows([_row_record(e) for e in entries], fmt)
            return
        where = review.QueueFilter(status=status, benchmark=benchmark, kind=kind, paper=paper)
        _emit([e.fact for e in review.queue(session, where, limit=limit)], fmt)


def _rows_only(fmt: TableFormat | None = None, **fact_filters: str | None) -> None:
    """Refuse what only the fact view has, in one line, rather than ignore it."""
    given = [f"--{name}" for name, value in fact_filters.items() if value is not None]
    if given:
        verb = "filters" if len(given) == 1 else "filter"
        raise UserError(f"{', '.join(given)} {verb} facts: add --facts")
    if fmt is TableFormat.csv:
        raise UserError("rows print as table or json; add --facts for csv")


@review_app.command("show")
def show(fact_id: FactId, fmt: FormatOpt = TableFormat.table) -> None:
    """Show one fact with its evidence and its audit trail."""
    with session_scope() as session:
        _show(review.get_fact(session, fact_id), fmt)


@review_app.command("accept")
def accept(fact_ids: FactIds, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Accept the facts (for a flagged fact: accept the re-extraction's values); several ids
    are decided together or, when one cannot be, none."""
    _decide_all(review.accept, fact_ids, reviewer, note=note)


@review_app.command("reject")
def reject(fact_ids: FactIds, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Reject the facts: the number is wrong or not this paper's (all or none)."""
    _decide_all(review.reject, fact_ids, reviewer, note=note)


@review_app.command("rows")
def rows(
    paper: PaperOpt = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 20,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """Model rows with pending cells, those that complete a fit soonest first."""
    _rows_only(fmt=fmt)
    with session_scope() as session:
        entries = review_rows.row_queue(session, paper=paper, limit=limit)
        _print_rows([_row_record(e) for e in entries], fmt)


def _print_rows(records: list[dict[str, Any]], fmt: TableFormat) -> None:
    if fmt is TableFormat.json:
        sys.stdout.write(json_text(tidy(records), indent=2) + "\n")
        return
    if not records:
        console.print("no row has a pending cell")
    for record in records:
        console.print(
            f"[bold]row {record['id']}[/] {escape(str(record['paper']))} "
            f"{escape(str(record['model']))}{'' if record['own'] else ' (quoted)'}"
            f"{' on ' + record['benchmark'] if record['benchmark'] else ''} · "
            f"{escape(str(record['reason']))}",
            highlight=False,
        )
        for cell in record["cells"]:
            console.print(
                f"  {cell['field']:<18} fact {cell['fact_id']:<6} "
                f"{cell['status'] + (' (auto)' if cell['auto'] else ''):<15} "
                f"{fact_value(cell['value'], cell['unit'])} · {cell['link']} · p.{cell['page']}: "
                f"{(cell['evidence'] or '')[:90]}",
                markup=False,
                highlight=False,
            )


RowId = Annotated[int, typer.Argument(help="The row's id (the `id` of `review rows`).")]
RowIds = Annotated[list[int], typer.Argument(help="One or more row ids (`review rows`).")]


@review_app.command("accept-row")
def accept_row(
    row_id: RowId,
    pick: Annotated[
        list[int] | None,
        typer.Option(help="A fact of the row to take instead of its field's proposal."),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(help="A field none of whose cells is right: its pending cells are rejected."),
    ] = None,
    note: NoteOpt = None,
    reviewer: ReviewerOpt = None,
) -> None:
    """Accept a row: each field's proposed (or picked) cell still pending; dropped fields'
    cells are rejected (one event per fact, one row event)."""
    with session_scope() as session:
        events = row_decisions.accept_row(
            session, row_id, _who(reviewer), note=note, pick=pick or [], drop=drop or []
        )
        for event in events:
            _report(event)


@review_app.command("reject-row")
def reject_row(row_ids: RowIds, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Reject rows (not this paper's model / not a result) and their pending cells' facts."""
    with session_scope() as session:
        for row_id in row_ids:
            events = row_decisions.reject_row(session, row_id, _who(reviewer), note=note)
            ids = ", ".join(str(e.fact_id) for e in events) or "none"
            console.print(f"rejected row {row_id}; facts rejected: {ids}", highlight=False)


@review_app.command("move")
def move(
    fact_id: FactId,
    to: Annotated[int, typer.Option(help="The row the fact belongs to.")],
    note: NoteOpt = None,
    reviewer: ReviewerOpt = None,
) -> None:
    """Move a fact (a row cell) to another row of its paper; re-extraction keeps it there."""
    with session_scope() as session:
        row_decisions.move(session, fact_id, to, _who(reviewer), note=note)
    console.print(f"moved fact {fact_id} to row {to}", highlight=False)


@review_app.command("merge-rows")
def merge_rows(
    into: RowId,
    other: Annotated[int, typer.Argument(help="The row merged into the first one.")],
    note: NoteOpt = None,
    reviewer: ReviewerOpt = None,
) -> None:
    """Two rows are one model: the second's cells join the first (re-extraction keeps it)."""
    with session_scope() as session:
        row_decisions.merge_rows(session, into, other, _who(reviewer), note=note)
    console.print(f"merged row {other} into row {into}", highlight=False)


@review_app.command("undo-row")
def undo_row(row_id: RowId, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Take back the row's latest decision: its automatic (zero-touch) acceptances if it has
    any standing, one undo per fact; else its latest row decision (recorded as a new event)."""
    with session_scope() as session:
        if zerotouch.accepted_automatically(session, row_id):
            events = zerotouch.undo_automatic_row(session, row_id, _who(reviewer), note=note)
            ids = ", ".join(str(e.fact_id) for e in events)
            console.print(
                f"undid the automatic acceptance of facts {ids} of row {row_id}", highlight=False
            )
            return
        event = row_decisions.undo_row(session, row_id, _who(reviewer), note=note)
        status = event.row.status
    console.print(f"undid the last row decision on row {row_id}, now {status}", highlight=False)


@review_app.command("edit")
def edit(
    fact_id: FactId,
    value: Annotated[str | None, typer.Option(help="The value as the paper prints it.")] = None,
    unit: Annotated[str | None, typer.Option(help="Its unit (kept when not given).")] = None,
    model: Annotated[str | None, typer.Option(help="The model name (re-links the row).")] = None,
    benchmark: Annotated[str | None, typer.Option(help="A benchmark of the vocabulary.")] = None,
    metric: Annotated[str | None, typer.Option(help="A metric of that benchmark.")] = None,
    note: NoteOpt = None,
    reviewer: ReviewerOpt = None,
) -> None:
    """Accept with a corrected value, unit, model, benchmark or metric (normalized values are
    re-derived; a corrected model moves the fact to that model's row)."""
    labels = review.Labels(model=model, benchmark=benchmark, metric=metric)
    with session_scope() as session:
        _report(review.edit(session, fact_id, _who(reviewer), value, unit, note, labels))


@review_app.command("keep")
def keep(fact_id: FactId, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Resolve a re-review flag by keeping the earlier decision, dropping the new values."""
    _decide(review.keep, fact_id, reviewer, note=note)


@review_app.command("undo")
def undo(fact_id: FactId, note: NoteOpt = None, reviewer: ReviewerOpt = None) -> None:
    """Take back the fact's latest decision (recorded as a new event)."""
    _decide(review.undo, fact_id, reviewer, note=note)


@review_app.command("bulk-accept")
def bulk_accept(
    min_confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="Threshold, 0..1.")],
    benchmark: BenchmarkOpt = None,
    facts: Annotated[
        bool, typer.Option("--facts", help="Accept loose facts by their own confidence instead.")
    ] = False,
    reviewer: ReviewerOpt = None,
) -> None:
    """Accept every row whose row confidence (score x best compute) is at or above a threshold:
    its pending proposed cells (flagged facts are left alone). With --facts: pending facts."""
    who = _who(reviewer)
    with session_scope() as session:
        if facts:
            events = review.bulk_accept(session, who, min_confidence, benchmark=benchmark)
            what = f"{len(events)} facts"
        else:
            by_row = zerotouch.bulk_accept_rows(session, who, min_confidence, benchmark)
            what = f"{sum(map(len, by_row.values()))} facts of {len(by_row)} rows"
    console.print(f"accepted {what} as {who}", highlight=False)


@review_app.command("audit")
def audit(
    sample: Annotated[int, typer.Option(min=1, help="How many auto-accepted facts to draw.")],
    benchmark: BenchmarkOpt = None,
    seed: Annotated[int | None, typer.Option(help="Make the draw repeatable.")] = None,
    fmt: FormatOpt = TableFormat.table,
) -> None:
    """List the rows accepted with no human, then draw auto-accepted facts for a human check
    (accept or reject them by id; `review undo ID` takes an automatic acceptance back)."""
    with session_scope() as session:
        rows = [_row_record(entry) for entry in zerotouch.automatic_rows(session)]
        facts = review.audit_sample(session, sample, benchmark=benchmark, seed=seed)
        if fmt is TableFormat.json:
            records = {"rows": rows, "facts": [fact_to_dict(f) for f in facts]}
            sys.stdout.write(json_text(tidy(records), indent=2) + "\n")
            return
        if fmt is TableFormat.table:
            console.print(f"{len(rows)} rows rest on automatic acceptances", highlight=False)
            _print_rows(rows, fmt)
        _emit(facts, fmt)


def _who(reviewer: str | None) -> str:
    return reviewer or get_settings().reviewer or ""


def _decide_all(
    action: Callable[..., ReviewEvent],
    fact_ids: list[int],
    reviewer: str | None,
    **kwargs: str | None,
) -> None:
    """Decide every id in one transaction: a refused one leaves all of them as they were."""
    with session_scope() as session:
        events = [action(session, fact_id, _who(reviewer), **kwargs) for fact_id in fact_ids]
        for event in events:
            _report(event)


def _report(event: ReviewEvent) -> None:
    fact = event.fact
    console.print(
        f"{_DONE[event.action]} fact {fact.id}, now {fact.status} "
        f"({_label(fact)}: {_value(fact)}) as {event.reviewer}",
        markup=False,
        highlight=False,
    )


def _row_record(entry: review_rows.RowEntry) -> dict[str, object]:
    row = entry.row
    proposed = {cell.id for cell in entry.proposal.values()}
    return {
        "id": row.id,
        "paper": review.paper_label(row.paper),
        "model": row.model,
        "benchmark": entry.benchmark,
        "aliases": row.aliases,
        "own": row.own,
        "reason": entry.reason,
        "cells": [
            {
                "field": c.field,
                "fact_id": c.fact_id,
                "status": c.fact.status,
                "auto": c.fact.auto_accepted,
                "proposed": c.id in proposed,
                "value": c.fact.value,
                "unit": c.fact.unit,
                "link": c.link,
                "page": c.fact.page,
                "evidence": c.fact.evidence,
            }
            for c in sorted(row.cells, key=lambda c: (c.id not in proposed, c.field))
        ],
    }


def _decide(
    action: Callable[..., ReviewEvent], fact_id: int, reviewer: str | None, **kwargs: str | None
) -> None:
    with session_scope() as session:
        _report(action(session, fact_id, _who(reviewer), **kwargs))


_DONE = {
    "accept": "accepted",
    "reject": "rejected",
    "edit": "edited",
    "keep": "kept",
    "undo": "undid the last decision on",
}


def _emit(facts: Sequence[Fact], fmt: TableFormat) -> None:
    rows = [fact_to_dict(f) for f in facts]
    if fmt is TableFormat.json:
        sys.stdout.write(json_text(tidy(rows), indent=2) + "\n")
    elif fmt is TableFormat.csv:
        write_csv(rows, sys.stdout, FACT_FIELDS)
    else:
        table = Table("id", "status", "paper", "kind", "what", "value", "conf", "page")
        for f in facts:
            status = f.status + (" (flagged)" if f.needs_rereview else "")
            status += " (auto)" if f.auto_accepted else ""
            cells = (
                str(f.id),
                status,
                review.paper_label(f.paper),
                f.kind,
                _label(f),
                _value(f),
                f"{f.confidence:.2f}",
                str(f.page or ""),
            )
            table.add_row(*(Text(cell) for cell in cells))  # PDF text is not rich markup
        console.print(table)


def _show(fact: Fact, fmt: TableFormat, reason: str = "") -> None:
    if fmt is not TableFormat.table:
        _emit([fact], fmt)
        return
    console.print(
        f"[bold]fact {fact.id}[/] · {fact.status}"
        + (" · [yellow]flagged for re-review[/]" if fact.needs_rereview else "")
        + (" · auto-accepted" if fact.auto_accepted else "")
        + (f" · {reason}" if reason else "")
    )
    paper = fact.paper
    console.print(f"paper    {review.paper_label(paper)} {paper.title or ''}", markup=False)
    console.print(f"what     {fact.kind} · {_label(fact)}", markup=False)
    console.print(f"value    {_value(fact)}", markup=False)
    if fact.proposed:
        proposed = fact.proposed
        shown = fact_value(proposed.get("value"), proposed.get("unit"), proposed.get("error"))
        console.print(f"proposed {shown}", markup=False)
    console.print(f"page     {fact.page}  confidence {fact.confidence:.2f}", markup=False)
    console.print(f"evidence {fact.evidence or ''}", markup=False, highlight=False)
    console.print(
        f"source   {fact.extractor}@{fact.extractor_version} {fact.rule or ''}", markup=False
    )
    for event in fact.events:
        note = f" — {event.note}" if event.note else ""
        console.print(
            f"  {event.created_at:%Y-%m-%d %H:%M} {event.reviewer}: {event.action}{note}",
            markup=False,
            highlight=False,
        )


def _value(fact: Fact) -> str:
    return fact_value(fact.value, fact.unit, fact.error)


def _label(fact: Fact) -> str:
    parts = [fact.benchmark, fact.metric, fact.model, fact.accelerator]
    return " ".join(p for p in parts if p) or "-"
