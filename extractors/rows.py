"""Model rows: a paper's models, each with its results and compute, assembled from its facts.

The unit every curated dataset of this field keeps is one model of one paper with its score and
its compute. Extraction finds loose facts; this module groups them. A row is a model as printed
plus the aliases it appears under elsewhere (a size table, prose); each cell points at the fact it
came from and says why it was linked:

- ``same table row``: the number sits in the row of the result (same page, same row box);
- ``same name``: the model is printed the same way (up to case and spacing);
- ``name alignment``: the names agree once the ways papers vary a name are removed (punctuation,
  ``x``/``×``, ``(ours)``, footnote marks, citations, split and resolution suffixes, pre-training
  suffixes, depth words: "152-layer ResNet" is "ResNet-152");
- ``name contains``: one name is the other plus words, and no other row fits;
- ``paper-level statement``: a statement that names no model ("we train on 8 V100s for 3 days")
  is about the paper's own models, so it is a candidate cell of each of them.

Rows are a proposal: every cell keeps its fact's own review, and the observation of a row uses
only the cells a curator accepted (``pipeline.analysis.observations``). Nothing here reads gold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from extractors.kinds import SPECS

LINK_RANK = {
    "same table row": 0,
    "same name": 1,
    "name alignment": 2,
    "name contains": 3,
    "paper-level statement": 4,
}

_FOOTNOTES = re.compile(r"[*†‡§¶♯⋆∗✝✓]+|\^\S+")
_OURS = re.compile(r"\(\s*ours\s*\)|\bours\b|\(\s*this (?:work|paper)\s*\)", re.I)
_CITATION = re.compile(r"\[[\d,;\s–-]+\]|\([A-Z][A-Za-z-]+(?: et al\.?)?,? \d{4}\w?\)")
_SPLITS = re.compile(
    r"\(\s*(?:val(?:idation)?|test(?:-dev|-std)?|dev|minival|single[- ](?:model|scale|crop)|"
    r"multi[- ]scale|\d+[- ]crops?)\s*\)",
    re.I,
)
_RESOLUTION = re.compile(
    r"@\s*\d{2,4}(?:\s*px)?|\(?\b\d{3,4}\s*[x×]\s*\d{3,4}\b\)?|\(?\b\d{3,4}\s*px\b\)?|"
    r"\(\s*\d{3,4}\s*\)",
    re.I,
)
_PRETRAINING = re.compile(
    r"\(\s*(?:pre-?trained\s+on\s+)?(?:imagenet-?(?:1k|21k|22k)|in-?(?:1k|21k|22k)|jft(?:-\d+m)?|"
    r"ig-?\d+\w*)\s*\)|\b(?:w/|with)\s+\S+\s+pre-?training\b|\bpre-?trained\s+on\s+\S+",
    re.I,
)
_DEPTH = re.compile(r"\b(\d{1,4})[- ]layers?\s+([A-Za-z][\w-]*)", re.I)
_TIMES = re.compile(r"(?<=\d)\s*[×x]\s*(?=\d)|×")


class FactLike(Protocol):
    """What assembly reads of a fact: a stored ``db.models.Fact`` or a test double."""

    id: int
    kind: str
    benchmark: str | None
    metric: str | None
    model: str | None
    page: int | None
    bbox: Any
    confidence: float
    details: dict[str, Any] | None


@dataclass
class Cell:
    fact_id: int
    field: str  # the kind's ``row_field``: score, parameters, ops_forward_pass, ...
    link: str  # a key of LINK_RANK


@dataclass
class Row:
    key: str  # stable per paper: the aligned name, or the table row of an unnamed model
    model: str  # as printed where it was first seen (a result, else a compute fact)
    aliases: list[str] = field(default_factory=list)
    own: bool = True  # the paper's own model, not a row quoted from another paper
    cells: list[Cell] = field(default_factory=list)

    def add(self, fact: FactLike, link: str) -> None:
        if any(c.fact_id == fact.id for c in self.cells):
            return
        self.cells.append(Cell(fact.id, SPECS[fact.kind].row_field, link))
        name = (fact.model or "").strip()
        if name and name != self.model and name not in self.aliases:
            self.aliases.append(name)


def aligned_name(name: str | None) -> str:
    """The name with what papers vary removed: 'ResNet-152 (val)†' and '152-layer ResNet' both
    give 'resnet152'; 'ResNeXt-101 32×4d' and 'ResNeXt-101 (32x4d)' give 'resnext10132x4d'."""
    if not name:
        return ""
    text = _TIMES.sub("x", name)
    for pattern in (_CITATION, _OURS, _SPLITS, _PRETRAINING, _RESOLUTION):
        text = pattern.sub(" ", text)
    text = _DEPTH.sub(r"\2 \1", text)
    text = _FOOTNOTES.sub("", text.strip())
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _words(name: str | None) -> str:
    """Word-order-free key: 'Transformer (big)' ~ 'big Transformer'."""
    text = _DEPTH.sub(r"\2 \1", _TIMES.sub("x", name or "")).lower()
    return " ".join(sorted(re.findall(r"[a-z]+|\d+(?:\.\d+)?", text)))


def _same_table_row(a: FactLike, b: FactLike) -> bool:
    if a.page is None or a.page != b.page or not a.bbox or not b.bbox:
        return False
    return _y(a.bbox) == _y(b.bbox)


def _y(bbox: Sequence[float]) -> tuple[float, float]:
    return round(float(bbox[1]), 1), round(float(bbox[3]), 1)


def _quoted(fact: FactLike) -> bool:
    return bool((fact.details or {}).get("quoted_from_other_paper"))


def assemble(facts: Iterable[FactLike]) -> list[Row]:
    """The rows of one paper version: results first make rows, compute facts join them."""
    facts = sorted(facts, key=lambda f: f.id)
    rows: dict[str, Row] = {}
    results: list[tuple[FactLike, Row]] = []
    for fact in (f for f in facts if f.kind == "result"):
        key = aligned_name(fact.model) or _unnamed_key(fact)
        row = rows.setdefault(key, Row(key, (fact.model or "").strip() or key, own=False))
        row.own = row.own or not _quoted(fact)
        row.add(fact, "same name")
        results.append((fact, row))
    for fact in (f for f in facts if f.kind != "result"):
        placed = _place(fact, rows, results)
        if placed:
            for row, link in placed:
                row.add(fact, link)
        elif fact.model:  # a model no result names: its own row, for a curator to merge
            key = aligned_name(fact.model) or _unnamed_key(fact)
            row = rows.setdefault(key, Row(key, fact.model.strip()))
            row.add(fact, "same name")
    return list(rows.values())


def _unnamed_key(fact: FactLike) -> str:
    where = f"{fact.page}:{_y(fact.bbox) if fact.bbox else fact.id}"
    return "row@" + hashlib.sha1(where.encode()).hexdigest()[:12]


def _place(
    fact: FactLike, rows: dict[str, Row], results: list[tuple[FactLike, Row]]
) -> list[tuple[Row, str]]:
    for result, row in results:
        if _same_table_row(fact, result):
            return [(row, "same table row")]
    if not fact.model:
        own = [row for row in rows.values() if row.own and _has_result(row)]
        return [(row, "paper-level statement") for row in own]
    key = aligned_name(fact.model)
    if key in rows:
        printed = {rows[key].model.lower(), *(a.lower() for a in rows[key].aliases)}
        exact = " ".join(fact.model.lower().split()) in {" ".join(p.split()) for p in printed}
        return [(rows[key], "same name" if exact else "name alignment")]
    words = _words(fact.model)
    by_words = [row for row in rows.values() if _has_result(row) and _words(row.model) == words]
    if len(by_words) == 1:
        return [(by_words[0], "name alignment")]
    if len(key) >= 4:
        containing = [
            row
            for row in rows.values()
            if _has_result(row) and (key in row.key or (len(row.key) >= 4 and row.key in key))
        ]
        if len(containing) == 1:
            return [(containing[0], "name contains")]
    return []


def _has_result(row: Row) -> bool:
    return any(c.field == "score" for c in row.cells)
