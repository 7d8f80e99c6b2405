"""Sources: where papers come from (arXiv's API, or a local directory of PDFs).

A source yields :class:`PaperRecord` objects: one paper version's metadata plus where its PDF is
(a URL to fetch, or a local file). Sources never touch the database; ``pipeline.ingest`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# New-style identifiers (0704.0001 onwards), with an optional version suffix.
ARXIV_ID = re.compile(r"^(?P<id>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?$")

UNKNOWN_VERSION = 0  # a local PDF whose arXiv version nobody stated


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


def split_arxiv_id(text: str) -> tuple[str, int | None]:
    """``'1512.03385v3'`` -> ``('1512.03385', 3)``; ``'1512.03385'`` -> ``('1512.03385', None)``."""
    match = ARXIV_ID.match(text.strip())
    if not match:
        raise ValueError(f"not a new-style arXiv identifier: {text!r}")
    version = match.group("version")
    return match.group("id"), int(version) if version else None
