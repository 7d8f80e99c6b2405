"""Table reconstruction from word positions, and reading printed table numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.parse.document import Line, Table, Word
from extractors.parse.layout import make_line
from extractors.parse.pdf import parse_pdf
from extractors.parse.tables import (
    caption_label,
    cell_number,
    cell_numbers,
    find_tables,
    split_cells,
    table_views,
)
from tests.fixtures.pdfs import Run, prose_runs, table_runs, write_pdf


@pytest.mark.parametrize(
    ("text", "value", "scale", "marks", "interval"),
    [
        ("76.2", 76.2, 1.0, "", None),
        ("25.6M", 25.6, 1e6, "", None),
        ("4.1G†", 4.1, 1e9, "†", None),
        ("77.3±0.2", 77.3, 1.0, "", 0.2),
        ("77.3 ± 0.2", 77.3, 1.0, "", 0.2),
        ("(22.1)", 22.1, 1.0, "", None),
        ("1,024", 1024.0, 1.0, "", None),
        ("16 . 4%", 16.4, 1.0, "", None),
        ("28.4*", 28.4, 1.0, "*", None),
        ("−3.5", -3.5, 1.0, "", None),
    ],
)
def test_cell_number_reads_marks_units_and_intervals(
    text: str, value: float, scale: float, marks: str, interval: float | None
) -> None:
    number = cell_number(text)
    assert number is not None
    assert number.value == pytest.approx(value)
    assert number.scale == scale
    assert number.marks == marks
    assert number.interval == interval


@pytest.mark.parametrize("text", ["ResNet-50", "12 layers", "3 days", "", "Top-1", "v2"])
def test_text_is_not_a_number(text: str) -> None:
    assert cell_number(text) is None


def test_slash_pairs_are_two_numbers() -> None:
    em, f1 = cell_numbers("76.2 / 84.6")
    assert em is not None and f1 is not None
    assert (em.value, f1.value) == (76.2, 84.6)
    assert cell_numbers("86.6/-")[1] is None
    assert len(cell_numbers("76.2")) == 1


def test_caption_labels() -> None:
    assert caption_label("Table 3: Results on COCO") == "Table 3"
    assert caption_label("TABLE IV. Comparison") == "Table IV"
    assert caption_label("As Table 3 shows") is None


def _line(*cells: tuple[float, str], top: float = 100.0, size: float = 8.0) -> Line:
    words = []
    for x, text in cells:
        for part in text.split():
            width = len(part) * size * 0.5
            words.append(Word(part, (x, top, x + width, top + size), size))
            x += width + size * 0.25
    return make_line(words)


def test_split_cells_at_column_gaps_and_between_numbers() -> None:
    line = _line((50, "ResNet-50 [12]"), (150, "25.6M"), (200, "76.1"))
    assert [" ".join(w.text for w in c) for c in split_cells(line.words)] == [
        "ResNet-50 [12]",
        "25.6M",
        "76.1",
    ]
    tight = make_line([Word("76.1", (50, 0, 66, 8), 8), Word("93.0", (68, 0, 84, 8), 8)])
    assert len(split_cells(tight.words)) == 2
    interval = make_line(
        [
            Word("76.1", (50, 0, 66, 8), 8),
            Word("±", (70, 0, 74, 8), 8),
            Word("0.2", (78, 0, 88, 8), 8),
        ]
    )
    assert len(split_cells(interval.words)) == 1


def test_multi_level_header_repeats_spanning_cells() -> None:
    lines = [
        _line((130, "ImageNet"), (230, "COCO"), top=100),
        _line((50, "Model"), (120, "Top-1"), (160, "Top-5"), (220, "AP"), (260, "AP50"), top=112),
        _line((50, "Ours-A"), (120, "76.1"), (160, "93.0"), (220, "40.1"), (260, "60.2"), top=124),
        _line((50, "Ours-B"), (120, "78.3"), (160, "94.1"), (220, "42.0"), (260, "62.9"), top=136),
    ]
    (table,) = find_tables(lines, 612.0)
    assert table.header_rows == 2
    (view,) = table_views(table)
    assert [view.headers[c] for c in view.value_columns] == [
        "ImageNet Top-1",
        "ImageNet Top-5",
        "COCO AP",
        "COCO AP50",
    ]
    assert [r.label for r in view.rows] == ["Ours-A", "Ours-B"]


def test_prose_ends_a_table_and_a_running_head_is_dropped() -> None:
    lines = [
        _line((50, "12 Some Author et al."), top=60),
        _line((50, "Model"), (150, "Params"), (200, "Top-1"), top=100),
        _line((50, "Net-A"), (150, "5.1M"), (200, "74.2"), top=112),
        _line((50, "Net-B"), (150, "6.4M"), (200, "75.7"), top=124),
        _line(
            (50, "This is a sentence of prose that runs across nearly the whole column " * 2),
            top=160,
        ),
    ]
    (table,) = find_tables(lines, 612.0)
    assert table.rows[0] == ["Model", "Params", "Top-1"]
    assert len(table.rows) == 3


def test_side_by_side_tables_are_read_as_two_views() -> None:
    table = Table(
        bbox=(0, 0, 100, 100),
        rows=[
            ["Model", "Top-1", "Model", "Top-1"],
            ["A", "70.1", "C", "72.5"],
            ["B", "71.0", "D", "73.0"],
        ],
        header_rows=1,
    )
    left, right = table_views(table)
    assert [r.label for r in left.rows] == ["A", "B"]
    assert [r.label for r in right.rows] == ["C", "D"]
    assert right.value_columns == [3]


def test_section_rows_name_the_rows_below() -> None:
    table = Table(
        bbox=(0, 0, 100, 100),
        rows=[["Model", "F1"], ["CoNLL 2003 English", ""], ["Ours", "93.5"]],
        header_rows=1,
    )
    (view,) = table_views(table)
    assert view.rows[0].section == "CoNLL 2003 English"
    assert view.rows[0].label == "Ours"


@pytest.mark.parametrize(
    ("rows", "section"),
    [
        # 2005.07150 Table 3: the first block's heading spans two cells of the header region
        (
            [["Model", "P", "R", "F1"], ["ONTONOTES", "ONTONOTES", "", ""]],
            "ONTONOTES",
        ),
        # 2005.07150 Table 2 (no header over the labels), 1708.02002 and 1804.02767 Table 2/3
        ([["", "P", "R", "F1"], ["ACE 2004", "", "", ""]], "ACE 2004"),
        (
            [["", "backbone", "AP", "AP 50"], ["Two-stage methods", "", "", ""]],
            "Two-stage methods",
        ),
        # 1510.00149 Table 1: "Compress / Rate" wraps in a value column, no heading
        ([["Network", "Top-1 Error", "Compress"], ["", "", "Rate"]], ""),
    ],
)
def test_first_block_heading_caught_in_the_header_is_its_section(
    rows: list[list[str]], section: str
) -> None:
    body = [["Our model", "91.1", "91.5", "91.3"][: len(rows[0])]]
    table = Table(bbox=(0, 0, 100, 100), rows=[*rows, *body], header_rows=2)
    (view,) = table_views(table)
    assert view.rows[0].section == section


def test_full_width_table_on_a_two_column_page_is_one_table(tmp_path: Path) -> None:
    left = [f"Left column prose line {i} here." for i in range(30)]
    right = [f"Right column prose line {i} here." for i in range(30)]
    rows = [
        ["Method", "Backbone", "AP", "AP50", "AP75"],
        ["Baseline [3]", "ResNet-101", "36.2", "59.1", "39.0"],
        ["Ours", "ResNeXt-101", "40.8", "61.1", "44.1"],
        ["Ours (ms)", "ResNeXt-101", "41.5", "62.0", "44.9"],
    ]
    runs = [Run(60, 40, "Table 2: Results on COCO test-dev.", 9)]
    runs += table_runs(60, 60, rows, [0, 120, 330, 380, 430])
    runs += prose_runs(60, 140, left) + prose_runs(330, 140, right)
    doc = parse_pdf(write_pdf(tmp_path / "wide.pdf", [runs]))
    (table,) = doc.pages[0].tables
    assert table.rows[0] == ["Method", "Backbone", "AP", "AP50", "AP75"]
    assert table.rows[2] == ["Ours", "ResNeXt-101", "40.8", "61.1", "44.1"]
    assert table.caption == "Table 2: Results on COCO test-dev."


def test_bold_cells_are_marked(tmp_path: Path) -> None:
    runs = [Run(60, 40, "Table 1: Results on ImageNet.", 9)]
    runs += table_runs(60, 60, [["Model", "Top-1"], ["Base", "76.1"]], [0, 120])
    runs += [Run(60, 84, "Ours", 8), Run(180, 84, "79.3", 8, bold=True)]
    doc = parse_pdf(write_pdf(tmp_path / "bold.pdf", [runs]))
    (table,) = doc.pages[0].tables
    assert table.rows[2] == ["Ours", "79.3"]
    assert table.bold[2] == [False, True]
    assert table.bold[1] == [False, False]


def test_a_header_cell_over_the_label_column_does_not_split_the_table() -> None:
    # Transformer, Table 3: "per-word perplexities. N" spans the row-label and N columns.
    table = Table(
        bbox=(0, 0, 100, 100),
        rows=[
            ["per-word perplexities. N", "per-word perplexities. N", "BLEU (dev)", "params × 10 6"],
            ["base", "6", "25.8", "65"],
            ["big", "6", "26.4", "213"],
        ],
        header_rows=1,
    )
    (view,) = table_views(table)
    assert [r.label for r in view.rows] == ["base", "big"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7.93 (-22%)", 7.93),  # CSPNet, Table 3 (BFLOPs against the baseline row)
        ("1.905 (−16%)", 1.905),
        ("81.6 ( + 0.0)", 81.6),  # CycleMLP, Table 5 (top-1 against the baseline row)
        ("25.6 (+1.2)", 25.6),
        ("4.1G (+0.2G)", 4.1),
        # unsigned, the caption saying what the brackets hold ("In the brackets are the gains")
        ("34.98 (1.01)", 34.98),  # SPP (1406.4729), Table 2
        ("23 . 29 (1 . 51)", 23.29),  # SENet (1709.01507), Table 2, SENet column
        ("75.2 (3 . 2)", 75.2),  # DY-CNNs (1912.03458), Table 8
    ],
)
def test_a_bracketed_change_is_not_part_of_the_value(text: str, value: float) -> None:
    number = cell_number(text)
    assert number is not None and number.value == pytest.approx(value)


def test_a_row_of_sizes_written_as_products_keeps_the_rows_above_it() -> None:
    """Architecture tables print patch and input sizes as products (MLP-Mixer's "Patch
    resolution P×P | 32×32 | 16×16", MViT's "8 × 224 × 224", ResNet's "3×3, 64"): a row of
    them is a table row, so the header and the rows above it stay in the table."""
    lines = [
        _line((50, "Specification"), (150, "S/32"), (200, "B/16"), (250, "H/14"), top=100),
        _line((50, "Number of layers"), (150, "8"), (200, "12"), (250, "32"), top=112),
        _line((50, "Patch size"), (150, "32 × 32"), (200, "16×16"), (250, "14 × 14"), top=124),
        _line((50, "Hidden size C"), (150, "512"), (200, "768"), (250, "1280"), top=136),
        _line((50, "Parameters (M)"), (150, "19"), (200, "59"), (250, "431"), top=148),
    ]
    (table,) = find_tables(lines, 612.0)
    assert table.rows[0] == ["Specification", "S/32", "B/16", "H/14"]
    assert table.header_rows == 1 and len(table.rows) == 5
