"""One PDF page -> its words with boxes, font size and weight, read from PDFium's text layer.

Why not pdfplumber's ``extract_words``: it builds one Python dict per character through
pdfminer's Python interpreter of the content stream, which was 88% of parse time (about 30x
``pdftotext``; see docs/performance.md). PDFium interprets the page in C; we only walk its
characters through a few cheap calls each and group them into words ourselves, with the same
rules pdfplumber applied (a gap wider than ``x_tolerance`` or a space ends a word; a character
more than ``y_tolerance`` above or below the word's start begins a new one), so the layout and
table code downstream sees the same kind of words as before.

Font, size, boldness and baseline are looked up once per text object (the characters of one
text-showing operator share them), not per character. Words set at an angle (the arXiv stamp in
the margin, rotated axis labels) are dropped, as they were with pdfplumber's ``upright`` flag.
"""

from __future__ import annotations

import ctypes
import re
import threading
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.parse.document import Word
from extractors.parse.text import INVISIBLE, visible_word

# PDFium is not thread-safe: every use in a process (parsing here, page pictures in the review
# UI's thread pool) holds this lock. The pipeline parses each PDF in its own child process.
PDFIUM_LOCK = threading.Lock()
_LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st"})
# PDFium reports a hyphen that ends a line as U+0002 (FPDFText_IsHyphen), not as "-". Other
# control codes come from glyphs a font does not map to Unicode: they end a word, like a space.
_LINE_END_HYPHEN = 0x02
# Zero-width characters and bidirectional controls (extractors.parse.text): dropped without
# ending the word, so "7<U+200B>6.1%" reads as the 76.1% it shows. All lie above U+0600.
_INVISIBLE_CODES = frozenset(map(ord, INVISIBLE))
_FIRST_INVISIBLE = min(_INVISIBLE_CODES)
_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_ROTATION = 0.05  # |b| / a of the text matrix: tan of about 3 degrees
_BOLD_WEIGHT = 600  # CSS/PDF font weight from which a face is bold
_DEFAULT_DESCENT = -0.2  # per point of font size, when a font does not say


# FPDFText_GetTextObject and FPDFTextObj_GetFont returning bare addresses: cache keys without a
# ctypes.cast per character (the loop below runs ~5,000 times a page).
_text_object_address = ctypes.cast(
    pdfium_c.FPDFText_GetTextObject,
    ctypes.CFUNCTYPE(ctypes.c_void_p, pdfium_c.FPDF_TEXTPAGE, ctypes.c_int),
)
_font_address = ctypes.cast(
    pdfium_c.FPDFTextObj_GetFont, ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)
)


class _Style(NamedTuple):
    """What pdfplumber's ``extra_attrs=["fontname", "size"]`` compared: a change ends a word."""

    size: float  # printed height in points: the font size scaled by the text matrix
    bold: bool
    upright: bool
    font: int  # the font's address: one per font of the document


class _Run(NamedTuple):
    """One text object's characters: their style and box extent (top-left origin). Boxes are one
    printed size tall and sit on the font's descent, as pdfminer made them (row grouping is
    tuned to that); PDFium's loose boxes follow each glyph and font's own extent, which for math
    fonts (the "x" of "3 x 3") reaches into the next line."""

    style: _Style
    top: float
    bottom: float


class _Font(NamedTuple):
    bold: bool
    descent: float  # below the baseline, per point of font size (negative)


def page_words(page: pdfium.PdfPage, *, x_tolerance: float, y_tolerance: float = 3.0) -> list[Word]:
    """The upright words of ``page``, top-left origin in points like pdfplumber's boxes."""
    left, _, _, top_edge = page.get_mediabox()
    textpage = page.get_textpage()
    try:
        return _words(textpage.raw, left, top_edge, x_tolerance, y_tolerance)
    finally:
        textpage.close()


def _words(
    raw: pdfium_c.FPDF_TEXTPAGE, left: float, top_edge: float, x_tol: float, y_tol: float
) -> list[Word]:
    get_unicode, get_box = pdfium_c.FPDFText_GetUnicode, pdfium_c.FPDFText_GetLooseCharBox
    rect = pdfium_c.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    runs: dict[int, _Run] = {}  # text object address -> its run
    fonts: dict[int, _Font] = {}  # font address -> font facts
    words: list[Word] = []
    chars: list[str] = []
    # The current word: the run of its first character and its box; the last character's x1.
    run = char_run = _Run(_Style(0.0, False, True, 0), 0.0, 0.0)
    x0 = top = x1 = bottom = last_x1 = 0.0
    run_obj = -1  # the text object of the last character

    def flush() -> None:
        if chars and run.style.upright:
            text = visible_word(_unicode("".join(chars)).translate(_LIGATURES))
            if text.strip():
                words.append(Word(text, (x0, top, x1, bottom), run.style.size, run.style.bold))
        chars.clear()

    for index in range(pdfium_c.FPDFText_CountChars(raw)):
        code = get_unicode(raw, index)
        if code == _LINE_END_HYPHEN:
            code = 0x2D
        elif code <= 0x20 or code == 0xA0 or 0x2000 <= code <= 0x200A:
            flush()  # a space, generated or typeset, ends a word; so does a line break
            continue
        elif code >= _FIRST_INVISIBLE and code in _INVISIBLE_CODES:
            continue
        if not get_box(raw, index, rect_ref):
            continue
        char_x0, char_x1 = rect.left - left, rect.right - left
        obj = _text_object_address(raw, index) or 0
        if obj != run_obj or not obj:  # most characters share the previous one's text object
            cached = runs.get(obj) if obj else None
            char_run = cached or _run(raw, index, obj, top_edge, rect.bottom, fonts)
            if obj and cached is None:
                runs[obj] = char_run
            run_obj = obj
        if chars and (
            char_x0 > last_x1 + x_tol
            or char_x0 < x0 - x_tol
            or (
                char_run is not run
                and (char_run.style != run.style or abs(char_run.top - run.top) > y_tol)
            )
        ):
            flush()
        if chars:
            x0, x1 = min(x0, char_x0), max(x1, char_x1)
            if char_run is not run:  # same style, nearly the same baseline: take in both
                top, bottom = min(top, char_run.top), max(bottom, char_run.bottom)
        else:
            run = char_run
            x0, top, x1, bottom = char_x0, char_run.top, char_x1, char_run.bottom
        chars.append(chr(code))
        last_x1 = char_x1
    flush()
    return words


def _unicode(text: str) -> str:
    """PDFium reports characters outside the BMP as UTF-16 surrogate halves: pair them up, and
    turn a lone half (a broken font map) into U+FFFD, since no database accepts one."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _run(
    raw: pdfium_c.FPDF_TEXTPAGE,
    index: int,
    obj: int,
    top_edge: float,
    box_bottom: float,
    fonts: dict[int, _Font],
) -> _Run:
    """Style and baseline of the text object that character ``index`` belongs to. The size is
    the printed one (tables are often shrunk with \\resizebox), as pdfminer reported it."""
    size = float(pdfium_c.FPDFText_GetFontSize(raw, index))
    matrix = pdfium_c.FS_MATRIX()
    upright = True
    if pdfium_c.FPDFText_GetMatrix(raw, index, matrix):
        size *= abs(matrix.d) or 1.0
        # Upright as pdfminer meant it: not rotated (a slanted, italic matrix still reads across).
        upright = matrix.a > 0 and abs(matrix.b) <= _MAX_ROTATION * matrix.a
    font_key, font = 0, _Font(False, _DEFAULT_DESCENT)
    if obj:
        font_key = _font_address(obj) or 0
        if font_key:
            font = fonts.get(font_key) or fonts.setdefault(
                font_key, _font(ctypes.cast(font_key, pdfium_c.FPDF_FONT))
            )
    x, y = ctypes.c_double(), ctypes.c_double()
    if obj and pdfium_c.FPDFText_GetCharOrigin(raw, index, ctypes.byref(x), ctypes.byref(y)):
        bottom = top_edge - (y.value + font.descent * size)
    else:  # no text object to share a baseline with: the character's own loose box
        bottom = top_edge - box_bottom
    style = _Style(round(size, 2), font.bold, upright, font_key)
    return _Run(style, bottom - style.size, bottom)


def _font(handle: pdfium_c.FPDF_FONT) -> _Font:
    length = pdfium_c.FPDFFont_GetBaseFontName(handle, None, 0)
    buffer = ctypes.create_string_buffer(max(length, 1))
    pdfium_c.FPDFFont_GetBaseFontName(handle, buffer, length)
    bold = pdfium_c.FPDFFont_GetWeight(handle) >= _BOLD_WEIGHT or _is_bold_name(
        buffer.value.decode("latin-1")
    )
    descent = ctypes.c_float()
    if not pdfium_c.FPDFFont_GetDescent(handle, 1.0, ctypes.byref(descent)):
        return _Font(bold, _DEFAULT_DESCENT)
    # Symbol and math fonts declare descents of half an em or more; text fonts about a fifth.
    return _Font(bold, min(0.0, max(descent.value, _DEFAULT_DESCENT * 1.5)))


def _is_bold_name(fontname: str) -> bool:
    """Bold faces: "…-Bold", "…Semibold", "…-Medi" (Times), CMBX (Computer Modern bold)."""
    name = fontname.split("+", 1)[-1].lower()
    return any(mark in name for mark in ("bold", "semibold", "black", "-medi", "cmbx", "heavy"))
