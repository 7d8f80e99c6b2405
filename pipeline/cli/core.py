"""The pipeline's own commands: database, ingest, extract, run, export, papers, extractors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from db import migrate
from db.session import session_scope
from extractors.atomic import atomic_open, remove_stale_partials
from pipeline.cli.app import app
from pipeline.cli.boundary import redacted_url
from pipeline.cli.options import FormatOpt, TableFormat, vocabulary_option
from pipeline.config import get_settings
from pipeline.errors import UserError
from pipeline.export import PAPER_STATUSES
from pipeline.interrupt import honoured_sigint

console = Console(soft_wrap=True)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")

SourceOpt = Annotated[
    str, typer.Option("--source", help="'arxiv', or a directory of PDFs named by arXiv id.")
]
SinceOpt = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="arXiv: start of the window (default: watermark)."),
]
MaxResultsOpt = Annotated[
    int | None, typer.Option(min=1, help="arXiv: at most this many entries per benchmark query.")
]
MetadataOpt = Annotated[
    Path | None, typer.Option(help="Directory source: a metadata.csv/.jsonl to read.")
]


def _source_directory(source: str) -> Path | None:
    if source == "arxiv":
        return None
    path = Path(source).expanduser()
    if not source.strip() or not path.is_dir():  # Path("") is the current directory
        raise UserError(f"--source must be 'arxiv' or an existing directory; got {source!r}")
    return path


def _since(since: datetime | None) -> datetime | None:
    return since.replace(tzinfo=UTC) if since else None


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Create or upgrade the schema of CTRENDS_DATABASE_URL."""
    migrate.upgrade(revision=revision)
    console.print(f"database at revision {migrate.current_revision()}: {redacted_url()}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target, e.g. -1 or base.")) -> None:
    """Downgrade the schema (data in dropped columns is lost; back up first)."""
    migrate.downgrade(revision=revision)
    console.print(f"database at revision {migrate.current_revision()}")


@app.command()
def ingest(
    source: SourceOpt = "arxiv",
    since: SinceOpt = None,
    max_results: MaxResultsOpt = None,
    metadata: MetadataOpt = None,
) -> None:
    """Fetch new papers (and new versions) from arXiv or a local directory."""
    from pipeline.ingest import ingest_arxiv, ingest_directory

    ensure_schema()
    directory = _source_directory(source)
    with honoured_sigint():
        if directory is not None:
            reports = [ingest_directory(directory, metadata=metadata)]
        else:
            reports = ingest_arxiv(since=_since(since), max_results=max_results)
    for report in reports:
        console.print(
            f"{report.source} {report.query[:60]!r}: {report.seen} seen, {report.new} new, "
            f"{report.new_versions} new versions, {len(report.failed)} failed",
            highlight=False,
        )
        _print_failures(report.failed)


@app.command()
def extract(
    retry_failed: Annotated[
        bool, typer.Option(help="Also retry papers whose parsing failed before.")
    ] = False,
) -> None:
    """Parse and extract papers not yet extracted by the current extractor versions."""
    from pipeline.extract import extract_pending

    ensure_schema()
    with honoured_sigint():
        report = extract_pending(retry_failed=retry_failed)
    facts = ", ".join(f"{k} {v}" for k, v in sorted(report.facts.items()) if v) or "none"
    retried = (
        f" ({report.environmental} by the environment's fault: retried next time)"
        if report.environmental
        else ""
    )
    console.print(
        f"{report.extracted} of {report.papers} papers extracted, {len(report.failed)} failed"
        f"{retried}; facts: {facts}",
        highlight=False,
    )
    _print_failures(report.failed)


def _print_failures(failed: list[tuple[str, str]]) -> None:
    for paper, reason in failed:  # PDF-derived text: escaped so it is never read as markup
        console.print(f"  [red]failed[/] {escape(paper)}: {escape(reason)}", highlight=False)


@app.command()
def run(
    source: SourceOpt = "arxiv", since: SinceOpt = None, max_results: MaxResultsOpt = None
) -> None:
    """The nightly flow once, under Prefect: ingest, extract, fit (one run at a time).

    Prints the run's summary (also stored in the pipeline_runs table); exits 1 when a paper
    failed, 2 when another nightly run holds the lock or an option is wrong, 130 when
    interrupted (Ctrl+C: the run is marked interrupted; the next run does what is left).
    """
    from pipeline.prefect_server import prefect_api
    from pipeline.runlock import run_lock
    from pipeline.sources.arxiv_api import check_reachable

    settings = get_settings()
    directory = _source_directory(source)

    def prepare() -> None:  # while Prefect's temporary server starts
        import pipeline.flows  # noqa: F401  (seconds of imports)

        ensure_schema()
        if directory is None:
            check_reachable(settings.arxiv_api_url)

    # The lock first: a second run is refused at once, before it starts Prefect or migrates.
    try:
        with (
            honoured_sigint(),  # Ctrl+C stops at the next safe point (pipeline.interrupt)
            run_lock(settings.database_url, settings.data_dir, wait=settings.run_lock_wait_seconds),
            prefect_api(settings.data_dir / "prefect-server.log", meanwhile=prepare),
        ):
            from pipeline.flows import nightly_flow

            summary = nightly_flow(
                source=str(directory) if directory else "arxiv",
                since=_since(since),
                max_results=max_results,
            )
    except KeyboardInterrupt as exc:  # Ctrl+C: what was stored stays; one line, exit 130
        Console(stderr=True, soft_wrap=True).print(
            f"[yellow]{escape(str(exc) or 'interrupted')}[/]: papers not finished are extracted "
            "by the next run",
            highlight=False,
        )
        raise typer.Exit(130) from None
    console.print_json(json.dumps(summary, default=str))
    if summary["fit"].get("no_extracted_fit"):  # on stderr: stdout stays the JSON summary
        Console(stderr=True, soft_wrap=True).print(
            f"[yellow]{escape(summary['fit']['no_extracted_fit'])}[/]", highlight=False
        )
    if summary["status"] != "succeeded":
        console.print(
            f"[yellow]run #{summary['run_id']}: {summary['papers_failed']} papers failed; "
            "see `ctrends papers --status failed`[/]"
        )
        raise typer.Exit(1)


@app.command()
def serve(
    cron: Annotated[str | None, typer.Option(help="Cron (default CTRENDS_SCHEDULE_CRON).")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone (default CTRENDS_SCHEDULE_TZ).")
    ] = None,
    source: SourceOpt = "arxiv",
) -> None:
    """Serve the nightly flow as a Prefect deployment on a cron schedule (default 02:00 UTC).

    Runs until interrupted; each scheduled run is `ctrends run` under Prefect (run lock and
    summary included), at most one at a time. Uses PREFECT_API_URL when set, else starts a
    local Prefect server (Prefect schedules only through a server).
    """
    from pipeline.deploy import nightly_schedule, serve_nightly

    ensure_schema()
    settings = get_settings()
    directory = _source_directory(source)
    cron = cron or settings.schedule_cron
    timezone = timezone or settings.schedule_timezone
    schedule = nightly_schedule(cron, timezone)
    console.print(
        f"serving the nightly flow: cron {cron!r} ({timezone}), source {source}; Ctrl-C stops",
        highlight=False,
    )
    serve_nightly(
        schedule,
        str(directory) if directory else "arxiv",
        log_file=settings.data_dir / "prefect-server.log",
    )


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


@app.command()
def export(
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option(help="File to write (default: stdout).")] = None,
) -> None:
    """Export every fact, one object per fact (the export contract)."""
    from pipeline.export import FACT_FIELDS, fact_to_dict, iter_facts, write_csv, write_jsonl

    with session_scope() as session:
        rows = (fact_to_dict(fact) for fact in iter_facts(session))
        with _open_output(output) as out:
            if format is ExportFormat.jsonl:
                count = write_jsonl(rows, out)
            else:
                count = write_csv(rows, out, FACT_FIELDS)
    if output is not None:
        console.print(f"{count} facts written to {output}")


@app.command()
def papers(
    status: Annotated[
        str | None, vocabulary_option("status", PAPER_STATUSES, "Only papers in this status.")
    ] = None,
    format: FormatOpt = TableFormat.table,
) -> None:
    """List paper versions with their processing status and error."""
    from pipeline.export import PAPER_FIELDS, list_papers, paper_to_dict

    with session_scope() as session:
        rows = [paper_to_dict(p) for p in list_papers(session, status)]
    print_rows(rows, format, PAPER_FIELDS, title="papers")


@app.command("extractors")
def list_extractors() -> None:
    """List the registered extractors with their versions and the kinds of fact they emit."""
    from extractors.registry import extractors

    table = Table("name", "version", "kinds", "description", title="extractors")
    for spec in extractors():
        table.add_row(spec.name, spec.version, ", ".join(spec.kinds), spec.description)
    console.print(table)


def print_rows(
    rows: list[dict[str, Any]], format: TableFormat, fields: tuple[str, ...], title: str
) -> None:
    from pipeline.export import csv_text, json_text

    if format is TableFormat.json:
        sys.stdout.write(json_text(rows, indent=2) + "\n")
    elif format is TableFormat.csv:
        sys.stdout.write(csv_text(rows, fields))
    else:
        table = Table(*fields, title=f"{title} ({len(rows)})")
        for row in rows:
            table.add_row(*("" if row[f] is None else escape(str(row[f])) for f in fields))
        console.print(table)


@contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or a file written whole (:mod:`extractors.atomic`): a failed export leaves
    neither a half-written file nor, once stale, its temporary file."""
    if path is None:
        yield sys.stdout
        return
    if path.is_dir():
        raise UserError(f"--output {path} is a directory; name a file in it")
    if not path.parent.is_dir():
        raise UserError(f"--output {path}: the folder {path.parent} does not exist")
    remove_stale_partials(path.parent, path)
    with atomic_open(path, "w", encoding="utf-8", newline="") as handle:
        yield handle


def ensure_schema() -> None:
    """Commands that write bring the schema up to date first (a no-op when it already is)."""
    migrate.upgrade()
