"""Atomic file writes: a file appears under its real name complete, or not at all.

Every writer of a file that another run or a reader may pick up (the PDF cache, the parse cache,
exports, backups, the review UI's page pictures) writes a temporary file in the target's own
directory (so the rename never crosses a file system), fsyncs it, and ``os.replace``-s it into
place. A writer killed half-way leaves only a temporary file, ``.<name>.<random>.part``
(``.incoming-<random>.part`` for content-addressed caches, whose final name is known only at
the end); :func:`remove_stale_partials` deletes the old ones.

Why here: this module imports nothing from the project, only the standard library, so it sits
below every stage. The parse cache (``extractors.parse``, the lowest stage that writes files) and
the pipeline (fetch, export, backup, review UI) both import it; in ``db/`` it would tie the parser
to the store, in ``pipeline/`` the parser would import up.
"""

from __future__ import annotations

import glob
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

PART_SUFFIX = ".part"
INCOMING_PREFIX = ".incoming-"
STALE_PARTIAL_SECONDS = 6 * 3600.0  # older than any write in progress: a killed writer's leftover


def temporary_in(directory: Path, prefix: str) -> Path:
    """A new, empty temporary file in ``directory`` (created), named ``<prefix>*.part``."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=PART_SUFFIX)
    os.close(fd)
    return Path(name)


def commit(tmp: Path, target: Path) -> None:
    """fsync ``tmp`` and rename it to ``target`` in one step (``target``'s folder must exist)."""
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside ``target`` to write (by any means); renamed to ``target`` when the
    block ends without an exception, deleted otherwise."""
    tmp = temporary_in(target.parent, f".{target.name}.")
    try:
        yield tmp
        commit(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_open(target: Path, mode: str = "wb", **options: Any) -> Iterator[IO[Any]]:
    """``open(target, mode)``, but the file appears under ``target`` only once closed whole."""
    with atomic_path(target) as tmp, tmp.open(mode, **options) as handle:
        yield handle


def write_bytes(target: Path, data: bytes) -> None:
    """``target.write_bytes(data)``, atomically."""
    with atomic_open(target, "wb") as handle:
        handle.write(data)


def write_incoming(
    directory: Path, write: Callable[[IO[bytes]], None], place: Callable[[Path], Path]
) -> Path:
    """For content-addressed files: ``write`` fills a temporary file in ``directory``, then
    ``place(tmp)`` names the final path (from what was written: its hash) and it is moved there.
    Either step may raise, which leaves nothing behind."""
    tmp = temporary_in(directory, INCOMING_PREFIX)
    try:
        with tmp.open("wb") as handle:
            write(handle)
        final = place(tmp)
        final.parent.mkdir(parents=True, exist_ok=True)
        commit(tmp, final)
        return final
    finally:
        tmp.unlink(missing_ok=True)


def remove_stale_partials(
    directory: Path, target: Path | None = None, max_age: float = STALE_PARTIAL_SECONDS
) -> int:
    """Delete temporary files left by writers killed mid-write; returns how many.

    Without ``target``: every ``.*.part`` anywhere under ``directory`` (a cache the data directory
    owns). With it: only ``target``'s own temporary files, beside it (a folder the user chose
    holds files that are none of ours). They were never used (only a complete file is renamed
    to a real name); only old ones go, so a concurrent writer's file in progress is left alone.
    """
    if not directory.is_dir():
        return 0
    cutoff = time.time() - max_age
    removed = 0
    if target is None:
        found = directory.rglob(f".*{PART_SUFFIX}")
    else:
        found = directory.glob(f".{glob.escape(target.name)}.*{PART_SUFFIX}")
    for partial in found:
        try:
            if partial.is_file() and partial.stat().st_mtime < cutoff:
                partial.unlink()
                removed += 1
        except FileNotFoundError:  # another run cleaned it first
            continue
    return removed
