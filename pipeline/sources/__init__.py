"""Sources: where papers come from (arXiv's API, or a local directory of PDFs).

A source yields :class:`PaperRecord` objects: one paper version's metadata plus where its PDF is
(a URL to fetch, or a local file). Sources never touch the database; ``pipeline.ingest`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

# New-style identifiers (0704.0001 onwards), with an optional version suffix.
ARXIV_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")

UNKNOWN_VERSION = 0  # a local PDF whose arXiv version nobody stated
MAX_VERSION = 2**31 - 1  # the papers.version column is a 32-bit integer on PostgreSQL
FIRST_YEAR = 1991  # arXiv's first year: nothing it holds was published earlier


class BadRecord(ValueError):
    """One source entry (a file name, a metadata row, a feed entry) that cannot be stored; the
    message says why in one line, and the entry is recorded as failed while the rest go on."""


@dataclass
class PaperRecord:
    arxiv_id: str
    version: int
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    abstract: str | None = None
    categories: list[str] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    pdf_url: str | None = None
    pdf_path: Path | None = None
    source: str = "arxiv"


class Versioned(Protocol):
    @property
    def arxiv_id(self) -> str: ...
    @property
    def version(self) -> int: ...


def paper_label(paper: Versioned) -> str:
    """How logs, failures and pages name a paper version: ``1512.03385v2``, or the bare id for a
    local PDF whose version nobody stated. The one place this is spelled."""
    if paper.version == UNKNOWN_VERSION:
        return paper.arxiv_id
    return f"{paper.arxiv_id}v{paper.version}"


def split_arxiv_id(text: str) -> tuple[str, int | None]:
    """``'1512.03385v3'`` -> ``('1512.03385', 3)``; ``'1512.03385'`` -> ``('1512.03385', None)``.

    Raises :class:`BadRecord` for anything else, including ids whose YYMM is no month (``0000.``,
    ``9913.``) and versions beyond what the store holds."""
    match = ARXIV_ID.match(text.strip())
    if not match:
        raise BadRecord(f"not a new-style arXiv identifier: {printable(text)!r}")
    arxiv_id, version = match.group("id"), match.group("version")
    month = int(arxiv_id[2:4])
    if not 1 <= month <= 12:
        raise BadRecord(f"{arxiv_id}: month {arxiv_id[2:4]} of YYMM.NNNNN is not 01..12")
    return arxiv_id, check_version(version) if version else None


def check_version(value: str | int) -> int:
    """A version number the store can hold (1 .. 2^31-1)."""
    text = str(value)
    if not text.isdigit() or not 1 <= int(text) <= MAX_VERSION:
        raise BadRecord(f"version {printable(text)[:24]!r} is not between 1 and {MAX_VERSION}")
    return int(text)


def check_year(year: int) -> int:
    last = datetime.now(UTC).year + 1
    if not FIRST_YEAR <= year <= last:
        raise BadRecord(f"year {year} is not between {FIRST_YEAR} and {last}")
    return year


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def check_text(name: str, value: str | None) -> str | None:
    """Text the store can hold: no NUL (PostgreSQL refuses it) and no lone surrogate (not
    UTF-8; SQLite refuses to encode it)."""
    if value is not None and (found := _UNSTORABLE.search(value)):
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate"
        raise BadRecord(f"{name} contains {what} (U+{ord(found.group()):04X})")
    return value


def check_record(record: PaperRecord) -> PaperRecord:
    """The one gate every source's record passes before it is stored (see ``pipeline.ingest``)."""
    split_arxiv_id(record.arxiv_id)
    if record.version != UNKNOWN_VERSION:
        check_version(record.version)
    for name in ("title", "abstract", "pdf_url"):
        check_text(name, getattr(record, name))
    for name in ("authors", "categories"):
        for item in getattr(record, name):
            check_text(name, item)
    for name in ("published", "updated"):
        if (moment := getattr(record, name)) is not None:
            check_year(moment.year)
    return record


def printable(text: str) -> str:
    """``text`` safe to store and print in a failure list: lone surrogates (undecodable file
    name bytes) and control characters escaped."""
    try:  # a file name's undecodable bytes back as bytes, shown as \xff
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "backslashreplace")
    safe = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in safe)
