"""Options shared by several commands, defined once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[
    TableFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
BenchmarkOpt = Annotated[
    str | None,
    typer.Option(help="imagenet | coco | squad11 | conll03 | wmt14_en_de | wmt14_en_fr"),
]
