"""Options shared by several commands, defined once, and the vocabulary check behind them.

An option with a fixed set of values takes a :class:`Vocabulary` built from the constant that
defines the set (``extractors.facts.BENCHMARKS``, ``pipeline.analysis.points.MEASURES``, ...),
never a copied list. A typo is a one-line :class:`UserError` naming the valid values, like the
review commands' own checks, instead of an empty table and exit status 0.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer

from extractors.facts import BENCHMARKS
from pipeline.errors import UserError


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Vocabulary:
    """An option parser accepting only ``values``; anything else is a one-line UserError."""

    def __init__(self, what: str, values: Sequence[str]) -> None:
        self.what = what
        self.values = tuple(values)

    def __call__(self, value: str) -> str:
        if value in self.values:
            return value
        close = difflib.get_close_matches(value, self.values, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise UserError(
            f"unknown {self.what} {value!r}{hint}; expected one of {', '.join(self.values)}"
        )

    def help(self, text: str = "") -> str:
        return f"{text} One of: {', '.join(self.values)}.".strip()


def vocabulary_option(what: str, values: Sequence[str], text: str = "", **kwargs: Any) -> Any:
    """A typer option that takes one of ``values`` (a vocabulary constant)."""
    check = Vocabulary(what, values)
    return typer.Option(parser=check, metavar=what.upper(), help=check.help(text), **kwargs)


FormatOpt = Annotated[
    TableFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
# The benchmark ids of the vocabulary (extractors/vocabulary/benchmarks.toml).
BenchmarkOpt = Annotated[
    str | None, vocabulary_option("benchmark", BENCHMARKS, "Only this benchmark.")
]
