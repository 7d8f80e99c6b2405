"""Make small, valid PDFs in tests (text lines on pages), without any PDF library.

Real corpus PDFs live in ../shared; these are for tests that must run anywhere, and for building
bad inputs from known-good bytes.
"""

from __future__ import annotations

# Byte codes Helvetica's standard encoding leaves unmapped: characters beyond Latin-1 (zero-width
# spaces, bidirectional controls) are typeset with them and named in a ToUnicode map, as a PDF
# whose font maps a glyph to such a character does. PDFium gives an unmapped code the width of
# 278/1000 em; a TJ kerning of as much takes it back, so the character takes no room on the line.
_SPARE_CODES = range(0x80, 0xA0)
_SPARE_WIDTH = 278


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _to_unicode(extra: dict[str, int]) -> bytes:
    entries = "\n".join(f"<{code:02X}> <{ord(char):04X}>" for char, code in extra.items())
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Spare def /CMapType 2 def\n"
        "1 begincodespacerange <00> <FF> endcodespacerange\n"
        f"{len(extra)} beginbfchar\n{entries}\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end"
    ).encode()


def make_pdf(pages: list[list[str]]) -> bytes:
    """One Helvetica text line per string, top to bottom, on US-letter pages (characters beyond
    Latin-1 through a ToUnicode map, at most 32 distinct ones)."""
    beyond = sorted({c for lines in pages for line in lines for c in line if ord(c) > 0xFF})
    extra = dict(zip(beyond, _SPARE_CODES, strict=False))
    assert len(extra) == len(beyond), "at most 32 characters beyond Latin-1"
    objects: list[bytes] = []
    page_ids = [3 + 2 * i for i in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for index, lines in enumerate(pages):
        content_id = page_ids[index] + 1
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                f"/Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>"
            ).encode()
        )
        ops = ["BT", "/F1 10 Tf", "12 TL", "72 740 Td"]
        for line in lines:
            pieces = [
                f"({_escape(chr(extra[c]))}) {_SPARE_WIDTH}" if c in extra else f"({_escape(c)})"
                for c in line
            ]
            ops.append(f"[{' '.join(pieces)}] TJ T*" if extra else f"({_escape(line)}) Tj T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    if extra:
        cmap = _to_unicode(extra)
        to_unicode = f"/ToUnicode {font_id + 1} 0 R"
        objects.append(
            f"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica {to_unicode} >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream")
    else:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)
