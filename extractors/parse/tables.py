"""Table reconstruction from word positions, for tables without ruling lines (booktabs).

Most papers typeset tables with booktabs: horizontal rules only, so there are no cell borders
for a ruling-based finder. What remains is alignment: a table is a run of lines made of short,
widely spaced cells, most of them numbers; its columns are the x ranges that (almost) every body
row leaves empty between cells. Header cells that span several columns (multi-level headers
such as "ImageNet" over "Top-1 Top-5") are repeated into every column they cover, so a column's
header reads top-down ("ImageNet Top-1").

Also here: :func:`cell_number`, reading a printed table number with its footnote marks, bold
asterisks, +/- interval and unit suffix, shared by the result and size extractors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from statistics import median

from extractors.parse.document import BBox, Line, Table, Word
from extractors.parse.layout import union_box

_CAPTION = re.compile(r"^\s*(?:Table|TABLE|Tab\.)\s*([0-9]+|[IVXL]+)\b")
_MAX_CELL_SHARE = 0.6  # a cell wider than this share of its region is prose, not a table cell
_MIN_BODY_ROWS = 2
# A first cell that names the label column is a header row even when other cells are numbers
# ("Methods | SSL | 10% | 100%").
_HEADER_LABEL = re.compile(
    r"^(?:methods?|models?|architectures?|networks?|backbones?|systems?|approach(?:es)?|"
    r"detectors?|name|setting|configuration)$",
    re.I,
)
_ROW_GAP = 2.2  # lines further apart than this many line heights end a table
_COLUMN_GAP_TOLERANCE = 0.15  # share of body rows allowed to cross a column gap (spanning cells)

# A printed number in a table cell: optional approximation sign, sign, digits, then suffixes:
# unit/scale letters, %, footnote marks, a +/- interval ("76.1±0.2", "25.6M", "4.1G*", "(12.3)"),
# and a bracketed change against a baseline row, which is not part of the value ("7.93 (-22%)",
# "0.888 (-13%)" in CSPNet's FLOPs column, "25.6 (+1.2)"), signed or not: "In the brackets are
# the gains" (SPP "34.98 (1.01)", SENet "23.29 (1.51)", DY-CNNs "75.2 (3.2)").
_NUMBER = re.compile(
    r"^[~≈<>∼]?\(?(?P<num>[-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-−+]?\.\d+)\)?"
    r"(?P<scale>\s?[KMBGTkmbgt](?![a-z]))?"
    r"(?P<pct>\s?%)?"
    r"(?P<interval>\s?\(?\s?(?:±|\+/-|\+-)\s?\d+(?:\.\d+)?\s?\)?)?"
    r"(?P<delta>\s?\(\s?[-+↑↓]?\s?\d+(?:\.\d+)?\s?[KMBGTkmbgt]?\s?%?\s?\))?"
    r"(?P<marks>[\s*†‡§¶♯#⋆∗°'’a-z]{0,3})$"
)
_GLYPH_CODE = re.compile(r"\(cid:\d+\)")
_EMPTY_VALUES = {"-", "–", "—", "n/a", "N/A", "×", "✗"}
# A size written as a product ("32 × 32" patches, "224x224" inputs, "3×3" kernels; "⇥" is how
# some PDFs' fonts map the times sign): a table value, though no single number.
_DIMENSIONS = re.compile(r"^\d+(?:\.\d+)?(?:\s?[×x⇥]\s?\d+(?:\.\d+)?)+$")
_SCALES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}


@dataclass(frozen=True)
class CellNumber:
    value: float  # the number as printed, without its scale suffix
    scale: float  # multiplier of a suffix such as "M" or "G" (1.0 when there is none)
    marks: str  # footnote marks and other trailing symbols, e.g. "*", "†"
    interval: float | None  # the half-width of a printed +/- interval


def cell_number(text: str) -> CellNumber | None:
    """Read a table cell as a number: '76.2', '25.6M', '4.1G†', '77.3±0.2', '(22.1)', '1,024'."""
    if not any(ch.isdigit() for ch in text):  # most words: no need to clean them up
        return None
    s = _clean(text)
    m = _NUMBER.match(s)
    if m is None:
        return None
    marks = m.group("marks").strip()
    if any(ch.isalpha() for ch in marks) and len(marks) > 1:
        return None  # "12 layers", "3 days": text, not a table value
    scale = _SCALES[m.group("scale").strip().lower()] if m.group("scale") else 1.0
    interval = m.group("interval")
    half = float(re.sub(r"[^\d.]", "", interval)) if interval else None
    return CellNumber(float(m.group("num").replace(",", "")), scale, marks, half)


def _clean(text: str) -> str:
    """Undo typesetting splits: '16 . 4%' -> '16.4%', '−' -> '-'."""
    s = " ".join(text.replace("\u2212", "-").split())
    return re.sub(r"(\d) ?\. ?(\d)", r"\1.\2", s)


def cell_numbers(text: str) -> list[CellNumber | None]:
    """A cell read as one number or as a slash pair ('76.2 / 84.6', '95.5/90.1', '86.6/-')."""
    parts = _clean(text).split("/")
    if len(parts) == 2 and any(ch.isdigit() for ch in parts[0]):
        return [cell_number(p) for p in parts]
    return [cell_number(text)]


def is_numeric_cell(text: str) -> bool:
    if text.strip() in _EMPTY_VALUES:
        return True
    return any(n is not None for n in cell_numbers(text))


def caption_label(text: str) -> str | None:
    """'Table 3' for a line starting a table caption, else None."""
    m = _CAPTION.match(text)
    return f"Table {m.group(1)}" if m else None


@dataclass
class _Row:
    line: Line
    cells: list[list[Word]]

    @property
    def texts(self) -> list[str]:
        return [" ".join(w.text for w in c) for c in self.cells]

    @property
    def numeric(self) -> int:
        """Cells that hold a value: numbers, and sizes written as products."""
        return sum(1 for t in self.texts if is_numeric_cell(t) or _DIMENSIONS.match(t.strip()))


def split_cells(words: Sequence[Word]) -> list[list[Word]]:
    """Split a line into cells at wide gaps; two adjacent numbers are always separate cells."""
    cells: list[list[Word]] = []
    prev_number: CellNumber | None = None
    for word in sorted(words, key=lambda w: w.bbox[0]):
        number = cell_number(word.text)
        if not cells:
            cells.append([word])
            prev_number = number
            continue
        prev = cells[-1][-1]
        gap = word.bbox[0] - prev.bbox[2]
        size = max(word.size, prev.size, 4.0)
        glued = word.text in {"±", "%", "M", "B", "G", "K"} or prev.text in {"±", "+/-"}
        both_numbers = number is not None and prev_number is not None
        prev_number = number
        # "ResNet50 [5] 25.56M": a measurement right after a name starts a cell even when the
        # column gap is narrow; bare integers stay (they are part of names: "ResNet 50").
        measurement = number is not None and bool(re.search(r"[.%MGBK]", word.text))
        if not glued and (gap > 0.6 * size or both_numbers or (measurement and gap > 0.25 * size)):
            cells.append([word])
        else:
            cells[-1].append(word)
    return cells


def find_tables(lines: Sequence[Line], width: float, gutter: float | None = None) -> list[Table]:
    """Table candidates on a page, from its reading-order lines (:mod:`extractors.parse.layout`)."""
    regions = _regions(lines, width, gutter)
    found = [(i, block) for i, (rl, rw) in enumerate(regions) for block in _blocks(rl, rw)]
    consumed: set[int] = set()
    tables = []
    for number, (region, rows) in enumerate(found):
        if number in consumed:
            continue
        for other, (other_lines, other_width) in enumerate(regions):
            if other == region:
                continue
            partner = _aligned_lines(rows, other_lines, other_width)
            if partner:
                rows = _zip_rows(rows, partner)
                ids = {id(r.line) for r in partner}
                consumed.update(
                    k
                    for k, (reg, blk) in enumerate(found)
                    if reg == other and any(id(r.line) in ids for r in blk)
                )
        table = _build_table(rows)
        if table is not None:
            table.caption = _caption_for(table.bbox, lines)
            tables.append(table)
    return tables


def _regions(
    lines: Sequence[Line], width: float, gutter: float | None
) -> list[tuple[list[Line], float]]:
    """Streams of lines to look for tables in: each column, full-width lines in both."""
    if gutter is None:  # the text block, not the paper size, is what prose fills
        x0 = min((ln.bbox[0] for ln in lines), default=0.0)
        x1 = max((ln.bbox[2] for ln in lines), default=width)
        return [(sorted(lines, key=lambda ln: ln.bbox[1]), max(x1 - x0, 1.0))]
    left = [ln for ln in lines if ln.bbox[0] < gutter]
    right = [ln for ln in lines if ln.bbox[2] > gutter]
    return [
        (sorted(left, key=lambda ln: ln.bbox[1]), gutter),
        (sorted(right, key=lambda ln: ln.bbox[1]), width - gutter),
    ]


def _blocks(lines: Sequence[Line], region_width: float) -> list[list[_Row]]:
    blocks: list[list[_Row]] = []
    current: list[_Row] = []

    def close() -> None:
        body = [r for r in current if _is_body(r)]
        if len(body) >= _MIN_BODY_ROWS:
            while current and len(current[-1].cells) == 1:  # notes under the table
                current.pop()
            blocks.append(list(current))
        current.clear()

    for line in lines:
        row = _Row(line, split_cells(line.words))
        prose = _is_prose(row, region_width)
        caption = caption_label(line.text) is not None or line.text.startswith(("Figure", "Fig."))
        if current:
            prev = current[-1].line.bbox
            height = max(prev[3] - prev[1], 4.0)
            if line.bbox[1] - prev[3] > _ROW_GAP * height:
                close()
        if prose or caption:
            close()
            continue
        current.append(row)
    close()
    return blocks


def _is_body(row: _Row) -> bool:
    return len(row.cells) >= 2 and row.numeric >= 1


def _aligned_lines(rows: list[_Row], lines: Sequence[Line], width: float) -> list[_Row]:
    """The other column's lines beside a table, when they are its other half (a full-width table
    on a two-column page): short cells, on the same baselines as the table's rows."""
    top = min(r.line.bbox[1] for r in rows) - 1
    bottom = max(r.line.bbox[3] for r in rows) + 1
    beside = [_Row(ln, split_cells(ln.words)) for ln in lines if top <= ln.bbox[1] <= bottom]
    if not beside or any(_is_prose(r, width) for r in beside):
        return []
    shared = sum(1 for r in beside if any(abs(r.line.bbox[1] - t.line.bbox[1]) <= 2 for t in rows))
    return beside if shared >= max(2, 0.6 * len(beside)) else []


def _is_prose(row: _Row, region_width: float) -> bool:
    """A line of running text: one cell filling most of the column. A long row name followed
    only by numbers ("Rescoring the 1000-best with an ensemble of 5 LSTMs   36.5") is a row."""
    widest = max(union_box(c)[2] - union_box(c)[0] for c in row.cells)
    if widest <= _MAX_CELL_SHARE * region_width:
        return False
    texts = row.texts
    return len(texts) < 2 or not all(is_numeric_cell(t) for t in texts[1:])


def _zip_rows(a: list[_Row], b: list[_Row]) -> list[_Row]:
    rows: list[_Row] = [_Row(r.line, list(r.cells)) for r in a]
    for row in b:
        partner = next((r for r in rows if abs(r.line.bbox[1] - row.line.bbox[1]) <= 2), None)
        if partner is None:
            rows.append(row)
        elif partner.line is not row.line:  # a full-width line sits in both halves
            words = partner.line.words + row.line.words
            box = union_box(words)
            text = " ".join(w.text for w in sorted(words, key=lambda w: w.bbox[0]))
            partner.line = Line(text=text, bbox=box, words=sorted(words, key=lambda w: w.bbox[0]))
            partner.cells = split_cells(partner.line.words)
    return sorted(rows, key=lambda r: r.line.bbox[1])


def _columns(body: Sequence[_Row]) -> list[tuple[float, float]]:
    """Column extents: x ranges separated by gaps that (almost) no body row crosses."""
    x0 = min(r.line.bbox[0] for r in body)
    x1 = max(r.line.bbox[2] for r in body)
    steps = max(int((x1 - x0) * 2) + 1, 1)  # half-point resolution
    coverage = [0] * steps
    for row in body:
        for cell in row.cells:
            c0, _, c1, _ = union_box(cell)
            for k in range(int((c0 - x0) * 2), min(int((c1 - x0) * 2) + 1, steps)):
                coverage[k] += 1
    allowed = int(_COLUMN_GAP_TOLERANCE * len(body))
    columns: list[tuple[float, float]] = []
    start: int | None = None
    for k, count in enumerate([*coverage, 0]):
        if count > allowed and start is None:
            start = k
        elif count <= allowed and start is not None:
            columns.append((x0 + start / 2, x0 + k / 2))
            start = None
    return columns


def _build_table(rows: list[_Row]) -> Table | None:
    body_flags = [_is_body(r) and not _HEADER_LABEL.match(r.texts[0]) for r in rows]
    labelled = [any(ch.isalpha() for ch in r.texts[0]) for r in rows]
    if any(f and lab for f, lab in zip(body_flags, labelled, strict=True)):
        # Rows without a name in the first column above the named ones are header rows
        # ("0.5:0.95 0.5 0.75" under "Avg. Precision, IoU:").
        first_named = next(
            i for i, (f, lab) in enumerate(zip(body_flags, labelled, strict=True)) if f and lab
        )
        body_flags[:first_named] = [False] * first_named
    # The table proper starts at its first run of body rows; a lone numeric line above the
    # header (a running page head such as "10 Woo, Park, ...") is not part of it.
    first_body = next(
        (i for i, flag in enumerate(body_flags[:-1]) if flag and body_flags[i + 1]), None
    )
    if first_body is None:
        return None
    start = first_body
    while start > 0 and not body_flags[start - 1]:
        start -= 1
    rows, first_body = rows[start:], first_body - start
    body = [r for r in rows[first_body:] if len(r.cells) >= 2]
    columns = _columns(body)
    if len(columns) < 2:
        return None
    grid: list[list[str]] = []
    bold: list[list[bool]] = []
    for index, row in enumerate(rows):
        cells = [""] * len(columns)
        bold_cells = [True] * len(columns)
        if index < first_body - 1:  # an upper header row: its cells group the columns below
            placed = _group_headers(row.cells, columns)
        else:
            placed = [p for cell in row.cells for p in _place(cell, columns, index < first_body)]
        for col, words in placed:
            text = " ".join(w.text for w in words)
            cells[col] = f"{cells[col]} {text}".strip()
            bold_cells[col] = bold_cells[col] and all(w.bold for w in words)
        grid.append(cells)
        bold.append([flag and bool(text) for flag, text in zip(bold_cells, cells, strict=True)])
    return Table(
        bbox=union_box([w for r in rows for w in r.line.words]),
        rows=grid,
        row_boxes=[r.line.bbox for r in rows],
        method="words",
        header_rows=first_body,
        bold=bold,
    )


def _group_headers(
    cells: list[list[Word]], columns: list[tuple[float, float]]
) -> list[tuple[int, list[Word]]]:
    """Cells of an upper header row ("ImageNet", "COCO") over the columns they group: each
    column goes to the nearest such cell, if that cell is within a column pitch of it. Spanning
    headers are centred over their group and often overlap none of its columns."""
    if any(len({_cell_columns(w.bbox, columns, False)[0] for w in c}) >= 3 for c in cells):
        return [p for cell in cells for p in _place(cell, columns, header=True)]
    centres = [(c0 + c1) / 2 for c0, c1 in columns]
    pitch = median(b - a for a, b in pairwise(centres)) if len(centres) > 1 else 0.0
    placed: dict[int, list[tuple[int, list[Word]]]] = {}
    for col, centre in enumerate(centres):
        best = min(cells, key=lambda c: _distance(centre, union_box(c)))
        if _distance(centre, union_box(best)) <= pitch:
            placed.setdefault(col, []).append((col, best))
    return [p for col in sorted(placed) for p in placed[col]]


def _distance(x: float, box: BBox) -> float:
    return max(box[0] - x, 0.0, x - box[2])


def _place(
    cell: list[Word], columns: list[tuple[float, float]], header: bool
) -> list[tuple[int, list[Word]]]:
    """Which columns a cell's text goes to. A header cell spanning columns ("ImageNet" over
    "Top-1 Top-5") is repeated in each; a header line whose words were too close to split into
    cells ("Params GFLOPs Top-1") is placed word by word."""
    if header:
        by_word = [_cell_columns(w.bbox, columns, spanning=False)[0] for w in cell]
        if len(set(by_word)) >= 3:
            placed: dict[int, list[Word]] = {}
            for word, col in zip(cell, by_word, strict=True):
                placed.setdefault(col, []).append(word)
            return sorted(placed.items())
    return [(col, cell) for col in _cell_columns(union_box(cell), columns, header)]


def _cell_columns(box: BBox, columns: list[tuple[float, float]], spanning: bool) -> list[int]:
    overlaps = [min(box[2], c1) - max(box[0], c0) for c0, c1 in columns]
    if spanning:
        covered = [i for i, o in enumerate(overlaps) if o > 0]
        if covered:
            return covered
    best = max(range(len(columns)), key=lambda i: overlaps[i])
    if overlaps[best] > 0:
        return [best]
    centre = (box[0] + box[2]) / 2
    return [
        min(range(len(columns)), key=lambda i: abs((columns[i][0] + columns[i][1]) / 2 - centre))
    ]


def _caption_for(box: BBox, lines: Sequence[Line]) -> str | None:
    """The nearest "Table N" caption directly above or below the table, with its continuation."""
    best: tuple[float, int] | None = None
    for i, line in enumerate(lines):
        if caption_label(line.text) is None:
            continue
        if min(line.bbox[2], box[2]) - max(line.bbox[0], box[0]) <= 0:
            continue  # not over or under this table
        if line.bbox[3] <= box[1] + 1:
            distance = box[1] - line.bbox[3]
        elif line.bbox[1] >= box[3] - 1:
            distance = line.bbox[1] - box[3]
        else:
            continue
        if distance < 120 and (best is None or distance < best[0]):
            best = (distance, i)
    if best is None:
        return None
    index = best[1]
    parts = [lines[index].text]
    prev = lines[index].bbox
    for line in lines[index + 1 : index + 10]:
        height = max(prev[3] - prev[1], 4.0)
        if not 0 <= line.bbox[1] - prev[3] < 0.8 * height or caption_label(line.text):
            break
        if line.bbox[1] >= box[1] - 1 and line.bbox[3] <= box[3] + 1:
            break  # ran into the table itself
        parts.append(line.text)
        prev = line.bbox
    return " ".join(parts)


@dataclass(frozen=True)
class BodyRow:
    index: int  # row index in ``Table.rows``
    label: str  # the row's name: its text cells left of the first value column
    cells: list[str]
    bbox: BBox | None
    section: str = ""  # the last label-only row above it ("CoNLL 2003 English", "Test set")


class TableView:
    """A reconstructed table (or one side of a side-by-side table) read as a header per column
    and body rows named by their label columns."""

    def __init__(self, table: Table, columns: Sequence[int] | None = None) -> None:
        self.table = table
        n_cols = max((len(r) for r in table.rows), default=0)
        self.columns = list(columns) if columns is not None else list(range(n_cols))
        self.headers = {
            c: " ".join(r[c] for r in table.rows[: table.header_rows] if c < len(r) and r[c])
            for c in self.columns
        }
        body = table.rows[table.header_rows :]
        self.label_columns = _label_columns(body, self.columns)
        self.rows: list[BodyRow] = []
        previous, section = "", self._leading_section()
        for offset, cells in enumerate(body):
            index = table.header_rows + offset
            label = " ".join(cells[c] for c in self.label_columns if c < len(cells) and cells[c])
            label = " ".join(_GLYPH_CODE.sub(" ", label).split())  # unmapped ✓/✗ glyphs
            if not any(c < len(cells) and cells[c] for c in self.value_columns):
                section = label  # a section row ("CoNLL 2003 English") or a wrapped label
                continue
            box = table.row_boxes[index] if index < len(table.row_boxes) else None
            self.rows.append(BodyRow(index, label or previous, list(cells), box, section))
            previous = label or previous

    def _leading_section(self) -> str:
        """The heading of the first block when it sits in the header region: a last header row
        with one text only, starting in a label column ("ONTONOTES", "ACE 2004", set once or
        spanning two cells), under a row that heads the value columns. Later blocks' headings
        are body rows; this one is caught by the header's line grouping, and without it the
        first block has no section."""
        if self.table.header_rows < 2:
            return ""
        above, last = self.table.rows[self.table.header_rows - 2 : self.table.header_rows]
        filled = [c for c in self.columns if c < len(last) and last[c]]
        texts = {last[c] for c in filled}
        heads_values = any(c < len(above) and above[c] for c in self.value_columns)
        if len(texts) != 1 or not heads_values or filled[0] not in self.label_columns:
            return ""  # a header's wrapped second line ("Rate" under "Compress") is no heading
        text = last[filled[0]]
        return "" if is_numeric_cell(text) else text

    @property
    def header_top(self) -> float | None:
        """The top of the table's header rows (points): a page crop of a cell reaches up to it,
        so a curator sees which column the number is in."""
        boxes = self.table.row_boxes[: self.table.header_rows]
        return round(min(box[1] for box in boxes), 2) if boxes else None

    @property
    def value_columns(self) -> list[int]:
        return [c for c in self.columns if c not in self.label_columns]

    def is_bold(self, row: BodyRow, column: int) -> bool:
        """Whether the cell is set in bold (papers' mark for their best numbers)."""
        flags = self.table.bold[row.index] if row.index < len(self.table.bold) else []
        return column < len(flags) and flags[column]

    def evidence(self, row: BodyRow, column: int) -> str:
        cells = [row.cells[c] for c in self.columns if c < len(row.cells) and row.cells[c]]
        return f"{' | '.join(cells)} [column: {self.headers.get(column, '')}]"


def table_views(table: Table) -> list[TableView]:
    """Views of a table; two tables set side by side under one caption (the header of the
    first column repeats, "Model ... Model ...") are read as two. A repeat in the very next
    column is a header cell spanning both ("per-word perplexities. N" over the label and N
    columns of a hyper-parameter table), not a second table: each side needs a value column."""
    n_cols = max((len(r) for r in table.rows), default=0)
    first = TableView(table)
    name_header = first.headers.get(0, "").strip().lower()
    starts = [0]
    if name_header:
        for c in range(1, n_cols):
            if first.headers.get(c, "").strip().lower() == name_header and c - starts[-1] > 1:
                starts.append(c)
    if len(starts) == 1:
        return [first]
    bounds = [*starts, n_cols]
    return [TableView(table, range(bounds[i], bounds[i + 1])) for i in range(len(starts))]


def _label_columns(body: Sequence[list[str]], columns: Sequence[int]) -> list[int]:
    """Leading columns that are mostly text: the model names (and their settings)."""
    labels = []
    for c in columns:
        texts = [r[c] for r in body if c < len(r) and r[c]]
        numeric = sum(1 for t in texts if is_numeric_cell(t))
        if texts and numeric >= 0.5 * len(texts):
            break
        labels.append(c)
    return labels or list(columns[:1])
