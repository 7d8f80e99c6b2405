"""PDF parsing: reading order, words with boxes, tables found, and clear errors for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.parse.document import Document
from extractors.parse.pdf import PARSER_VERSION, PdfParseError, parse_pdf
from tests.fixtures.pdfs import Run, prose_runs, table_runs, write_pdf

LEFT = [f"Left column line number {i} of prose." for i in range(1, 31)]
RIGHT = [f"Right column line number {i} here." for i in range(1, 31)]


@pytest.fixture(scope="module")
def two_column_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "two-column.pdf"
    page1 = [Run(200, 40, "A Title Across The Page", 14)]
    page1 += prose_runs(60, 80, LEFT) + prose_runs(330, 80, RIGHT)
    rows = [
        ["Model", "Params", "Top-1 err.", "Top-5 err."],
        ["ResNet-50 [12]", "25.6M", "23.9", "7.1"],
        ["Ours-S", "12.1M", "22.0*", "6.0"],
        ["Ours-L", "40.2M", "20.1", "5.2"],
    ]
    page2 = [Run(60, 60, "Table 2: Error rates on ImageNet validation.", 9)]
    page2 += table_runs(60, 80, rows, [0, 90, 140, 200])
    page2 += prose_runs(60, 200, LEFT[:12]) + prose_runs(330, 60, RIGHT)
    return write_pdf(path, [page1, page2, [Run(60, 60, "Third page.")]])


@pytest.fixture(scope="module")
def parsed(two_column_pdf: Path) -> Document:
    return parse_pdf(two_column_pdf)


def test_left_column_reads_before_right(parsed: Document) -> None:
    text = parsed.pages[0].text
    assert text.index("A Title Across The Page") < text.index("Left column line number 1 ")
    assert text.index("Left column line number 30") < text.index("Right column line number 1 ")
    lines = [line.text for line in parsed.pages[0].lines]
    assert "Left column line number 7 of prose." in lines  # columns are not glued into one line


def test_words_carry_boxes_inside_the_page(parsed: Document) -> None:
    page = parsed.pages[0]
    words = [w for line in page.lines for w in line.words]
    assert words
    for word in words:
        x0, top, x1, bottom = word.bbox
        assert 0 <= x0 < x1 <= page.width
        assert 0 <= top < bottom <= page.height
        assert word.size > 0


def test_table_is_reconstructed_with_caption_and_header(parsed: Document) -> None:
    (table,) = parsed.pages[1].tables
    assert table.caption == "Table 2: Error rates on ImageNet validation."
    assert table.header_rows == 1
    assert table.rows[0] == ["Model", "Params", "Top-1 err.", "Top-5 err."]
    assert table.rows[2] == ["Ours-S", "12.1M", "22.0*", "6.0"]
    assert len(table.row_boxes) == len(table.rows)


def test_document_round_trips_through_json(parsed: Document) -> None:
    again = Document.from_dict(json.loads(json.dumps(parsed.to_dict())))
    assert again == parsed
    assert parsed.parser_version == PARSER_VERSION
    assert len(parsed.sha256) == 64


def test_max_pages_keeps_the_first_pages_and_says_so(two_column_pdf: Path) -> None:
    doc = parse_pdf(two_column_pdf, max_pages=2)
    assert [p.number for p in doc.pages] == [1, 2]
    assert any("first 2 of 3 pages" in w for w in doc.warnings)


def test_a_page_without_text_is_a_warning_not_an_error(tmp_path: Path) -> None:
    doc = parse_pdf(write_pdf(tmp_path / "blank.pdf", [[]]))
    assert doc.page_count == 1
    assert any("no text layer" in w for w in doc.warnings)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"<html>not a paper</html>", "not a PDF"),
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\nthis is not a pdf body\n", "PDF"),
    ],
)
def test_bad_input_raises_one_clear_reason(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    with pytest.raises(PdfParseError, match=reason) as info:
        parse_pdf(path)
    assert "\n" not in str(info.value)
    assert "bad.pdf" in str(info.value)


def test_truncated_pdf_is_an_error_or_keeps_what_it_can(
    two_column_pdf: Path, tmp_path: Path
) -> None:
    data = two_column_pdf.read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(data[: len(data) // 3])
    try:
        doc = parse_pdf(path)
    except PdfParseError as exc:
        assert "truncated.pdf" in str(exc)
    else:  # PDFium may recover some pages; it must not invent any
        assert doc.page_count <= 3


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PdfParseError, match="no such file"):
        parse_pdf(tmp_path / "absent.pdf")


def test_encrypted_pdf_says_so(two_column_pdf: Path, tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=two_column_pdf)
    writer.encrypt("a-password-we-do-not-have")
    path = tmp_path / "locked.pdf"
    with path.open("wb") as fh:
        writer.write(fh)
    with pytest.raises(PdfParseError, match="encrypted"):
        parse_pdf(path)


def test_words_keep_printed_size_weight_and_line_end_hyphens(tmp_path: Path) -> None:
    """What the layout and table code read from each word: PDFium reports a hyphen that ends a
    line as U+0002 and the font size before the text matrix; both come back as printed."""
    page = [
        Run(60, 60, "Deep Residual Learning", 14, bold=True),
        Run(60, 100, "networks with up to 152 lay-", 9),
        Run(60, 112, "ers reach 3.57% error.", 9),
    ]
    doc = parse_pdf(write_pdf(tmp_path / "styles.pdf", [page]))
    words = {w.text: w for line in doc.pages[0].lines for w in line.words}
    assert words["Residual"].bold and words["Residual"].size == pytest.approx(14, abs=0.05)
    assert not words["lay-"].bold and words["lay-"].size == pytest.approx(9, abs=0.05)
    assert "3.57%" in words
    _, top, _, bottom = words["Residual"].bbox
    assert bottom - top == pytest.approx(14, abs=0.05)  # one printed size tall, as pdfminer


def test_invisible_characters_do_not_split_or_hide_numbers(tmp_path: Path) -> None:
    """Zero-width characters inside numbers hid facts ("7<U+200B>6.1%" parsed as "7 6.1%");
    bidirectional controls reordered the evidence on screen. Parsing drops both."""
    from extractors.registry import run_extractors
    from tests.support.pdfgen import make_pdf

    pdf = tmp_path / "invisible.pdf"
    pdf.write_bytes(
        make_pdf(
            [
                [
                    "Our ResNet-152 has 6\u200b0.2M parameters and 1\u200c1.3 billion FLOPs.",
                    "We trained it on 8 NVIDIA V100 GPUs for 3\u2060.5 days.",
                    "It reaches \u202e7\ufeff8.57\u202c% top-1 accuracy \u2066on\u2069 ImageNet.",
                    "Zero\u200dwidth joiners and \u200eLRM\u200f marks vanish too.",
                ]
            ]
        )
    )
    doc = parse_pdf(pdf)
    text = doc.pages[0].text
    assert "60.2M parameters and 11.3 billion FLOPs" in text
    assert "for 3.5 days" in text and "reaches 78.57% top-1 accuracy on ImageNet" in text
    assert "Zerowidth joiners and LRM marks" in text
    facts, _ = run_extractors(doc)
    found = {(f.kind, f.normalized) for f in facts}
    assert found >= {("parameters", 60.2e6), ("flops", 11.3e9), ("training_time", 3.5 * 86400)}


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("7\u200b6.1%", "76.1%"),
        ("\ufeff\u202eResNet\u202c", "ResNet"),
        ("hy\u00adphen", "hyphen"),  # a soft hyphen inside a word is invisible
        ("train\u00ad", "train-"),  # one that ends a line shows: the line-end rules join it
    ],
)
def test_visible_word(raw: str, word: str) -> None:
    from extractors.parse.text import visible_word

    assert visible_word(raw) == word
