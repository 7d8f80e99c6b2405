"""A local directory of PDFs named by arXiv id (``1512.03385.pdf``, ``1512.03385v3.pdf``).

Optional metadata comes from a file beside the PDFs: ``metadata.csv``, ``metadata.jsonl`` or
``manifest.csv`` in the directory, or (the ``corpus/{manifest.csv,pdfs/}`` layout) in its parent;
or a file given explicitly. Columns: ``arxiv_id`` (required), ``version`` (or
``version_if_known``; ``v3`` or ``3``, anything else means unknown), ``title``, ``authors``
(``;``-separated in CSV), ``abstract``, ``categories``, ``published`` (ISO date) or ``year``.
Without metadata the month of publication still comes from the identifier (YYMM.NNNNN).

Every entry, a PDF's file name or a metadata row, goes through one gate
(:class:`~pipeline.sources.BadRecord`): an odd one is listed as skipped with a one-line reason and
the others go on.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import SourceUnavailable
from pipeline.sources import (
    UNKNOWN_VERSION,
    BadRecord,
    PaperRecord,
    check_text,
    check_version,
    check_year,
    printable,
    split_arxiv_id,
)

log = logging.getLogger(__name__)

METADATA_NAMES = ("metadata.csv", "metadata.jsonl", "manifest.csv")
TEXT_FIELDS = ("title", "abstract", "authors", "categories")


@dataclass
class LocalScan:
    records: list[PaperRecord] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)
    metadata: Path | None = None


def month_from_id(arxiv_id: str) -> datetime:
    """New-style ids start with YYMM: the month the first version was submitted."""
    yymm = arxiv_id.split(".")[0]
    return datetime(2000 + int(yymm[:2]), int(yymm[2:4]), 1, tzinfo=UTC)


def scan_directory(directory: Path, metadata_file: Path | None = None) -> LocalScan:
    if not directory.is_dir():
        raise SourceUnavailable(f"{directory} is not a directory")
    scan = LocalScan(metadata=metadata_file or find_metadata(directory))
    metadata = _load_metadata(scan.metadata, scan.skipped)
    root = directory.resolve()
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        raise SourceUnavailable(f"{directory} cannot be listed: {exc.strerror}") from exc
    for path in entries:
        if path.suffix.lower() != ".pdf" or path.name.startswith("."):
            continue
        try:
            scan.records.append(_record(path, root, metadata))
        except (BadRecord, OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop
            scan.skipped.append((printable(path.name), _reason(exc)))
    return scan


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def _record(path: Path, root: Path, metadata: dict[str, dict[str, Any]]) -> PaperRecord:
    _check_readable(path, root)
    arxiv_id, version = split_arxiv_id(path.stem)
    meta = metadata.get(arxiv_id, {})
    published = meta.get("published") or month_from_id(arxiv_id)
    return PaperRecord(
        arxiv_id=arxiv_id,
        version=version or meta.get("version") or UNKNOWN_VERSION,
        title=meta.get("title"),
        authors=meta.get("authors", []),
        abstract=meta.get("abstract"),
        categories=meta.get("categories", []),
        published=published,
        updated=published,
        pdf_path=path,
        source="local",
    )


def _check_readable(path: Path, root: Path) -> None:
    """Only regular files inside the directory itself may be read (a symlink to elsewhere would
    let a shared directory read any file the user can)."""
    resolved = path.resolve(strict=True)
    if not resolved.is_relative_to(root):
        raise BadRecord("a link to a file outside the source directory: refused")
    if not resolved.is_file():
        raise BadRecord("not a regular file")


def find_metadata(directory: Path) -> Path | None:
    """The metadata file beside the PDFs: in the directory, else in its parent."""
    for folder in (directory, directory.parent):
        for name in METADATA_NAMES:
            if (folder / name).is_file():
                return folder / name
    return None


def _load_metadata(path: Path | None, skipped: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Metadata rows by arXiv id, checked one by one: a bad row is listed in ``skipped`` as
    ``file:line`` with its reason (its PDF is still ingested, with what its name says)."""
    if path is None:
        return {}
    if not path.is_file():
        raise SourceUnavailable(f"metadata file {path} does not exist")
    by_id: dict[str, dict[str, Any]] = {}
    for line, raw in _rows(path):
        try:
            arxiv_id, meta = _metadata_row(raw)
        except BadRecord as exc:
            skipped.append((f"{path.name}:{line}", str(exc)))
            continue
        by_id[arxiv_id] = meta
    return by_id


def _rows(path: Path) -> list[tuple[int, Any]]:
    """(line number, row) pairs; a JSONL line that is not JSON comes back as a BadRecord row."""
    try:
        if path.suffix == ".jsonl":
            with path.open(encoding="utf-8", errors="surrogateescape") as handle:
                return [(n, _json_row(text)) for n, text in enumerate(handle, 1) if text.strip()]
        with path.open(newline="", encoding="utf-8", errors="surrogateescape") as handle:
            reader = csv.DictReader(handle)
            return [(reader.line_num, row) for row in reader]
    except (OSError, csv.Error) as exc:
        raise SourceUnavailable(f"metadata file {path} cannot be read: {exc}") from exc


def _json_row(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        return BadRecord(f"not a JSON object ({exc})")


def _metadata_row(row: Any) -> tuple[str, dict[str, Any]]:
    """One metadata row as record fields, or :class:`BadRecord` saying what is wrong with it."""
    if isinstance(row, BadRecord):
        raise row
    if not isinstance(row, dict):
        raise BadRecord(f"not a JSON object but {type(row).__name__}")
    arxiv_id, version = split_arxiv_id(str(row.get("arxiv_id") or ""))
    stated = row.get("version") or row.get("version_if_known")
    meta: dict[str, Any] = {"version": version or _version(stated)}
    for name in TEXT_FIELDS:
        value = row.get(name)
        if name in ("authors", "categories"):
            meta[name] = [check_text(name, item) for item in _list(value)]
        else:
            meta[name] = check_text(name, str(value).strip() or None) if value else None
    meta["published"] = _date(row.get("published")) or _year(row.get("year"))
    return arxiv_id, meta


def _version(value: Any) -> int | None:
    """``v3`` or ``3``; words (``venue:EMNLP2018``) mean unknown, a number out of range is bad."""
    text = str(value or "").strip().lower().removeprefix("v")
    return check_version(text) if text.isdigit() else None


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadRecord(f"published {printable(str(value))[:40]!r} is not an ISO date") from exc
    check_year(parsed.year)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _year(value: Any) -> datetime | None:
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    if not text.isdigit():
        raise BadRecord(f"year {printable(text)[:24]!r} is not a number")
    return datetime(check_year(int(text)), 1, 1, tzinfo=UTC)


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]
