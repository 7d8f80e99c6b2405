"""``ctrends eval``: measure the extractors on a gold corpus (see :mod:`pipeline.evaluate`)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from pipeline.cli.app import app
from pipeline.errors import UserError
from pipeline.evaluate import Evaluation, GoldError, evaluate, extract_into_database, load_gold
from pipeline.evaluate_rows import ZERO_TOUCH_FIT, RowEvaluation, authors_rows, evaluate_rows

console = Console()


@app.command("eval")
def eval_command(
    corpus: Annotated[
        Path, typer.Option(help="Corpus directory with pdfs/ and gold.jsonl.", file_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
    misses: Annotated[int, typer.Option(help="List at most this many misses (text).")] = 40,
    authors: Annotated[
        Path | None,
        typer.Option(
            help="The FutureTech dataset directory, to check network operations against the "
            "authors' net_ops.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Ingest and extract CORPUS into a throw-away database and score the facts against gold,
    then the model rows under a simulated perfect curator."""
    try:
        gold = load_gold(corpus)
        with tempfile.TemporaryDirectory(prefix="ctrends-eval-") as tmp:
            url = f"sqlite:///{Path(tmp) / 'eval.db'}"
            facts, failures = extract_into_database(corpus, url)
            rows = evaluate_rows(gold, url, authors_rows(authors, set(gold)))
    except GoldError as exc:
        raise UserError(str(exc)) from exc
    result = evaluate(gold, facts)
    if as_json:
        report = {**result.to_dict(), "rows": rows.to_dict(), "failures": failures}
        typer.echo(json.dumps(report, indent=2))
        return
    _print(result, failures, misses)
    _print_rows(rows)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print(result: Evaluation, failures: dict[str, str], max_misses: int) -> None:
    table = Table(title=f"Recall on {result.papers} papers")
    for column in ("field", "found", "total", "recall"):
        table.add_column(column, justify="left" if column == "field" else "right")
    rows: list[tuple[str, Any]] = [(name, s) for name, s in result.fields.items()]
    rows += [(f"  results {name}", s) for name, s in result.results_by_benchmark.items()]
    rows += [(f"  results {name}", s) for name, s in result.results_by_metric.items()]
    for name, score in rows:
        table.add_row(name, str(score.found), str(score.total), _pct(score.recall))
    console.print(table)
    console.print(
        f"benchmark detection: precision {_pct(result.benchmark_precision)}, "
        f"recall {_pct(result.benchmark_recall)}; headline accuracy "
        f"{result.headline.found}/{result.headline.total} ({_pct(result.headline.recall)})"
    )
    per_paper = ", ".join(
        f"{kind} {c['mean']:.1f} (median {c['median']:g}, max {c['max']})"
        for kind, c in result.candidates_per_paper.items()
    )
    console.print(f"candidates per paper: {per_paper}")
    for pid, reason in sorted(failures.items()):
        console.print(f"[red]failed[/] {pid}: {reason}", highlight=False)
    shown = result.misses[:max_misses]
    if shown:
        console.print(f"misses ({len(shown)} of {len(result.misses)}):")
    for miss in shown:
        where = f" {miss.benchmark}/{miss.metric}" if miss.benchmark else ""
        console.print(
            f"  {miss.arxiv_id} {miss.field}{where}: {miss.expected} ({miss.model})",
            highlight=False,
        )


def _print_rows(rows: RowEvaluation) -> None:
    table = Table(title=f"Model rows: {rows.gold_rows} gold rows, simulated perfect curator")
    for column in ("figure", "found", "total", "ratio"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    figures = [("recovered as rows", rows.recovered_as_rows), ("observed", rows.observed)]
    figures += [(f"  linked {name}", ratio) for name, ratio in rows.linked.items()]
    figures += [("network operations within 10% of authors", rows.net_ops_vs_authors)]
    for name, ratio in figures:
        table.add_row(name, str(ratio.found), str(ratio.total), _pct(ratio.ratio))
    console.print(table)
    decisions = rows.to_dict()["decisions_per_gold_row"]
    console.print(
        f"review decisions per gold row (rejects + one accept-row): median "
        f"{decisions['median']} over {decisions['rows']} rows",
        highlight=False,
    )
    for name, fit in rows.fits.items():
        ours, gold = fit["extracted"], fit["gold"]
        console.print(
            f"poly fit {name}: extracted slope {ours['slope']} (N {ours['n']}), "
            f"gold rows {gold['slope']} (N {gold['n']})",
            highlight=False,
        )
    for zero in rows.zero_touch:
        fit = zero.fit or {"extracted": {"slope": None, "n": 0}, "gold": {"slope": None, "n": 0}}
        console.print(
            f"zero-touch at {zero.threshold:g}: {zero.rows} rows with a score and compute; "
            f"cover {zero.coverage.found}/{zero.coverage.total} gold rows with compute "
            f"({_pct(zero.coverage.ratio)}), {zero.correct.found} with their own compute; "
            f"{ZERO_TOUCH_FIT} slope {fit['extracted']['slope']} (N {fit['extracted']['n']}) vs "
            f"gold rows {fit['gold']['slope']} (N {fit['gold']['n']})",
            highlight=False,
        )
