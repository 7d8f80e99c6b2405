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

Advance = Callable[[str], None]  # called once per item with a short status label


@contextmanager
def progress_bar(description: str, total: int | None, enabled: bool = True) -> Iterator[Advance]:
    """Yield ``advance(label)``; renders to stderr so stdout stays clean for --format json/csv."""
    if not enabled:
        yield lambda _label: None
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
        yield lambda label: progress.update(task, advance=1, label=label)
