"""Parameter counts and FLOPs / multiply-adds from the size columns of tables.

Result tables often carry "Params", "#Param.", "FLOPs", "GFLOPs", "MACs" or "Mult-Adds" columns
beside the scores; each row's value belongs to the row's model. The unit comes from the header
("Params (M)", "GFLOPs", "FLOPs (x10^9)") or the cell ("25.6M", "4.1G"). ``flops_kind`` keeps
what the paper calls them; ``normalized`` counts a multiply-add as two FLOPs (Thompson et al.).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.confidence import AS_PRINTED, SECONDARY, STATED_UNIT, adjusted
from extractors.facts import MAX_LENGTHS, ExtractedFact, normalize_model_name
from extractors.parse.document import Document, Page, Table
from extractors.parse.tables import (
    BodyRow,
    CellNumber,
    TableView,
    caption_label,
    cell_number,
    is_numeric_cell,
    table_views,
)
from extractors.registry import register

NAME = "table_sizes"
VERSION = "6"

_PARAMS = re.compile(r"param|#\s?P\b|\bweights\b", re.I)
_MULTIPLY_ADDS = re.compile(
    r"\bMACs?\b|mult[- ]?adds?|multiply[- ]?adds?|\bM-?Adds?\b|\bMAdds\b", re.I
)
_FLOPS = re.compile(r"FLOP|\bOPs\b|\bFLOPS\b", re.I)
_PER_INSTANCE = re.compile(r"/\s?(?:s|sec|second)\b|\bthroughput\b|\bFLOP/s\b|\bTFLOPS\b", re.I)
# Unit words in a header: "(M)", "(B)", "[G]", "GFLOPs", "MFLOPs", "(x10^9)", "(millions)".
_HEADER_SCALE = re.compile(
    r"\(\s*(?P<paren>[KMBGT]|mil(?:lion)?s?|bil(?:lion)?s?)\s*\)"
    r"|\[\s*(?P<bracket>[KMBGT])\s*\]"
    r"|\b(?P<prefix>[KMGBT])(?=FLOPs?|MACs?|Mult|Adds|Params?)"
    r"|(?:x|×|\*)\s?10\s?\^?\s?(?P<exp>\d+)"
    r"|\b(?P<word>million|billion)s?\b",
    re.I,
)
_BRACKETED = re.compile(r"\([^()]*\)")  # "7.93 (-22%)": the share is the change's
_MULTIPLE = ("x", "×")  # a cell's mark saying it is a ratio to another model's size
_SCALE_LETTERS = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}


@dataclass(frozen=True)
class _SizeColumn:
    kind: str  # "parameters" or "flops"
    flops_kind: str | None
    scale: float | None  # from the header; None when the header gives no unit


@register(NAME, VERSION, kinds=("parameters", "flops"))
def extract_table_sizes(doc: Document) -> list[ExtractedFact]:
    """Parameter counts and FLOPs/multiply-adds from table columns, linked to the row's model."""
    facts: list[ExtractedFact] = []
    seen: set[tuple[str, str, float]] = set()
    identities: set[tuple[str, str, int]] = set()
    for page in doc.pages:
        for table in page.tables:
            where = caption_label(table.caption or "") or "table"
            for fact in _table_sizes(table, page):
                key = (fact.kind, normalize_model_name(fact.model), fact.normalized or 0.0)
                if key in seen:
                    continue  # the same number for the same model, e.g. in two tables
                seen.add(key)
                # One fact per model, kind and page is what the store keeps (its identity), so
                # a second value for the same name on the page says where it comes from.
                for qualifier in ("", where, fact.value):
                    model = f"{fact.model} ({qualifier})" if qualifier else fact.model
                    identity = (fact.kind, normalize_model_name(model), fact.page)
                    if identity not in identities:
                        identities.add(identity)
                        fact.model = model
                        facts.append(fact)
                        break
    return facts


def size_column(header: str) -> _SizeColumn | None:
    """What a size column's header says: kind, FLOPs vs multiply-adds, and unit."""
    if _PER_INSTANCE.search(header):
        return None
    scale = header_scale(header)
    if _PARAMS.search(header) and (_FLOPS.search(header) or _MULTIPLY_ADDS.search(header)):
        return None  # one header over both columns: which is which is not known here
    if _MULTIPLY_ADDS.search(header):
        return _SizeColumn("flops", "multiply_adds", scale)
    if _FLOPS.search(header):
        return _SizeColumn("flops", "flops", scale)
    if _PARAMS.search(header):
        return _SizeColumn("parameters", None, scale)
    return None


def header_scale(header: str) -> float | None:
    m = _HEADER_SCALE.search(header)
    return None if m is None else _match_scale(m)


def _match_scale(m: re.Match[str]) -> float:
    if m.group("exp"):
        return 10.0 ** int(m.group("exp"))
    letter = m.group("paren") or m.group("bracket") or m.group("prefix") or m.group("word")
    return _SCALE_LETTERS[letter[0].lower()]


def _table_sizes(table: Table, page: Page) -> list[ExtractedFact]:
    return [
        fact
        for view in table_views(table)
        for fact in (*_view_sizes(view, page), *_transposed_sizes(view, page))
    ]


def _transposed_sizes(view: TableView, page: Page) -> list[ExtractedFact]:
    """Size rows of a table whose columns are the models (architecture specifications:
    "Parameters | 26.6M | 58.7M" under "Specification | VOLO-D1 | VOLO-D2", "#P | 25.0M |
    27.7M", "FLOPs (G) | 2.1 | 3.9", "Params. ( x 10 6 ) | 25 | 22"): each value is the size of
    the model its column's name row names."""
    facts = []
    for row in view.rows:
        spec = size_column(row.label)
        if spec is None:
            continue
        filled = [c for c in view.value_columns if c < len(row.cells) and row.cells[c].strip()]
        values = {c: number for c in filled if (number := cell_number(row.cells[c]))}
        if len(values) < 2 or not all(is_numeric_cell(row.cells[c]) for c in filled):
            continue  # a cell that is no number ("1.8 x 10" with its exponent apart): misread
        names = _column_names(view, row, list(values))
        for column, number in values.items() if names else ():
            if not _a_count(row.cells[column], number):
                continue  # a share of the parameters ("Trained params/task 52.9%")
            fact = _size_fact(view, page, row, column, spec, number, row.label, names[column])
            if fact is not None:
                fact.details["transposed"] = True
                facts.append(fact)
    return facts


def _a_count(text: str, number: CellNumber) -> bool:
    """Whether a size cell is a count: not a share ("52.9%"; a change in brackets, "7.93
    (-22%)", is) and not a multiple of another model's size ("0.67x" in a "#FLOPs ratio"
    column, "6.6x")."""
    return "%" not in _BRACKETED.sub("", text) and number.marks not in _MULTIPLE


def _column_names(view: TableView, size_row: BodyRow, columns: list[int]) -> dict[int, str] | None:
    """The models of a transposed table's value columns: the first row above the size row
    naming each of them with a distinct text that is not a number (a caption line or a
    spanning header repeated over the columns is not that row)."""
    for cells in view.table.rows[: size_row.index]:
        names = {c: cells[c].strip() if c < len(cells) else "" for c in columns}
        texts = list(names.values())
        if all(texts) and len(set(texts)) == len(texts) and not any(map(cell_number, texts)):
            return names
    return None


def shared_header_kinds(header: str) -> tuple[str, str] | None:
    """The two kinds a header over both size columns names, in the order it names them
    ("Params FLOPs (M) (B)" -> parameters, flops); None for any other header."""
    if _PER_INSTANCE.search(header):
        return None
    params = _PARAMS.search(header)
    flops = _FLOPS.search(header) or _MULTIPLY_ADDS.search(header)
    if params is None or flops is None:
        return None
    return ("parameters", "flops") if params.start() < flops.start() else ("flops", "parameters")


def view_size_columns(view: TableView) -> dict[int, _SizeColumn]:
    """The size columns of a view. A header cell spanning the Params and FLOPs columns (two
    header rows merged: "Theo Params FLOPs (M) (B)", "image #param. FLOPs size") is resolved
    per column, first by the cells' suffixes (parameters are printed in M, FLOPs in G: "350M",
    "179.0G"), then by position: two columns under one such header hold its kinds in the order
    it names them ("FLOPs (B) params (M)" over "16.0 ± 0.36 | 61.5 ± 1.32"); the column after a
    column of the first-named kind holds the second, the column before one of the second-named
    kind the first."""
    specs = {c: spec for c in view.value_columns if (spec := size_column(view.headers.get(c, "")))}
    shared = {
        c: kinds for c in view.value_columns if (kinds := shared_header_kinds(view.headers[c]))
    }
    for column in shared:
        kind = _suffix_kind(view, column)
        if kind is not None:
            specs[column] = _shared_column(view.headers[column], kind, shared[column])
    for column, kinds in shared.items():  # two columns under one header: in its order
        pair = (column - 1 not in shared, column + 1 in shared, column + 2 not in shared)
        if all(pair) and view.headers[column + 1] == view.headers[column]:
            for offset, kind in enumerate(kinds):
                specs.setdefault(column + offset, _shared_column(view.headers[column], kind, kinds))
    for column, (first, second) in shared.items():
        left, right = specs.get(column - 1), specs.get(column + 1)
        if column in specs:
            continue
        if left is not None and left.kind == first:
            specs[column] = _shared_column(view.headers[column], second, (first, second))
        elif right is not None and right.kind == second:
            specs[column] = _shared_column(view.headers[column], first, (first, second))
    return specs


def _suffix_kind(view: TableView, column: int) -> str | None:
    scales = {
        number.scale
        for row in view.rows
        if column < len(row.cells) and (number := cell_number(row.cells[column]))
    }
    return {frozenset({1e6}): "parameters", frozenset({1e9}): "flops"}.get(frozenset(scales))


def _shared_column(header: str, kind: str, kinds: tuple[str, str]) -> _SizeColumn:
    """A column under a shared header: its unit is the header's unit word in the position of
    its kind when the header gives one per kind ("Params FLOPs (M) (B)"), else the cells'."""
    units = list(_HEADER_SCALE.finditer(header))
    scale = _match_scale(units[kinds.index(kind)]) if len(units) == 2 else None
    if kind == "parameters":
        return _SizeColumn("parameters", None, scale)
    counted = "multiply_adds" if _MULTIPLY_ADDS.search(header) else "flops"
    return _SizeColumn("flops", counted, scale)


def _view_sizes(view: TableView, page: Page) -> list[ExtractedFact]:
    facts = []
    for column, spec in view_size_columns(view).items():
        header = view.headers.get(column, "")
        for row in view.rows:
            text = row.cells[column] if column < len(row.cells) else ""
            number = cell_number(text)
            if number is None or not row.label or not _a_count(text, number):
                continue
            fact = _size_fact(view, page, row, column, spec, number, header, row.label)
            if fact is not None:
                facts.append(fact)
    return facts


def _size_fact(
    view: TableView,
    page: Page,
    row: BodyRow,
    column: int,
    spec: _SizeColumn,
    number: CellNumber,
    header: str,
    model: str,
) -> ExtractedFact | None:
    """The fact of one size cell; ``header`` is what names its kind and unit (the column's
    header, or the row's label in a transposed table)."""
    scale, rule, confidence = _scale(spec, number.scale, number.value)
    if scale is None:
        return None
    count = number.value * scale
    return ExtractedFact(
        kind=spec.kind,
        value=row.cells[column],
        page=page.number,
        evidence=view.evidence(row, column),
        confidence=confidence,
        extractor=NAME,
        extractor_version=VERSION,
        model=model,
        # the header names the unit ("Params (M)"); a misread header stays in details
        unit=header if len(header) <= MAX_LENGTHS["unit"] else None,
        normalized=count * 2 if spec.flops_kind == "multiply_adds" else count,
        flops_kind=spec.flops_kind,
        rule=rule,
        bbox=row.bbox,
        details={"header": header, "count_as_printed": count, "header_top": view.header_top},
    )


def _scale(spec: _SizeColumn, cell_scale: float, value: float) -> tuple[float | None, str, float]:
    """The multiplier for a cell, the rule that chose it and how sure it is."""
    if cell_scale != 1.0:
        return cell_scale, "cell_suffix", STATED_UNIT
    if spec.scale is not None:
        return spec.scale, "header_unit", STATED_UNIT
    # No unit anywhere: papers print parameters in millions and FLOPs in billions (GFLOPs) by
    # default; anything else is too ambiguous to store.
    if spec.kind == "parameters" and value < 10_000:
        return 1e6, "assumed_millions", SECONDARY
    if spec.kind == "flops" and value < 1_000:
        return 1e9, "assumed_billions", adjusted(SECONDARY, ["flops_unit_assumed"])
    if value >= 100_000:  # a full count ("22,855,952"): it is its own unit
        return 1.0, "count_as_printed", AS_PRINTED
    return None, "", 0.0
