"""A local directory of PDFs named by arXiv id (``1512.03385.pdf``, ``1512.03385v3.pdf``).

Optional metadata comes from ``metadata.csv`` or ``metadata.jsonl`` in the directory (or a file
given explicitly): columns ``arxiv_id`` (required), ``version``, ``title``, ``authors``
(``;``-separated in CSV), ``abstract``, ``categories``, ``published`` (ISO date) or ``year``.
Without metadata the month of publication still comes from the identifier (YYMM.NNNNN).
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
from pipeline.sources import UNKNOWN_VERSION, PaperRecord, split_arxiv_id

log = logging.getLogger(__name__)

METADATA_NAMES = ("metadata.csv", "metadata.jsonl")


@dataclass
class LocalScan:
    records: list[PaperRecord] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file name, reason)


def month_from_id(arxiv_id: str) -> datetime:
    """New-style ids start with YYMM: the month the first version was submitted."""
    yymm = arxiv_id.split(".")[0]
    return datetime(2000 + int(yymm[:2]), int(yymm[2:4]), 1, tzinfo=UTC)


def scan_directory(directory: Path, metadata_file: Path | None = None) -> LocalScan:
    if not directory.is_dir():
        raise SourceUnavailable(f"{directory} is not a directory")
    metadata = _load_metadata(metadata_file or _find_metadata(directory))
    scan = LocalScan()
    root = directory.resolve()
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() != ".pdf" or path.name.startswith("."):
            continue
        refusal = _refusal(path, root)
        if refusal:
            scan.skipped.append((path.name, refusal))
            continue
        try:
            arxiv_id, version = split_arxiv_id(path.stem)
        except ValueError:
            scan.skipped.append((path.name, "file name is not an arXiv identifier"))
            continue
        meta = metadata.get(arxiv_id, {})
        version = version or _version(meta.get("version")) or UNKNOWN_VERSION
        published = (
            _date(meta.get("published")) or _year(meta.get("year")) or month_from_id(arxiv_id)
        )
        scan.records.append(
            PaperRecord(
                arxiv_id=arxiv_id,
                version=version,
                title=meta.get("title") or None,
                authors=_list(meta.get("authors")),
                abstract=meta.get("abstract") or None,
                categories=_list(meta.get("categories")),
                published=published,
                updated=published,
                pdf_path=path,
                source="local",
            )
        )
    return scan


def _refusal(path: Path, root: Path) -> str | None:
    """Why ``path`` may not be read: only regular files inside the directory itself are (a
    symlink to elsewhere would let a shared directory read any file the user can)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root):
        return "a link to a file outside the source directory: refused"
    if not resolved.is_file():
        return "not a regular file"
    return None


def _find_metadata(directory: Path) -> Path | None:
    for name in METADATA_NAMES:
        if (directory / name).is_file():
            return directory / name
    return None


def _load_metadata(path: Path | None) -> dict[str, dict[str, Any]]:
    if path is None:
        return {}
    if not path.is_file():
        raise SourceUnavailable(f"metadata file {path} does not exist")
    rows: list[dict[str, Any]]
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    by_id: dict[str, dict[str, Any]] = {}
    for row in rows:
        raw = str(row.get("arxiv_id") or "").strip()
        try:
            arxiv_id, version = split_arxiv_id(raw)
        except ValueError:
            log.warning("metadata %s: ignoring row with arxiv_id %r", path.name, raw)
            continue
        if version and not row.get("version"):
            row["version"] = version
        by_id[arxiv_id] = row
    return by_id


def _version(value: Any) -> int | None:
    text = str(value or "").strip().lower().removeprefix("v")
    return int(text) if text.isdigit() else None


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _year(value: Any) -> datetime | None:
    text = str(value or "").strip()
    return datetime(int(text), 1, 1, tzinfo=UTC) if text.isdigit() else None


def _list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part.strip() for part in str(value or "").split(";") if part.strip()]
