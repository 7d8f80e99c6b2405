"""PDF -> :class:`~extractors.document.Document`: words with boxes, lines in reading order, tables.

pdfplumber gives every word with its coordinates and font; from those we rebuild what a reader
sees: lines (split at the gutter of two-column pages so the left column reads before the right),
and table candidates reconstructed from word alignment (most papers typeset tables with
booktabs, which has no vertical rules for a ruling-based finder to follow; see
:mod:`extractors.tables`).

Input is untrusted: anything that is not a readable PDF raises :class:`PdfParseError` with a
one-line reason, and a single broken page becomes a warning on the document, not a failure.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from extractors.document import Document, Line, Page, Word
from extractors.layout import find_gutter, reading_order_lines
from extractors.tables import find_tables

# Part of the parse-cache key: bump whenever the Document a PDF turns into can change.
PARSER_VERSION = "7"
PARSER_NAME = "pdfplumber"

log = logging.getLogger(__name__)

_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
_PDF_MAGIC_WINDOW = 1024  # the PDF spec tolerates junk before "%PDF-"; readers accept 1 KiB
# Gap (points) below which characters belong to one word. pdfplumber's default of 3 glues words
# of tightly set papers together ("Top-1error"); inter-word spaces are rarely under 1.5 pt.
_X_TOLERANCE = 1.5


class PdfParseError(Exception):
    """The file cannot be turned into a Document; the message says why in one line."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_pdf(path: Path, *, max_pages: int | None = None) -> Document:
    """Parse ``path``; at most ``max_pages`` pages (the rest are skipped with a warning)."""
    path = Path(path)
    _check_is_pdf(path)
    sha = sha256_of(path)
    warnings: list[str] = []
    pages: list[Page] = []
    try:
        with pdfplumber.open(path) as pdf:
            total = len(pdf.pages)
            if total == 0:
                raise PdfParseError(f"{path.name}: the PDF has no pages")
            limit = total if max_pages is None else min(total, max_pages)
            if limit < total:
                warnings.append(f"parsed the first {limit} of {total} pages (max_pages)")
            for index in range(limit):
                pages.append(_parse_page(pdf.pages[index], index + 1, warnings))
    except PdfParseError:
        raise
    except Exception as exc:  # pdfminer raises many types on malformed files
        raise PdfParseError(f"{path.name}: {_reason(exc)}") from exc
    if not any(p.text.strip() for p in pages):
        warnings.append("no text layer (scanned PDF?): nothing to extract")
    for warning in warnings:
        log.warning("%s: %s", path.name, warning)
    return Document(
        sha256=sha,
        pages=pages,
        parser=PARSER_NAME,
        parser_version=PARSER_VERSION,
        warnings=warnings,
    )


def _reason(exc: Exception) -> str:
    """One line on why a file could not be read; pdfplumber wraps pdfminer's own exceptions."""
    if isinstance(exc, PdfminerException) and exc.args and isinstance(exc.args[0], Exception):
        exc = exc.args[0]
    if isinstance(exc, PDFPasswordIncorrect | PDFEncryptionError):
        return "the PDF is encrypted and cannot be read without its password"
    kind = "damaged PDF" if isinstance(exc, PDFSyntaxError | PSException) else "unreadable PDF"
    detail = " ".join(str(exc).split())[:200]
    return f"{kind} ({type(exc).__name__}{': ' + detail if detail else ''})"


def _check_is_pdf(path: Path) -> None:
    if not path.is_file():
        raise PdfParseError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(_PDF_MAGIC_WINDOW)
    if not head:
        raise PdfParseError(f"{path.name}: the file is empty")
    if b"%PDF-" not in head:
        raise PdfParseError(f"{path.name}: not a PDF (no %PDF- header; starts with {head[:16]!r})")


def _parse_page(page: Any, number: int, warnings: list[str]) -> Page:
    width, height = float(page.width), float(page.height)
    try:
        raw = page.extract_words(
            extra_attrs=["fontname", "size"], x_tolerance=_X_TOLERANCE, keep_blank_chars=False
        )
    except Exception as exc:  # one broken content stream must not lose the other pages
        warnings.append(f"page {number}: unreadable ({type(exc).__name__}: {exc})")
        return Page(number=number, width=width, height=height, text="")
    words = [_word(w) for w in raw if w.get("upright", True) and w["text"].strip()]
    gutter = find_gutter(words, width)
    lines = reading_order_lines(words, gutter)
    return Page(
        number=number,
        width=width,
        height=height,
        text="\n".join(line.text for line in lines),
        lines=lines,
        tables=find_tables(lines, width, gutter),
    )


def _word(raw: dict[str, Any]) -> Word:
    fontname = str(raw.get("fontname", ""))
    return Word(
        text=raw["text"].translate(_LIGATURES),
        bbox=(float(raw["x0"]), float(raw["top"]), float(raw["x1"]), float(raw["bottom"])),
        size=round(float(raw.get("size", 0.0)), 2),
        bold=_is_bold(fontname),
    )


def _is_bold(fontname: str) -> bool:
    """Bold faces: "…-Bold", "…Semibold", "…-Medi" (Times), CMBX (Computer Modern bold)."""
    name = fontname.split("+", 1)[-1].lower()
    return any(mark in name for mark in ("bold", "semibold", "black", "-medi", "cmbx", "heavy"))


__all__ = ["PARSER_VERSION", "Line", "PdfParseError", "parse_pdf", "sha256_of"]
