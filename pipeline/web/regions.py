"""Pictures of where a fact came from: the PDF page region around its box, from the cached PDF.

A curator checks a number fastest against the page itself (a table cell can be misread as text).
The region spans the page's width and a few lines above and below the fact's box, which is drawn
in; without a box the whole page is shown. A table cell's region (``context_top``, the top of
its table's header rows) reaches up to the header, so the column can be checked. Boxes are the
parser's: points, origin top-left.
PNGs are cached by PDF hash, page and box, so paging back and forth renders nothing twice; they
are written atomically, and the app removes stale temporary files of killed writers at start.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from extractors.atomic import write_bytes
from extractors.parse.pdfium_words import PDFIUM_LOCK
from pipeline.errors import UserError

MARGIN_POINTS = 36.0  # about three lines of body text above and below the box
MAX_WIDTH_PIXELS = 1400
HIGHLIGHT = (220, 30, 30)


class RegionUnavailable(UserError):
    """The region cannot be drawn: no cached PDF, no such page, or a PDF PDFium cannot open."""


def region_png(
    pdf_path: str | None,
    page: int | None,
    bbox: Sequence[float] | None,
    cache_dir: Path,
    pdf_sha256: str | None = None,
    context_top: float | None = None,
) -> bytes:
    """PNG bytes of the region of 1-based ``page`` around ``bbox`` (cached in ``cache_dir``),
    from ``context_top`` down when that lies above the box."""
    if not pdf_path or not Path(pdf_path).is_file():
        raise RegionUnavailable("the PDF is not in the cache")
    if page is None or page < 1:
        raise RegionUnavailable("the fact has no page")
    box = tuple(float(v) for v in bbox) if bbox and len(bbox) == 4 else None
    top = float(context_top) if isinstance(context_top, int | float) else None
    identity = f"{pdf_sha256 or pdf_path}|{page}|{box}|{top}".encode()
    cached = cache_dir / f"{hashlib.sha256(identity).hexdigest()[:32]}.png"
    if cached.is_file():
        return cached.read_bytes()
    png = _render(Path(pdf_path), page, box, top)
    cache_dir.mkdir(parents=True, exist_ok=True)
    write_bytes(cached, png)
    return png


def _rasterize(
    pdf_path: Path, page_number: int, box: tuple[float, ...] | None, context_top: float | None
) -> tuple[Image.Image, float, float, tuple[float, ...] | None]:
    """The page strip around ``box`` as an image, its scale, its top (points) and the box kept
    (None when there was none or it lies off the page)."""
    document = pdfium.PdfDocument(pdf_path)
    try:
        if page_number > len(document):
            raise RegionUnavailable(f"the PDF has no page {page_number}")
        page = document[page_number - 1]
        width, height = page.get_size()
        scale = min(2.0, MAX_WIDTH_PIXELS / max(width, 1.0))
        top, bottom = 0.0, height
        if box is not None and 0 <= box[1] < box[3] <= height:
            above = box[1] if context_top is None else min(box[1], context_top)
            top = max(0.0, above - MARGIN_POINTS)
            bottom = min(height, box[3] + MARGIN_POINTS)
        else:
            box = None  # no box, or one that is not on this page: show the whole page
        image = page.render(scale=scale, crop=(0, height - bottom, 0, top)).to_pil()
        page.close()
    finally:
        document.close()
    return image, scale, top, box


def _render(
    pdf_path: Path, page_number: int, box: tuple[float, ...] | None, context_top: float | None
) -> bytes:
    with PDFIUM_LOCK:
        try:
            image, scale, top, box = _rasterize(pdf_path, page_number, box, context_top)
        except pdfium.PdfiumError as exc:
            raise RegionUnavailable(f"PDFium cannot render the PDF: {exc}") from exc
    if box is not None:
        x0, y0, x1, y1 = box
        ImageDraw.Draw(image).rectangle(
            [(x0 - 2) * scale, (y0 - top - 2) * scale, (x1 + 2) * scale, (y1 - top + 2) * scale],
            outline=HIGHLIGHT,
            width=max(2, round(scale * 1.5)),
        )
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
