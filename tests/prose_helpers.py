"""Small Documents for the prose-extractor tests: real sentences laid out as lines on pages."""

from __future__ import annotations

from extractors.parse.document import Document, Line, Page

LINE_HEIGHT = 12.0


def document(*pages: str) -> Document:
    """One page per argument; each text line becomes a Line with a box one line-height tall."""
    built = []
    for number, text in enumerate(pages, 1):
        lines = [
            Line(
                text=line, bbox=(72.0, 72.0 + i * LINE_HEIGHT, 540.0, 72.0 + (i + 1) * LINE_HEIGHT)
            )
            for i, line in enumerate(text.splitlines())
        ]
        built.append(Page(number=number, width=612.0, height=792.0, text=text, lines=lines))
    return Document(sha256="test", pages=built, parser="test")
