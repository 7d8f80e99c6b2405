"""Progress bars for long work (rich), shared by every stage so they look and behave alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from pipeline import interrupt

Advance = Callable[[str], None]  # called once per item with a short status label


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[Advance]:
    """Yield ``advance(label)``; renders to stderr so stdout stays clean for --format json/csv.

    Each ``advance`` is also where a pending Ctrl+C is honoured (:mod:`pipeline.interrupt`):
    the item before it is finished, the next not started."""
    if not enabled:

        def advance_quietly(_label: str) -> None:
            interrupt.check()

        yield advance_quietly
        return
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[label]}"),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        task = progress.add_task(description, total=total, label="")

        def advance(label: str) -> None:
            progress.update(task, advance=1, label=label)
            interrupt.check()

        yield advance
