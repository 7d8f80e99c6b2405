"""Parse: PDF -> :class:`~extractors.document.Document`, cached by PDF hash and parser version.

Parsing is the expensive step; extraction rules change far more often than the parser. Caching
the parsed document as gzipped JSON lets a new extractor version re-run over a whole corpus
without re-parsing, and a new parser version invalidates the cache by its key alone.
"""

from __future__ import annotations

import gzip
import json
import os
import tempfile
from pathlib import Path

from extractors.document import Document
from extractors.pdf import PARSER_VERSION, parse_pdf


def cache_path(cache_dir: Path, sha256: str) -> Path:
    return cache_dir / sha256[:2] / f"{sha256}.p{PARSER_VERSION}.json.gz"


def cached_document(pdf_path: Path, sha256: str, cache_dir: Path, max_pages: int) -> Document:
    """The parsed document for ``pdf_path``, from the cache when an entry is there."""
    path = cache_path(cache_dir, sha256)
    if path.exists():
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                return Document.from_dict(json.load(handle))
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a damaged entry is re-parsed, never trusted
    doc = parse_pdf(pdf_path, max_pages=max_pages)
    _write_atomically(path, doc)
    return doc


def _write_atomically(path: Path, doc: Document) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as handle:
            json.dump(doc.to_dict(), handle)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
