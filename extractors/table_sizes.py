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
from extractors.parse.tables import TableView, caption_label, cell_number, table_views
from extractors.registry import register

NAME = "table_sizes"
VERSION = "3"

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
    if m is None:
        return None
    if m.group("exp"):
        return 10.0 ** int(m.group("exp"))
    letter = m.group("paren") or m.group("bracket") or m.group("prefix") or m.group("word")
    return _SCALE_LETTERS[letter[0].lower()]


def _table_sizes(table: Table, page: Page) -> list[ExtractedFact]:
    return [fact for view in table_views(table) for fact in _view_sizes(view, page)]


def _view_sizes(view: TableView, page: Page) -> list[ExtractedFact]:
    facts = []
    for column in view.value_columns:
        header = view.headers.get(column, "")
        spec = size_column(header)
        if spec is None:
            continue
        for row in view.rows:
            text = row.cells[column] if column < len(row.cells) else ""
            number = cell_number(text)
            if number is None or not row.label or "%" in text:
                continue  # a share of the parameters or FLOPs is not a count
            scale, rule, confidence = _scale(spec, number.scale, number.value)
            if scale is None:
                continue
            count = number.value * scale
            normalized = count * 2 if spec.flops_kind == "multiply_adds" else count
            facts.append(
                ExtractedFact(
                    kind=spec.kind,
                    value=text,
                    page=page.number,
                    evidence=view.evidence(row, column),
                    confidence=confidence,
                    extractor=NAME,
                    extractor_version=VERSION,
                    model=row.label,
                    # the header names the unit ("Params (M)"); a misread header stays in details
                    unit=header if len(header) <= MAX_LENGTHS["unit"] else None,
                    normalized=normalized,
                    flops_kind=spec.flops_kind,
                    rule=rule,
                    bbox=row.bbox,
                    details={
                        "header": header,
                        "count_as_printed": count,
                        "header_top": view.header_top,
                    },
                )
            )
    return facts


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
