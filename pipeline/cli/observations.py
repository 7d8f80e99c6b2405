"""``ctrends observations``: the rows the fits use, with how each compute value was obtained."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from db.session import session_scope
from pipeline.analysis.observations import OBSERVATION_FIELDS, list_observations
from pipeline.cli.app import app
from pipeline.cli.core import print_rows
from pipeline.cli.options import BenchmarkOpt, TableFormat
from pipeline.export import write_csv, write_jsonl


class ObservationFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


TABLE_FIELDS = ("arxiv_id", "benchmark", "metric", "model", "score", "parameters",
                "ops_forward_pass", "network_operations", "hardware_burden")  # fmt: skip


@app.command("observations")
def observations(
    source: Annotated[
        str | None, typer.Option(help="extracted | futuretech | epoch (default: all).")
    ] = None,
    benchmark: BenchmarkOpt = None,
    fmt: Annotated[
        ObservationFormat,
        typer.Option("--format", "-f", help="Output format.", case_sensitive=False),
    ] = ObservationFormat.table,
) -> None:
    """The observations the fits use: score, error and compute per model row, with the facts
    behind each and how every compute value was obtained (``ctrends fit`` rebuilds them)."""
    with session_scope() as session:
        rows = list_observations(session, source, benchmark)
    if fmt is ObservationFormat.jsonl:
        write_jsonl(rows, sys.stdout)
    elif fmt is ObservationFormat.json:
        sys.stdout.write(json.dumps(rows, default=str, ensure_ascii=False, indent=2) + "\n")
    elif fmt is ObservationFormat.csv:
        flat = [{**r, "fact_ids": json.dumps(r["fact_ids"]), "obtained": json.dumps(r["obtained"])}
                for r in rows]  # fmt: skip
        write_csv(flat, sys.stdout, OBSERVATION_FIELDS)
    else:
        print_rows(rows, TableFormat.table, TABLE_FIELDS, title="observations")
