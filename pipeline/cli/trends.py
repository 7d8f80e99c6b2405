"""Analysis commands: ``fit``, ``trends latest|history|data|extrapolate|plot|backtest`` and
``import futuretech|epoch``. Each parses options and calls one function of ``pipeline.analysis``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from db.session import session_scope
from pipeline.cli.app import app
from pipeline.cli.core import ensure_schema, print_rows
from pipeline.cli.options import BenchmarkOpt, FormatOpt, TableFormat
from pipeline.config import get_settings
from pipeline.errors import UserError

console = Console()
trends_app = typer.Typer(
    help="Query the fitted trends: latest fits, history, data, extrapolation, plots, backtests, "
    "cross-checks.",
    no_args_is_help=True,
)
import_app = typer.Typer(
    help="Load curated datasets (FutureTech, Epoch) as observations.", no_args_is_help=True
)
app.add_typer(trends_app, name="trends")
app.add_typer(import_app, name="import")

SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source", help="Observation source: extracted | futuretech | epoch (default: extracted)."
    ),
]
MeasureOpt = Annotated[
    str | None,
    typer.Option(help="ops_forward_pass | network_operations | hardware_burden"),
]
VariantOpt = Annotated[
    str,
    typer.Option(
        help="ols | year | quantile10 | frontier | alexnet[_year|_quantile10] | consolidated"
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option(min=1900, max=2200, help="Year at which to evaluate year-controlled fits."),
]

LATEST_FIELDS = (
    "benchmark",
    "metric",
    "compute_measure",
    "form",
    "variant",
    "slope",
    "intercept",
    "r_squared",
    "n",
    "fitted_at",
    "observation_source",
    "id",
)
HISTORY_FIELDS = (
    "fitted_at",
    "run_id",
    "observation_source",
    "compute_measure",
    "form",
    "variant",
    "slope",
    "slope_ci95",
    "r_squared",
    "n",
    "id",
)
DATA_FIELDS = (
    "id",
    "model",
    "arxiv_id",
    "published",
    "metric",
    "error",
    "ops_forward_pass",
    "network_operations",
    "hardware_burden",
)
EXTRAPOLATE_FIELDS = (
    "compute_measure",
    "form",
    "variant",
    "log10_flops",
    "flops_lo",
    "flops",
    "flops_hi",
    "usd",
    "kg_co2",
    "n",
    "note",
)
BACKTEST_FIELDS = (
    "benchmark",
    "measure",
    "form",
    "cutoff",
    "n_train",
    "n_test",
    "slope",
    "mae_log10_error",
    "bias_log10_error",
    "coverage95",
)
CROSSCHECK_FIELDS = (
    "benchmark",
    "arxiv_id",
    "model",
    "reference_model",
    "measure",
    "value",
    "reference",
    "log10_ratio",
)


@app.command()
def fit(
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only these observation sources.")
    ] = None,
    benchmark: BenchmarkOpt = None,
    form: Annotated[
        list[str], typer.Option("--form", help="poly | exp | lin | logscore (repeatable).")
    ] = ["poly", "exp"],  # noqa: B006 (typer reads the default, never mutates it)
) -> None:
    """Rebuild observations from curated facts and fit every trend with enough data."""
    from pipeline.analysis.fit import run_fits
    from pipeline.analysis.forms import get_form

    try:
        for name in form:
            get_form(name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    ensure_schema()
    with session_scope() as session:
        run = run_fits(session, sources=source, forms=form, benchmark=benchmark, progress=True)
        summary = run.summary()
    console.print(
        f"run {summary['run_id']}: {summary['fits']} fits ({summary['new_fits']} new), "
        f"{summary['skipped']} skipped for lack of data; extracted observations: "
        f"{summary['extracted_observations']}",
        highlight=False,
    )
    for flag in run.drift:
        console.print(f"[yellow]drift[/] {flag}", highlight=False)


@trends_app.command("latest")
def latest(
    benchmark: BenchmarkOpt = None,
    source: SourceOpt = None,
    variant: Annotated[str | None, typer.Option(help="Only this variant (default: all).")] = None,
    measure: MeasureOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """The newest fit of every kind (the `latest_trend_fits` view)."""
    from pipeline.analysis.queries import fit_record, latest_fits

    with session_scope() as session:
        rows = [
            fit_record(f)
            for f in latest_fits(
                session,
                benchmark=benchmark,
                observation_source=source,
                variant=variant,
                compute_measure=measure,
            )
        ]
    _emit(rows, format, LATEST_FIELDS, "latest fits")


@trends_app.command("history")
def history(
    benchmark: Annotated[str, typer.Option(help="Benchmark whose fits to list.")],
    source: SourceOpt = None,
    variant: Annotated[str | None, typer.Option(help="Only this variant.")] = "ols",
    measure: MeasureOpt = None,
    form: Annotated[str | None, typer.Option(help="poly | exp")] = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Every stored fit of a benchmark, oldest first: how the trend moved across runs."""
    from pipeline.analysis.queries import fit_history, fit_record

    with session_scope() as session:
        rows = [
            fit_record(f)
            for f in fit_history(
                session,
                benchmark=benchmark,
                observation_source=source,
                variant=variant,
                compute_measure=measure,
                form=form,
            )
        ]
    _emit(rows, format, HISTORY_FIELDS, f"{benchmark} fit history")


@trends_app.command("data")
def data(
    fit_id: Annotated[int, typer.Argument(help="Fit id (the `id` of `trends latest`).")],
    format: FormatOpt = TableFormat.table,
) -> None:
    """The observations a fit used."""
    from db.models import TrendFit
    from pipeline.analysis.queries import fit_observations

    with session_scope() as session:
        fit_row = session.get(TrendFit, fit_id)
        if fit_row is None:
            raise UserError(f"no fit with id {fit_id}")
        rows = [
            {name: getattr(obs, name) for name in DATA_FIELDS}
            for obs in fit_observations(session, fit_row)
        ]
    _emit(rows, format, DATA_FIELDS, f"observations of fit {fit_id}")


@trends_app.command("extrapolate")
def extrapolate(
    benchmark: Annotated[str, typer.Option(help="Benchmark to extrapolate.")],
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
        rows = extrapolation_rows(
            session,
            benchmark=benchmark,
            target_error=target_error,
            source=source,
            variant=variant,
            measure=measure,
            year=year,
            factors=factors,
        )
    _emit(rows, format, EXTRAPOLATE_FIELDS, f"{benchmark}: compute for error {target_error:g}")


@trends_app.command("plot")
def plot(
    benchmark: Annotated[str, typer.Option(help="Benchmark to draw.")],
    measure: Annotated[
        str, typer.Option(help="ops_forward_pass | network_operations | hardware_burden")
    ] = "hardware_burden",
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

    with session_scope() as session:
        figure = benchmark_figure(
            session,
            benchmark=benchmark,
            measure=measure,
            source=source,
            variant=variant,
            target_error=target_error,
            year=year,
        )
    path = output or get_settings().data_dir / "plots" / f"{benchmark}-{measure}-{variant}.png"
    try:
        save(figure, path)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    console.print(f"wrote {path}", highlight=False)


@trends_app.command("backtest")
def backtest(
    benchmark: BenchmarkOpt = None,
    source: SourceOpt = None,
    measure: Annotated[list[str] | None, typer.Option(help="Compute measures.")] = None,
    form: Annotated[list[str] | None, typer.Option(help="poly | exp (repeatable).")] = None,
    cutoff: Annotated[
        list[int] | None, typer.Option(help="Cutoff years (default: every year with data).")
    ] = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Fit on papers before each cutoff year; score the prediction of later frontier points."""
    from pipeline.analysis.forms import DEFAULT_FORMS
    from pipeline.analysis.points import MEASURES
    from pipeline.analysis.reports import backtest_rows

    with session_scope() as session:
        rows = backtest_rows(
            session,
            benchmark=benchmark,
            source=source,
            measures=tuple(measure or MEASURES),
            forms=tuple(form or DEFAULT_FORMS),
            cutoffs=cutoff,
        )
    _emit(rows, format, BACKTEST_FIELDS, "backtests")


@trends_app.command("crosscheck")
def crosscheck(
    source: Annotated[str, typer.Option(help="Source to check.")] = "epoch",
    against: Annotated[str, typer.Option(help="Reference source.")] = "futuretech",
    benchmark: BenchmarkOpt = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """Compare parameters and compute of the same paper and model across two sources."""
    from pipeline.analysis.crosscheck import compare

    with session_scope() as session:
        rows = [c.as_dict() for c in compare(session, source, against, benchmark)]
    _emit(rows, format, CROSSCHECK_FIELDS, f"{source} vs {against}")


@import_app.command("futuretech")
def import_futuretech(
    directory: Annotated[Path, typer.Argument(help="The dataset (with data/*.csv) or its data/.")],
) -> None:
    """Import Thompson et al.'s FutureTech leaderboards as `futuretech` observations."""
    from pipeline.sources.curated import import_futuretech as run_import

    ensure_schema()
    with session_scope() as session:
        counts = run_import(session, directory.expanduser())
    console.print(f"futuretech: {counts}", highlight=False)


@import_app.command("epoch")
def import_epoch(
    csv_file: Annotated[Path, typer.Argument(help="Epoch's parameter/compute CSV.")],
) -> None:
    """Import Epoch's rows on our benchmarks as compute-only `epoch` observations (no errors)."""
    from pipeline.sources.curated import import_epoch as run_import

    ensure_schema()
    with session_scope() as session:
        counts = run_import(session, csv_file.expanduser())
    console.print(f"epoch: {counts}", highlight=False)


def _emit(
    rows: list[dict[str, Any]], format: TableFormat, fields: tuple[str, ...], title: str
) -> None:
    """json gets every field at full precision; table and csv get ``fields``, tables rounded."""
    if format is TableFormat.json:
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=2) + "\n")
        return
    if format is TableFormat.table:
        rows = [{k: _short(v) for k, v in row.items()} for row in rows]
    print_rows(rows, format, fields, title)


def _short(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(str(_short(v)) for v in value) + "]"
    return value
