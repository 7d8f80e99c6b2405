"""``ctrends eval``: measure the extractors on a gold corpus (see :mod:`pipeline.evaluate`);
``ctrends train-confidence``: train the learned confidences on gold corpora, of result facts
(:mod:`pipeline.confidence_model`) and of model rows (:mod:`pipeline.row_model`)."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from db.session import session_scope
from extractors import ranking, row_confidence
from pipeline import confidence_model, row_model
from pipeline.cli.app import app
from pipeline.errors import UserError
from pipeline.evaluate import (
    Evaluation,
    Fact,
    GoldError,
    evaluate,
    extract_into_database,
    load_gold,
)
from pipeline.evaluate_rows import RowEvaluation, ZeroTouch, authors_rows, evaluate_rows
from pipeline.hand_labels import HandLabel, HandLabelError
from pipeline.row_model import RowConfidenceReport

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
    unlabelled: Annotated[
        Path | None,
        typer.Option(
            help="Write the result facts that no hand label judges and that are at >= "
            "--unlabelled-at in any confidence column (rules, in-sample, CV, right-as-stored CV) "
            "to this JSONL: "
            "what to label next (tests/data/hand-labels/README.md).",
            dir_okay=False,
        ),
    ] = None,
    unlabelled_rows: Annotated[
        Path | None,
        typer.Option(
            help="Write the model rows with a FLOPs cell that neither gold nor a hand label "
            "judges and that are at >= --unlabelled-at in the row model's in-sample or CV "
            "column to this JSONL, each with the score and FLOPs facts to label "
            "(tests/data/hand-labels/README.md).",
            dir_okay=False,
        ),
    ] = None,
    unlabelled_at: Annotated[
        float,
        typer.Option(help="The confidence from which --unlabelled (-rows) lists facts (rows)."),
    ] = 0.7,
) -> None:
    """Ingest and extract CORPUS into a throw-away database and score the facts against gold,
    then the model rows under a simulated perfect curator."""
    try:
        gold = load_gold(corpus)
        labels = confidence_model.corpus_labels(corpus)
        with tempfile.TemporaryDirectory(prefix="ctrends-eval-") as tmp:
            database = Path(tmp) / "eval.db"
            url = f"sqlite:///{database}"
            facts, failures = extract_into_database(corpus, url)
            # first, on the unreviewed database (its sweeps run on copies); the perfect curator
            # of evaluate_rows then reviews it
            row_report = row_model.report(
                gold, facts, database, row_confidence.load_row_model(), labels
            )
            rows = evaluate_rows(gold, url, authors_rows(authors, set(gold)), labels)
    except (GoldError, HandLabelError) as exc:
        raise UserError(str(exc)) from exc
    result = evaluate(gold, facts)
    model = ranking.load_model(ranking.MODEL_PATH)
    learned = confidence_model.report(gold, facts, model, labels)
    if unlabelled and learned:
        _write_jsonl(unlabelled, learned.unlabelled(unlabelled_at))
    if unlabelled_rows:
        _write_jsonl(unlabelled_rows, row_report.unlabelled(unlabelled_at) if row_report else [])
    if as_json:
        report = {**result.to_dict(), "rows": rows.to_dict(), "failures": failures}
        report["confidence"] = learned.to_dict() if learned else None
        report["row_confidence"] = row_report.to_dict() if row_report else None
        typer.echo(json.dumps(report, indent=2))
        return
    _print(result, failures, misses)
    _print_rows(rows, row_report)
    if learned:
        _print_confidence(learned)


@app.command("train-confidence")
def train_confidence_command(
    corpus: Annotated[
        list[Path] | None,
        typer.Option(
            help="Gold corpus directory (repeatable); default ../shared/corpus/dev.",
            file_okay=False,
        ),
    ] = None,
    output: Annotated[
        Path, typer.Option(help="Where to write the result model JSON.", dir_okay=False)
    ] = ranking.MODEL_PATH,
    right_output: Annotated[
        Path,
        typer.Option(help="Where to write the right-as-stored result model JSON.", dir_okay=False),
    ] = ranking.RIGHT_MODEL_PATH,
    rows_output: Annotated[
        Path, typer.Option(help="Where to write the row model JSON.", dir_okay=False)
    ] = row_confidence.ROW_MODEL_PATH,
) -> None:
    """Extract the gold corpora, label their result candidates against gold and the corpus's
    hand labels (tests/data/hand-labels/<corpus name>.jsonl) and their model rows against the
    gold rows and the labels, and write the three calibrated models: result facts' headline
    and right-as-stored probabilities (extraction reads them: re-extract afterwards) and
    rows' (zero-touch reads it)."""
    corpora = corpus or [Path("../shared/corpus/dev")]
    gold: dict[str, Any] = {}
    facts: dict[str, list[Fact]] = {}
    labels: list[HandLabel] = []
    rows = []
    try:
        for path in corpora:
            corpus_gold = load_gold(path)
            gold.update(corpus_gold)
            corpus_labels = confidence_model.corpus_labels(path)
            labels += corpus_labels
            with tempfile.TemporaryDirectory(prefix="ctrends-train-") as tmp:
                url = f"sqlite:///{Path(tmp) / 't.db'}"
                found, _failures = extract_into_database(path, url)
                with session_scope(url) as session:
                    rows.append(row_model.row_dataset(session, corpus_gold, corpus_labels))
            facts.update(found)
        results = confidence_model.dataset(gold, facts, labels)
        model = confidence_model.fit(results)
        right = confidence_model.fit(results.every_label())
        rows_model = row_model.fit(results, row_model.concatenate(rows))
    except (GoldError, ValueError) as exc:
        raise UserError(str(exc)) from exc
    written = ((output, model, "candidates"), (right_output, right, "candidates"),
               (rows_output, rows_model, "rows"))  # fmt: skip
    for path, trained, what in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(trained.to_json(), indent=1, sort_keys=True) + "\n")
        meta = trained.meta
        console.print(
            f"wrote {path}: {meta['candidates']} {what} ({meta['positives']} right) from "
            f"{meta['papers']} papers, data sha256 {meta['training_data_sha256'][:12]}",
            highlight=False,
        )
    ranking.load_model.cache_clear()


def _write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    path.write_text(
        "".join(f"{json.dumps(r, ensure_ascii=False)}\n" for r in records), encoding="utf-8"
    )


def _count(value: float | str) -> str:
    """A count, or a mean of counts over partitions (one decimal when it is not whole)."""
    if isinstance(value, str) or float(value).is_integer():
        return str(value if isinstance(value, str) else int(value))
    return f"{value:.1f}"


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


def _print_rows(rows: RowEvaluation, row_report: RowConfidenceReport | None) -> None:
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
        f"review decisions per gold row (one accept-row + a --pick or --drop per wrongly "
        f"proposed field): median {decisions['median']} over {decisions['rows']} rows; "
        f"picks or drops by field: {decisions['picks_or_drops_by_field']}; proposed epochs "
        f"and training-set cells judged by: "
        + ", ".join(f"{judge} {n}" for judge, n in decisions["size_cells_judged_by"].items()),
        highlight=False,
    )
    for name, fit in rows.fits.items():
        ours, gold = fit["extracted"], fit["gold"]
        console.print(
            f"poly fit {name}: extracted slope {ours['slope']} (N {ours['n']}), "
            f"gold rows {gold['slope']} (N {gold['n']})",
            highlight=False,
        )
    sweeps = [("in-sample", rows.zero_touch)]
    if row_report:
        sweeps.append(("cross-validated", row_report.zero_touch))
    for name, sweep in sweeps:
        for zero in sweep:
            _print_zero_touch(name, zero)
    if row_report:
        console.print(
            f"cross-validated zero-touch: means over {len(row_report.by_partition)} partitions "
            "of the papers; at 0.9 by partition, gold rows covered "
            + " ".join(_count(z.coverage.found) for z in row_report.by_partition),
            highlight=False,
        )
        _print_row_reliability(row_report)


def _print_zero_touch(name: str, zero: ZeroTouch) -> None:
    fits = "; ".join(
        f"{measure} slope {fit['extracted']['slope']} (N {fit['extracted']['n']}) vs gold rows "
        f"{fit['gold']['slope']} (N {fit['gold']['n']})"
        for measure, fit in zero.fits.items()
        if fit["extracted"]["n"]
    )
    console.print(
        f"zero-touch at {zero.threshold:g} ({name} row confidences): {_count(zero.rows)} rows "
        f"with a score and compute; cover {_count(zero.coverage.found)}/"
        f"{_count(zero.coverage.total)} gold rows with compute ({_pct(zero.coverage.ratio)}), "
        f"{_count(zero.correct.found)} with their own compute"
        f"{'; ' + fits if fits else '; no FLOPs fit'}",
        highlight=False,
    )


def _print_row_reliability(report: RowConfidenceReport) -> None:
    table = Table(
        title=f"Row confidence reliability: {report.rows} rows with a score and compute, "
        f"{report.right} right data points of a gold row (a lower bound)"
    )
    for column in ("confidence", "in-sample n", "in-sample right", "CV n", "CV right"):
        table.add_column(column, justify="left" if column == "confidence" else "right")
    ins = report.in_sample or [{"n": "-", "right": None}] * len(report.cross_validated)
    for mine, cv in zip(ins, report.cross_validated, strict=True):
        table.add_row(
            cv["bin"], _count(mine["n"]), _pct(mine["right"]), _count(cv["n"]), _pct(cv["right"])
        )
    console.print(table)


def _print_confidence(learned: confidence_model.ConfidenceReport) -> None:
    table = Table(title="Learned confidence (result facts): in-sample vs paper-grouped CV")
    for column in ("figure", "rules", "in-sample", "cross-validated", "gap"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    figures = {"rules": learned.rules, "in": learned.in_sample, "cv": learned.cross_validated}
    for name, get in (
        ("headline accuracy", lambda f: f.headline_accuracy),
        (f"precision at >= {confidence_model.CONFIDENT}", lambda f: f.precision_at_confident),
    ):
        ins, cv = get(figures["in"]), get(figures["cv"])
        gap = None if ins is None or cv is None else ins - cv
        table.add_row(name, _pct(get(figures["rules"])), _pct(ins), _pct(cv), _pct(gap))
    for name, get in (
        ("headline", lambda f: f"{_count(f.headline_correct)}/{_count(f.headline_total)}"),
        (
            f"facts at >= {confidence_model.CONFIDENT}",
            lambda f: f"{_count(f.confident_right)}/{_count(f.confident)}",
        ),
        (
            f"labelled at >= {confidence_model.CONFIDENT}: right/n of N",
            lambda f: (
                f"{_count(f.hand_confident_right)}/{_count(f.hand_confident)} of "
                f"{_count(f.confident)}"
            ),
        ),
    ):
        table.add_row(name, get(figures["rules"]), get(figures["in"]), get(figures["cv"]), "")
    console.print(table)
    console.print(
        f"cross-validated: means over {len(learned.by_partition)} partitions of the papers; "
        "by partition, headline "
        + " ".join(_count(f.headline_correct) for f in learned.by_partition)
        + f" of {_count(learned.cross_validated.headline_total)}, right at >= "
        f"{confidence_model.CONFIDENT} "
        + " ".join(
            f"{_count(f.confident_right)}/{_count(f.confident)}" for f in learned.by_partition
        ),
        highlight=False,
    )
    _print_reliability(
        "Reliability (fraction of the bin's candidates right: hand label, else gold)",
        learned, lambda f: f.reliability,
    )  # fmt: skip
    _print_reliability(
        "Reliability of the hand-labelled candidates alone (right by their label)",
        learned, lambda f: f.hand_reliability,
    )  # fmt: skip
    right = learned.right
    bins = " ".join(_pct(b["right"]) for b in right.reliability)
    console.print(
        f"right-as-stored probability (cross-validated; model rows read it): hand-labelled at "
        f">= {confidence_model.CONFIDENT} {_count(right.hand_confident_right)}/"
        f"{_count(right.hand_confident)} of {_count(right.confident)}; reliability by bin {bins}",
        highlight=False,
    )


def _print_reliability(
    title: str,
    learned: confidence_model.ConfidenceReport,
    table_of: Callable[[confidence_model.Figures], list[dict[str, Any]]],
) -> None:
    """One reliability table, the rules', in-sample and CV bins side by side."""
    table = Table(title=title)
    for column in ("confidence", "rules n", "rules right", "in-sample n", "in-sample right",
                   "CV n", "CV right"):  # fmt: skip
        table.add_column(column, justify="left" if column == "confidence" else "right")
    columns = (learned.rules, learned.in_sample, learned.cross_validated)
    for rule, ins, cv in zip(*(table_of(f) for f in columns), strict=True):
        cells = [x for b in (rule, ins, cv) for x in (_count(b["n"]), _pct(b["right"]))]
        table.add_row(rule["bin"], *cells)
    console.print(table)
