"""Parse: PDF -> :class:`~extractors.parse.document.Document`, cached by PDF hash and parser
version.

Parsing is the expensive step; extraction rules change far more often than the parser. Caching
the parsed document as gzipped JSON lets a new extractor version re-run over a whole corpus
without re-parsing, and a new parser version (or page limit) invalidates the cache by its key
alone. Entries are written atomically (:mod:`extractors.atomic`), so a killed run never leaves a
half-written entry under a real name.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from extractors.atomic import write_bytes
from extractors.parse.document import Document
from extractors.parse.pdf import PARSER_VERSION, parse_pdf, sha256_of


def cache_path(cache_dir: Path, sha256: str, max_pages: int) -> Path:
    """Keyed by PDF, parser version and page limit: a document cut at 5 pages is not the one a
    limit of 120 asks for."""
    return cache_dir / sha256[:2] / f"{sha256}.p{PARSER_VERSION}.m{max_pages}.json.gz"


class DamagedPdf(Exception):
    """The PDF on disk is not the one that was ingested (its SHA-256 differs)."""


def cached_document(pdf_path: Path, sha256: str, cache_dir: Path, max_pages: int) -> Document:
    """The parsed document for ``pdf_path``, from the cache when an entry is there.

    Neither a damaged cache entry nor a PDF whose bytes changed since ingest is ever used: an
    entry must load and name the expected hash, and a fresh parse must hash to it.
    """
    path = cache_path(cache_dir, sha256, max_pages)
    if path.exists():
        try:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                cached = Document.from_dict(json.load(handle))
            if cached.sha256 == sha256:
                return cached
        except (OSError, EOFError, ValueError, KeyError, TypeError):
            pass
        path.unlink(missing_ok=True)  # a damaged entry is re-parsed, never trusted
    actual = sha256_of(pdf_path)
    if actual != sha256:
        raise DamagedPdf(
            f"{pdf_path.name}: the cached PDF changed since it was ingested (SHA-256 "
            f"{actual[:12]}..., expected {sha256[:12]}...); ingest it again"
        )
    doc = parse_pdf(pdf_path, max_pages=max_pages)
    _write_atomically(path, doc)
    return doc


def _write_atomically(path: Path, doc: Document) -> None:
    # json.dumps takes the C encoder (json.dump to a stream does not); level 1 compresses this
    # text nearly as well as 9 at a fraction of the time.
    payload = json.dumps(doc.to_dict(), ensure_ascii=False, separators=(",", ":"))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, gzip.compress(payload.encode("utf-8"), compresslevel=1))
