"""Analysis commands: ``fit``, ``trends [summary]|latest|history|data|extrapolate|plot|backtest|
crosscheck`` and ``import futuretech|epoch``. Each parses options and calls ``pipeline.analysis``.

Every trends command reads one source per benchmark: ``--source`` when given, else the one rule
of :func:`pipeline.analysis.sources.default_source`, and says which (table caption, and the
``observation_source`` of every JSON record). Options with a fixed set of values take only those
values (a typo is a one-line error), and an empty answer is an error that says why.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from db.session import session_scope
from extractors.facts import BENCHMARKS
from pipeline.analysis.forms import FORMS
from pipeline.analysis.points import MEASURES
from pipeline.analysis.queries import example_fit_key
from pipeline.analysis.sources import DEFAULT_SOURCE_RULE, SOURCES
from pipeline.analysis.spec import VARIANTS
from pipeline.cli.app import app
from pipeline.cli.core import ensure_schema
from pipeline.cli.options import BenchmarkOpt, FormatOpt, TableFormat, vocabulary_option
from pipeline.config import get_settings
from pipeline.display import number, tidy
from pipeline.errors import UserError

trends_app = typer.Typer(
    help="The fitted trends. Without a subcommand: the summary (the headline fit per benchmark, "
    "every source side by side). Then: latest fits, history, data, extrapolation, plots, "
    "backtests, cross-checks.",
    invoke_without_command=True,
)
import_app = typer.Typer(
    help="Load curated datasets (FutureTech, Epoch) as observations.", no_args_is_help=True
)
app.add_typer(trends_app, name="trends")
app.add_typer(import_app, name="import")

ALL = "all"
SOURCE_HELP = f"Observation source (default: {DEFAULT_SOURCE_RULE})."
SourceOpt = Annotated[str | None, vocabulary_option("source", SOURCES, SOURCE_HELP)]
MeasureOpt = Annotated[
    str | None, vocabulary_option("measure", MEASURES, "Compute measure (default: all).")
]
VariantOpt = Annotated[str, vocabulary_option("variant", VARIANTS)]
FormOpt = Annotated[str | None, vocabulary_option("form", tuple(FORMS), "Only this form.")]
YearOpt = Annotated[
    int | None,
    typer.Option(min=1900, max=2200, help="Year at which to evaluate year-controlled fits."),
]
Cell = Callable[[dict[str, Any]], str]


@app.command()
def fit(
    source: Annotated[
        list[str] | None, vocabulary_option("source", SOURCES, "Only these sources (repeatable).")
    ] = None,
    benchmark: BenchmarkOpt = None,
    form: Annotated[
        list[str], vocabulary_option("form", tuple(FORMS), "Forms to fit (repeatable).")
    ] = ["poly", "exp"],  # noqa: B006 (typer reads the default, never mutates it)
) -> None:
    """Rebuild observations from curated facts and fit every trend with enough data (first
    accepting the rows at or above `CTRENDS_AUTO_ACCEPT`, when it is set)."""
    from pipeline.analysis.fit import run_fits

    ensure_schema()
    with session_scope() as session:
        run = run_fits(
            session,
            sources=source,
            forms=form,
            benchmark=benchmark,
            progress=True,
            auto_accept=get_settings().auto_accept_confidence,
        )
        summary = run.summary()
    console = Console(soft_wrap=True)
    console.print(
        f"run {summary['run_id']}: {summary['fits']} fits ({summary['new_fits']} new), "
        f"{summary['skipped']} skipped for lack of data; extracted observations: "
        f"{summary['extracted_observations']}",
        highlight=False,
    )
    if run.auto_accepted_facts:
        console.print(
            f"zero-touch: accepted {run.auto_accepted_facts} facts of rows at or above "
            f"{get_settings().auto_accept_confidence:g}; check them with `ctrends review audit`",
            highlight=False,
        )
    for flag in run.drift:
        console.print(f"[yellow]drift[/] {escape(flag)}", highlight=False)
    if run.no_extracted_fit:
        console.print(f"[yellow]{escape(run.no_extracted_fit)}[/]", highlight=False)
    console.print("the answer: `ctrends trends`", highlight=False)


@trends_app.callback()
def trends_root(ctx: typer.Context) -> None:
    """Without a subcommand, print the summary."""
    if ctx.invoked_subcommand is None:
        summary(benchmark=None, source=None, format=TableFormat.table)


@trends_app.command("summary")
def summary(
    benchmark: BenchmarkOpt = None,
    source: SourceOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """The answer first: each benchmark's headline fit, every source side by side.

    The headline is poly, hardware burden, OLS (the authors' fit): slope with its 95% CI, R², N,
    years, the source it rests on, the same fit from every other source, a plain reading and
    warnings."""
    from pipeline.analysis.summary import benchmark_summaries

    with session_scope() as session:
        found = benchmark_summaries(session, benchmark, source)
        if not found:
            raise UserError(
                "no observations with an error rate yet: `ctrends import futuretech DIR`, or "
                "review facts, then `ctrends fit`"
            )
        records = [s.as_dict() for s in found]
    if format is not TableFormat.table:
        rows = [
            {"benchmark": r["benchmark"], "source_rule": r["source_rule"], "reading": r["reading"],
             "headline": fit is r["headline"], **fit}
            for r in records
            for fit in _fits(r)
        ]  # fmt: skip
        _write(records if format is TableFormat.json else rows, format, SUMMARY_CSV)
        return
    console = _console()
    for record in records:
        _print_summary(console, record)


SUMMARY_CSV = (
    "benchmark", "observation_source", "headline", "key", "slope", "slope_ci95", "r_squared",
    "n", "first_year", "last_year", "compute_per_halving", "reading", "source_rule",
)  # fmt: skip


def _fits(record: dict[str, Any]) -> list[dict[str, Any]]:
    """A summary's fits: the headline (when there is one) first, then the other sources."""
    return ([record["headline"]] if record["headline"] else []) + record["other_sources"]


def _print_summary(console: Console, record: dict[str, Any]) -> None:
    fits = _fits(record)
    key = record["headline"]["key"] if record["headline"] else "-"
    table = _table(
        f"{record['benchmark']}: log10(error) ~ log10({record['measure']}), "
        f"{record['form']} {record['variant']}",
        [
            ("source", lambda r: r["observation_source"]
             + (" *" if r["observation_source"] == record["observation_source"] else "")),
            ("slope", lambda r: number(r["slope"])),
            ("95% CI", lambda r: _interval(r["slope_ci95"])),
            ("R²", lambda r: number(r["r_squared"])),
            ("N", lambda r: str(r["n"])),
            ("years", lambda r: _years(r)),
            ("x per halving", lambda r: _factor(r["compute_per_halving"])),
        ],
        fits,
        caption=f"* {record['observation_source']}: "
        + ("asked with --source" if record["source_rule"] == "--source"
           else f"default, {record['source_rule']}")
        + f"; key {key}",
    )  # fmt: skip
    console.print(table)
    console.print(f"  reading: {escape(record['reading'])}", highlight=False)
    for warning in record["warnings"]:
        console.print(f"  [yellow]warning[/]: {escape(warning)}", highlight=False)
    console.print()


def _interval(ci: Sequence[float | None] | None) -> str:
    if not ci or ci[0] is None or ci[1] is None:
        return "n/a"
    return f"[{number(ci[0])}, {number(ci[1])}]"


def _years(row: dict[str, Any]) -> str:
    first, last = row.get("first_year"), row.get("last_year")
    return f"{first}-{last}" if first else ""


def _factor(value: float | None) -> str:
    return "" if value is None else f"{number(value)}x"


def _plus_minus(row: dict[str, Any]) -> str:
    """slope ± the half-width of its 95% CI (OLS and quantile intervals are symmetric)."""
    ci = row.get("slope_ci95")
    if not ci or ci[0] is None or ci[1] is None:
        return f"{number(row['slope'])} (no CI)"
    return f"{number(row['slope'])} ± {number((ci[1] - ci[0]) / 2, 2)}"


def _kind(row: dict[str, Any]) -> str:
    return f"{row['compute_measure']} {row['form']} {row['variant']}"


LATEST_COLUMNS: list[tuple[str, Cell]] = [
    ("benchmark", lambda r: r["benchmark"]),
    ("source", lambda r: r["observation_source"]),
    ("measure form variant", _kind),
    ("slope ± 95% CI", _plus_minus),
    ("R²", lambda r: number(r["r_squared"])),
    ("N", lambda r: str(r["n"]) + (f" ({r['automatic_n']} auto)" if r["automatic_n"] else "")),
    ("id", lambda r: str(r["id"])),
]
LATEST_CSV = (
    "benchmark", "metric", "compute_measure", "form", "variant", "slope", "intercept",
    "r_squared", "n", "automatic_n", "fitted_at", "observation_source", "slope_ci95", "key", "id",
)  # fmt: skip
KEY_CAPTION = "key for `trends data`: benchmark/measure/form/variant/source"


@trends_app.command("latest")
def latest(
    benchmark: BenchmarkOpt = None,
    source: Annotated[
        str | None,
        vocabulary_option(
            "source",
            (*SOURCES, ALL),
            f"Observation source, or {ALL} (default: {DEFAULT_SOURCE_RULE}).",
        ),
    ] = None,
    variant: Annotated[
        str | None, vocabulary_option("variant", VARIANTS, "Only this variant (default: all).")
    ] = None,
    measure: MeasureOpt = None,
    form: FormOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """The newest fit of every kind (the `latest_trend_fits` view), per benchmark's source."""
    from pipeline.analysis.queries import fit_record, latest_fits

    filters = {"variant": variant, "compute_measure": measure, "form": form}
    with session_scope() as session:
        rows, sources = [], []
        for choice in _choices(session, benchmark, None if source == ALL else source):
            fits = latest_fits(
                session,
                benchmark=choice.benchmark,
                observation_source=None if source == ALL else choice.source,
                **filters,
            )
            rows += [fit_record(f) for f in fits]
            sources.append(choice)
    if not rows:
        asked = ", ".join(f"{k} {v}" for k, v in filters.items() if v) or "any kind"
        raise UserError(
            f"no fits ({asked}) for {', '.join(c.describe() for c in sources)}; run `ctrends fit` "
            "(kinds with fewer than 3 usable points are not fitted)"
        )
    caption = _source_caption(sources, source == ALL) + f"; {KEY_CAPTION}"
    _emit(rows, format, LATEST_COLUMNS, LATEST_CSV, "latest fits", caption)


def _choices(session: Any, benchmark: str | None, source: str | None) -> list[Any]:
    """The source of each benchmark asked for (every benchmark with data when none is)."""
    from pipeline.analysis.sources import benchmarks_with_data, default_source

    names = [benchmark] if benchmark else benchmarks_with_data(session)
    if not names:
        raise UserError(
            "no observations with an error rate yet: `ctrends import futuretech DIR`, or review "
            "facts, then `ctrends fit`"
        )
    return [default_source(session, name, source) for name in names]


def _source_caption(choices: Sequence[Any], every_source: bool = False) -> str:
    if every_source:
        return "every source"
    by_source: dict[str, list[str]] = {}
    for choice in choices:
        by_source.setdefault(choice.source, []).append(choice.benchmark)
    used = "; ".join(f"source {s} for {', '.join(b)}" for s, b in by_source.items())
    how = "--source" if choices and choices[0].chosen_by == "--source" else DEFAULT_SOURCE_RULE
    return f"{used} ({'as asked' if how == '--source' else 'default: ' + how})"


HISTORY_COLUMNS: list[tuple[str, Cell]] = [
    ("fitted", lambda r: (r["fitted_at"] or "")[:16].replace("T", " ")),
    ("measure form variant", _kind),
    ("slope ± 95% CI", _plus_minus),
    ("R²", lambda r: number(r["r_squared"])),
    ("N", lambda r: str(r["n"])),
    ("id", lambda r: str(r["id"])),
]
HISTORY_CSV = (
    "fitted_at", "run_id", "key", "observation_source", "compute_measure", "form", "variant",
    "slope", "slope_ci95", "r_squared", "n", "id",
)  # fmt: skip


@trends_app.command("history")
def history(
    benchmark: Annotated[
        str, vocabulary_option("benchmark", BENCHMARKS, "Benchmark whose fits to list.")
    ],
    source: SourceOpt = None,
    variant: Annotated[str, vocabulary_option("variant", VARIANTS)] = "ols",
    measure: MeasureOpt = None,
    form: FormOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Every stored fit of a benchmark, oldest first: how the trend moved across runs."""
    from pipeline.analysis.queries import fit_history, fit_record
    from pipeline.analysis.sources import default_source

    with session_scope() as session:
        choice = default_source(session, benchmark, source)
        rows = [
            fit_record(f)
            for f in fit_history(
                session,
                benchmark=benchmark,
                observation_source=choice.source,
                variant=variant,
                compute_measure=measure,
                form=form,
            )
        ]
    if not rows:
        raise UserError(f"no {variant} fits stored for {choice.describe()}; run `ctrends fit`")
    title = f"{benchmark} fit history"
    _emit(rows, format, HISTORY_COLUMNS, HISTORY_CSV, title, _source_caption([choice]))


DATA_FIELDS = (
    "id", "model", "arxiv_id", "published", "metric", "error", "ops_forward_pass",
    "network_operations", "hardware_burden", "source",
)  # fmt: skip
DATA_COLUMNS: list[tuple[str, Cell]] = [
    ("id", lambda r: str(r["id"])),
    ("model", lambda r: r["model"] or ""),
    ("arXiv", lambda r: r["arxiv_id"] or ""),
    ("year", lambda r: str(r["published"])[:4] if r["published"] else ""),
    ("error", lambda r: number(r["error"])),
    ("ops/fwd", lambda r: number(r["ops_forward_pass"])),
    ("net ops", lambda r: number(r["network_operations"])),
    ("hw burden", lambda r: number(r["hardware_burden"])),
]


@trends_app.command("data")
def data(
    fit_ref: Annotated[
        str,
        typer.Argument(
            metavar="FIT",
            help="A fit key (benchmark/measure/form/variant/source, e.g. "
            f"{example_fit_key()}: the latest fit of that kind) or a "
            "fit id (the `id` of `trends latest`).",
        ),
    ],
    format: FormatOpt = TableFormat.table,
) -> None:
    """The observations a fit used."""
    from pipeline.analysis.queries import find_fit, fit_key, fit_observations

    with session_scope() as session:
        fit_row = find_fit(session, fit_ref)
        key, fit_id, n = fit_key(fit_row), fit_row.id, fit_row.n
        source = fit_row.observation_source
        rows = [
            {name: getattr(obs, name) for name in DATA_FIELDS}
            for obs in fit_observations(session, fit_row)
        ]
    title = f"observations of fit {key} (id {fit_id}, N {n})"
    caption = f"source {source}; error as a fraction (0.21 = 21%); FLOPs: {MEASURE_CAPTION}"
    _emit(rows, format, DATA_COLUMNS, DATA_FIELDS, title, caption)


SHORT_MEASURES = {
    "ops_forward_pass": "ops/fwd",
    "network_operations": "net ops",
    "hardware_burden": "hw burden",
}
MEASURE_CAPTION = (
    "ops/fwd = operations per forward pass, net ops = network operations, hw burden = "
    "hardware burden"
)
EXTRAPOLATE_COLUMNS: list[tuple[str, Cell]] = [
    ("measure", lambda r: SHORT_MEASURES.get(r["compute_measure"], r["compute_measure"])),
    ("form", lambda r: r["form"]),
    ("FLOPs", lambda r: number(r["flops"]) or "n/a"),
    ("95% CI", lambda r: _interval([r["flops_lo"], r["flops_hi"]])),
    ("USD", lambda r: number(r["usd"])),
    ("kg CO2", lambda r: number(r["kg_co2"])),
    ("N", lambda r: str(r["n"])),
    ("note", lambda r: r["note"]),
]
EXTRAPOLATE_CSV = (
    "benchmark", "observation_source", "compute_measure", "form", "variant", "target_error",
    "log10_flops", "flops_lo", "flops", "flops_hi", "usd", "kg_co2", "n", "fit_id", "note",
)  # fmt: skip


@trends_app.command("extrapolate")
def extrapolate(
    benchmark: Annotated[
        str, vocabulary_option("benchmark", BENCHMARKS, "Benchmark to extrapolate.")
    ],
    target_error: Annotated[float, typer.Option(help="Target error rate, e.g. 0.05.")],
    source: SourceOpt = None,
    variant: VariantOpt = "ols",
    measure: MeasureOpt = None,
    year: YearOpt = None,
    usd_per_device_hour: Annotated[float | None, typer.Option(help="Cloud price.")] = None,
    device_peak_flops: Annotated[float | None, typer.Option(help="FLOP/s of that device.")] = None,
    device_watts: Annotated[float | None, typer.Option(help="Its power draw.")] = None,
    pue: Annotated[float | None, typer.Option(help="Data-centre PUE.")] = None,
    kg_co2_per_kwh: Annotated[float | None, typer.Option(help="Grid carbon intensity.")] = None,
    utilisation: Annotated[
        float | None, typer.Option(help="Share of peak when counting network operations.")
    ] = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Compute needed for a target error under each form, with a 95% interval, in $ and CO2."""
    from dataclasses import replace

    from pipeline.analysis.extrapolate import ConversionFactors
    from pipeline.analysis.reports import extrapolation_rows
    from pipeline.analysis.sources import default_source

    overrides = {
        "usd_per_device_hour": usd_per_device_hour,
        "device_peak_flops": device_peak_flops,
        "device_watts": device_watts,
        "pue": pue,
        "kg_co2_per_kwh": kg_co2_per_kwh,
        "utilisation": utilisation,
    }
    try:
        factors = replace(
            ConversionFactors(), **{k: v for k, v in overrides.items() if v is not None}
        )
    except ValueError as exc:
        raise UserError(str(exc)) from None
    with session_scope() as session:
        choice = default_source(session, benchmark, source)
        rows = extrapolation_rows(
            session,
            benchmark=benchmark,
            target_error=target_error,
            source=choice.source,
            variant=variant,
            measure=measure,
            year=year,
            factors=factors,
        )
    title = f"{benchmark}: compute for error {target_error:g} ({variant} fits)"
    caption = f"{_source_caption([choice])}; {MEASURE_CAPTION}; USD and kg CO2 of training"
    _emit(rows, format, EXTRAPOLATE_COLUMNS, EXTRAPOLATE_CSV, title, caption)


@trends_app.command("plot")
def plot(
    benchmark: Annotated[str, vocabulary_option("benchmark", BENCHMARKS, "Benchmark to draw.")],
    measure: Annotated[str, vocabulary_option("measure", MEASURES)] = "hardware_burden",
    source: SourceOpt = None,
    variant: VariantOpt = "ols",
    target_error: Annotated[
        float | None, typer.Option(help="Draw this target and the compute it needs.")
    ] = None,
    year: YearOpt = None,
    output: Annotated[
        Path | None,
        typer.Option(help="PNG or SVG file (default: $CTRENDS_DATA_DIR/plots/...png)."),
    ] = None,
) -> None:
    """Draw error against compute (log-log) with the latest fitted lines, as PNG or SVG."""
    from pipeline.analysis.plots import save
    from pipeline.analysis.reports import benchmark_figure
    from pipeline.analysis.sources import default_source

    if output is not None and output.suffix.lower() not in (".png", ".svg"):
        raise UserError(f"plot files are .png or .svg; got {output.name!r}")
    with session_scope() as session:
        choice = default_source(session, benchmark, source)
        figure = benchmark_figure(
            session,
            benchmark=benchmark,
            measure=measure,
            source=choice.source,
            variant=variant,
            target_error=target_error,
            year=year,
        )
    path = output or get_settings().data_dir / "plots" / f"{benchmark}-{measure}-{variant}.png"
    try:
        save(figure, path)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    Console(soft_wrap=True).print(f"wrote {path} ({choice.describe()})", highlight=False)


BACKTEST_COLUMNS: list[tuple[str, Cell]] = [
    ("benchmark", lambda r: r["benchmark"]),
    ("source", lambda r: r["observation_source"]),
    ("measure form", lambda r: f"{r['measure']} {r['form']}"),
    ("cutoff", lambda r: str(r["cutoff"])),
    ("train", lambda r: str(r["n_train"])),
    ("test", lambda r: str(r["n_test"])),
    ("slope", lambda r: number(r["slope"])),
    ("MAE", lambda r: number(r["mae_log10_error"])),
    ("bias", lambda r: number(r["bias_log10_error"])),
    ("in 95%", lambda r: number(r["coverage95"], 2)),
]
BACKTEST_CSV = (
    "benchmark", "observation_source", "metric", "measure", "form", "cutoff", "n_train",
    "n_test", "slope", "mae_log10_error", "bias_log10_error", "coverage95",
    "invalid_predictions",
)  # fmt: skip


@trends_app.command("backtest")
def backtest(
    benchmark: BenchmarkOpt = None,
    source: SourceOpt = None,
    measure: Annotated[
        list[str] | None, vocabulary_option("measure", MEASURES, "Compute measures.")
    ] = None,
    form: Annotated[
        list[str] | None, vocabulary_option("form", tuple(FORMS), "Forms (repeatable).")
    ] = None,
    cutoff: Annotated[
        list[int] | None,
        typer.Option(help="Cutoff years, within the years of the data (default: every year)."),
    ] = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Fit on papers before each cutoff year; score the prediction of later frontier points."""
    from pipeline.analysis.forms import DEFAULT_FORMS
    from pipeline.analysis.reports import backtest_rows

    with session_scope() as session:
        choices = _choices(session, benchmark, source)
        rows = backtest_rows(
            session,
            benchmark=benchmark,
            source=source,
            measures=tuple(measure or MEASURES),
            forms=tuple(form or DEFAULT_FORMS),
            cutoffs=cutoff,
        )
    if not rows:
        raise UserError(
            "nothing to backtest: no benchmark has 3 or more points before a cutoff and frontier "
            f"points after it ({_source_caption(choices)})"
        )
    caption = _source_caption(choices) + "; MAE and bias in log10(error), bias > 0 = pessimistic"
    _emit(rows, format, BACKTEST_COLUMNS, BACKTEST_CSV, "backtests", caption)


CROSSCHECK_FIELDS = (
    "benchmark", "arxiv_id", "model", "reference_model", "measure", "value", "reference",
    "log10_ratio",
)  # fmt: skip
CROSSCHECK_COLUMNS: list[tuple[str, Cell]] = [
    ("benchmark", lambda r: r["benchmark"]),
    ("arXiv", lambda r: r["arxiv_id"] or ""),
    ("model", lambda r: r["model"] or ""),
    ("reference model", lambda r: r["reference_model"] or ""),
    ("measure", lambda r: r["measure"]),
    ("value", lambda r: number(r["value"])),
    ("reference", lambda r: number(r["reference"])),
    ("log10 ratio", lambda r: number(r["log10_ratio"])),
]


@trends_app.command("crosscheck")
def crosscheck(
    source: Annotated[str, vocabulary_option("source", SOURCES, "Source to check.")] = "epoch",
    against: Annotated[
        str, vocabulary_option("source", SOURCES, "Reference source.")
    ] = "futuretech",
    benchmark: BenchmarkOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Compare parameters and compute of the same paper and model across two sources."""
    from pipeline.analysis.crosscheck import compare

    with session_scope() as session:
        rows = [c.as_dict() for c in compare(session, source, against, benchmark)]
    if not rows:
        raise UserError(
            f"no paper and model is in both {source} and {against}"
            + (f" on {benchmark}" if benchmark else "")
            + "; import both (`ctrends import epoch CSV`, `ctrends import futuretech DIR`)"
        )
    title = f"{source} vs {against}"
    _emit(rows, format, CROSSCHECK_COLUMNS, CROSSCHECK_FIELDS, title, "values in FLOPs or counts")


@import_app.command("futuretech")
def import_futuretech(
    directory: Annotated[Path, typer.Argument(help="The dataset (with data/*.csv) or its data/.")],
) -> None:
    """Import Thompson et al.'s FutureTech leaderboards as `futuretech` observations."""
    from pipeline.sources.curated import import_futuretech as run_import

    ensure_schema()
    with session_scope() as session:
        counts = run_import(session, directory.expanduser())
    Console(soft_wrap=True).print(f"futuretech: {counts}", highlight=False)


@import_app.command("epoch")
def import_epoch(
    csv_file: Annotated[Path, typer.Argument(help="Epoch's parameter/compute CSV.")],
) -> None:
    """Import Epoch's rows on our benchmarks as compute-only `epoch` observations (no errors)."""
    from pipeline.sources.curated import import_epoch as run_import

    ensure_schema()
    with session_scope() as session:
        counts = run_import(session, csv_file.expanduser())
    Console(soft_wrap=True).print(f"epoch: {counts}", highlight=False)


def _console() -> Console:
    """Made per command, so the width follows COLUMNS and the terminal of this call."""
    return Console(soft_wrap=False)


def _table(
    title: str, columns: Sequence[tuple[str, Cell]], rows: Sequence[dict[str, Any]], caption: str
) -> Table:
    """A table that wraps, never truncates, when the terminal is narrow: a column with one value
    in every row moves into the title, numbers keep their width, text folds."""
    cells = [[cell(row) or "" for _, cell in columns] for row in rows]
    shared, kept = [], []
    for k, (header, _) in enumerate(columns):
        values = {line[k] for line in cells}
        if len(rows) > 1 and len(values) == 1 and header in LIFTED:
            shared.append(f"{header} {values.pop()}")
        elif values != {""} or header not in OPTIONAL:  # an empty note column says nothing
            kept.append(k)
    if shared:
        title = f"{title}: {', '.join(shared)}"
    table = Table(
        title=escape(title),
        caption=escape(caption),
        caption_justify="left",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for k in kept:
        header = columns[k][0]
        widest = max((len(line[k]) for line in cells), default=0)
        if header in TEXT_COLUMNS:
            table.add_column(header, overflow="fold")
        else:  # a number, a name or an id is read whole or not at all
            justify = "left" if header in NAME_COLUMNS else "right"
            table.add_column(header, no_wrap=True, min_width=widest, justify=justify)
    for line in cells:
        table.add_row(*(escape(line[k]) for k in kept))
    return table


OPTIONAL = {"note"}
LIFTED = {"benchmark", "source", "measure"}  # a value shared by every row goes in the title
NAME_COLUMNS = {"benchmark", "source", "measure", "form", "arXiv"}
TEXT_COLUMNS = {"measure form variant", "measure form", "model", "reference model", "note"}


def _emit(
    rows: list[dict[str, Any]],
    format: TableFormat,
    columns: Sequence[tuple[str, Cell]],
    csv_fields: tuple[str, ...],
    title: str,
    caption: str,
) -> None:
    """json gets every field (floats without binary noise), csv ``csv_fields``, tables
    ``columns`` formatted for people, with the source(s) used in the caption."""
    if format is TableFormat.table:
        _console().print(_table(f"{title} ({len(rows)})", columns, rows, caption))
    else:
        _write(rows, format, csv_fields)


def _write(rows: list[dict[str, Any]], format: TableFormat, csv_fields: tuple[str, ...]) -> None:
    from pipeline.export import csv_text, json_text

    if format is TableFormat.json:  # standard JSON only: an unbounded reading is an error
        sys.stdout.write(json_text(tidy(rows), indent=2) + "\n")
    else:
        sys.stdout.write(csv_text(rows, csv_fields))
