"""The parsed paper: pages of lines, words and table candidates, each with page-relative boxes.

This is the only thing extractors see of a PDF. It has no database code and round-trips through
JSON, so parsed documents can be cached by PDF hash and re-extracted without re-parsing.
Coordinates are points with the origin at the top-left of the page
(:mod:`extractors.parse.pdfium_words` gives them so).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

BBox = tuple[float, float, float, float]  # x0, top, x1, bottom


@dataclass(frozen=True)
class Word:
    text: str
    bbox: BBox
    size: float = 0.0
    bold: bool = False


@dataclass
class Line:
    """A visual line of text: words sharing a baseline, left to right."""

    text: str
    bbox: BBox
    words: list[Word] = field(default_factory=list)


@dataclass
class Table:
    """A table candidate: a grid of cell texts (row-major) with the table's box and caption."""

    bbox: BBox
    rows: list[list[str]]
    caption: str | None = None
    row_boxes: list[BBox] = field(default_factory=list)
    method: str = "words"  # how it was found: "words" (alignment of PDFium words)
    header_rows: int = 0  # the first rows are header rows (column titles, multi-level)
    # Per cell (row-major, like ``rows``): set in bold, which is how papers mark their best
    # numbers. Empty when unknown.
    bold: list[list[bool]] = field(default_factory=list)


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    text: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Document:
    sha256: str
    pages: list[Page]
    parser: str = ""
    parser_version: str = ""
    warnings: list[str] = field(default_factory=list)
    pages_in_pdf: int | None = None  # more than page_count when the page limit cut it short

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def text(self) -> str:
        return "\n".join(p.text for p in self.pages)

    def to_dict(self) -> dict[str, Any]:
        """What :meth:`from_dict` reads. Written out by hand: ``dataclasses.asdict`` deep-copies
        every one of a paper's ~10,000 words and took as long as parsing the PDF."""
        return {
            "sha256": self.sha256,
            "pages": [
                {
                    "number": p.number,
                    "width": p.width,
                    "height": p.height,
                    "text": p.text,
                    "lines": [
                        {
                            "text": ln.text,
                            "bbox": ln.bbox,
                            "words": [
                                {"text": w.text, "bbox": w.bbox, "size": w.size, "bold": w.bold}
                                for w in ln.words
                            ],
                        }
                        for ln in p.lines
                    ],
                    "tables": [asdict(t) for t in p.tables],
                }
                for p in self.pages
            ],
            "parser": self.parser,
            "parser_version": self.parser_version,
            "warnings": list(self.warnings),
            "pages_in_pdf": self.pages_in_pdf,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        pages = []
        for p in data["pages"]:
            lines = [
                Line(
                    text=ln["text"],
                    bbox=tuple(ln["bbox"]),
                    words=[
                        Word(
                            text=w["text"],
                            bbox=tuple(w["bbox"]),
                            size=w.get("size", 0.0),
                            bold=w.get("bold", False),
                        )
                        for w in ln["words"]
                    ],
                )
                for ln in p["lines"]
            ]
            tables = [
                Table(
                    bbox=tuple(t["bbox"]),
                    rows=t["rows"],
                    caption=t.get("caption"),
                    row_boxes=[tuple(b) for b in t.get("row_boxes", [])],
                    method=t.get("method", "words"),
                    header_rows=t.get("header_rows", 0),
                    bold=t.get("bold", []),
                )
                for t in p["tables"]
            ]
            pages.append(
                Page(
                    number=p["number"],
                    width=p["width"],
                    height=p["height"],
                    text=p["text"],
                    lines=lines,
                    tables=tables,
                )
            )
        return cls(
            sha256=data["sha256"],
            pages=pages,
            pages_in_pdf=data["pages_in_pdf"],  # required: older entries are parsed again
            parser=data.get("parser", ""),
            parser_version=data.get("parser_version", ""),
            warnings=list(data.get("warnings", [])),
        )
