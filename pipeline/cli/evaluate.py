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

console = Console()


@app.command("eval")
def eval_command(
    corpus: Annotated[
        Path, typer.Option(help="Corpus directory with pdfs/ and gold.jsonl.", file_okay=False)
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the evaluation as JSON.")] = False,
    misses: Annotated[int, typer.Option(help="List at most this many misses (text).")] = 40,
) -> None:
    """Ingest and extract CORPUS into a throw-away database and score the facts against gold."""
    try:
        gold = load_gold(corpus)
        with tempfile.TemporaryDirectory(prefix="ctrends-eval-") as tmp:
            facts, failures = extract_into_database(corpus, f"sqlite:///{Path(tmp) / 'eval.db'}")
    except GoldError as exc:
        raise UserError(str(exc)) from exc
    result = evaluate(gold, facts)
    if as_json:
        typer.echo(json.dumps({**result.to_dict(), "failures": failures}, indent=2))
        return
    _print(result, failures, misses)


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
