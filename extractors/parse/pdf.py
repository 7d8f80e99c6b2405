"""PDF -> :class:`~extractors.parse.document.Document`: words with boxes, lines in reading
order, tables.

PDFium (through pypdfium2) gives every word with its coordinates and font (see
:mod:`extractors.parse.pdfium_words`; pdfplumber's per-character Python objects made parsing
30x slower than ``pdftotext``); from those we rebuild what a reader sees: lines (split at the
gutter of two-column pages so the left column reads before the right), and table candidates
reconstructed from word alignment (most papers typeset tables with booktabs, which has no
vertical rules for a ruling-based finder to follow; see :mod:`extractors.parse.tables`).

Input is untrusted: anything that is not a readable PDF raises :class:`PdfParseError` with a
one-line reason, and a single broken page becomes a warning on the document, not a failure.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.parse.document import Document, Line, Page
from extractors.parse.layout import find_gutter, reading_order_lines
from extractors.parse.pdfium_words import PDFIUM_LOCK, page_words
from extractors.parse.tables import find_tables

# Part of the parse-cache key: bump whenever the Document a PDF turns into can change.
PARSER_VERSION = "11"  # 11: a row of sizes written as products ("32 × 32") is a table row
PARSER_NAME = "pdfium"

log = logging.getLogger(__name__)

_PDF_MAGIC_WINDOW = 1024  # the PDF spec tolerates junk before "%PDF-"; readers accept 1 KiB
# Gap (points) below which characters belong to one word. pdfplumber's default of 3 glues words
# of tightly set papers together ("Top-1error"); inter-word spaces are rarely under 1.5 pt.
_X_TOLERANCE = 1.5
_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_PASSWORD: "the PDF is encrypted and cannot be read without its password",
    pdfium_c.FPDF_ERR_SECURITY: "the PDF uses an unsupported encryption scheme",
    pdfium_c.FPDF_ERR_FORMAT: "damaged PDF (not in PDF format or corrupted)",
    pdfium_c.FPDF_ERR_FILE: "unreadable PDF (the file cannot be opened)",
    # PDFium gave up without saying why (it reports "success" or "unknown" for some breakage)
    pdfium_c.FPDF_ERR_SUCCESS: "damaged PDF (PDFium could not load it)",
    pdfium_c.FPDF_ERR_UNKNOWN: "damaged PDF (PDFium could not load it)",
}


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
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(path)
        except pdfium.PdfiumError as exc:
            raise PdfParseError(f"{path.name}: {_load_reason(exc)}") from exc
        try:
            total = len(pdf)
            if total == 0:
                raise PdfParseError(f"{path.name}: the PDF has no pages")
            limit = total if max_pages is None else min(total, max_pages)
            if limit < total:
                warnings.append(f"parsed the first {limit} of {total} pages (max_pages)")
            for index in range(limit):
                pages.append(_parse_page(pdf, index, warnings))
        finally:
            pdf.close()
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
        pages_in_pdf=total,
    )


def _load_reason(exc: pdfium.PdfiumError) -> str:
    """One line on why PDFium could not open a file."""
    known = _LOAD_ERRORS.get(exc.err_code) if exc.err_code is not None else None
    return known or f"unreadable PDF ({' '.join(str(exc).split())[:200]})"


def _check_is_pdf(path: Path) -> None:
    if not path.is_file():
        raise PdfParseError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(_PDF_MAGIC_WINDOW)
    if not head:
        raise PdfParseError(f"{path.name}: the file is empty")
    if b"%PDF-" not in head:
        raise PdfParseError(f"{path.name}: not a PDF (no %PDF- header; starts with {head[:16]!r})")


def _parse_page(pdf: pdfium.PdfDocument, index: int, warnings: list[str]) -> Page:
    number = index + 1
    try:
        page = pdf[index]
    except pdfium.PdfiumError as exc:  # one broken page must not lose the others
        warnings.append(f"page {number}: unreadable ({exc})")
        return Page(number=number, width=0.0, height=0.0, text="")
    try:
        left, bottom, right, top = page.get_mediabox()
        width, height = float(right - left), float(top - bottom)
        try:
            words = page_words(page, x_tolerance=_X_TOLERANCE)
        except pdfium.PdfiumError as exc:
            warnings.append(f"page {number}: unreadable ({exc})")
            return Page(number=number, width=width, height=height, text="")
    finally:
        page.close()
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


__all__ = ["PARSER_VERSION", "Line", "PdfParseError", "parse_pdf", "sha256_of"]
