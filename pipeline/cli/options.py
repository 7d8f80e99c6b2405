"""Options shared by several commands, defined once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from extractors.facts import BENCHMARKS


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[
    TableFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
# The benchmark ids of the vocabulary (extractors/vocabulary/benchmarks.toml), as a choice.
Benchmark = StrEnum("Benchmark", {b: b for b in BENCHMARKS})
BenchmarkOpt = Annotated[
    Benchmark | None,
    typer.Option(help="Benchmark id.", case_sensitive=False),
]
