"""Model rows: a paper's models, each with its results and compute, assembled from its facts.

The unit every curated dataset of this field keeps is one model of one paper with its score and
its compute. Extraction finds loose facts; this module groups them. A row is a model as printed
plus the aliases it appears under elsewhere (a size table, prose), on one benchmark (a model
scored on two is two rows, :func:`_per_benchmark`); each cell points at the fact it came from and
says why it was linked:

- ``same table row``: the number sits in the row of the result (same page, same row box);
- ``same name``: the model is printed the same way (up to case and spacing);
- ``name alignment``: the names agree once the ways papers vary a name are removed (punctuation,
  ``x``/``×``, ``(ours)``, footnote marks, citations, split and resolution suffixes, pre-training
  suffixes, depth words: "152-layer ResNet" is "ResNet-152");
- ``name contains``: one name is the other plus words, and no other row fits;
- ``paper-level statement``: a statement that names no model ("we train on 8 V100s for 3 days")
  is about the paper's own models, so it is a candidate cell of each of them (of those scored on
  the benchmark it names, when it names one).

Rows are a proposal: every cell keeps its fact's own review, and the observation of a row uses
only the cells a curator accepted (``pipeline.analysis.observations``). Nothing here reads gold.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from extractors.cues import about_another_benchmark
from extractors.kinds import SPECS
from extractors.vocabulary import vocabulary

# Kinds whose value does not depend on the input resolution or test protocol of a variant: a
# parameter count stated for "ResNet-50" holds for "ResNet-50 (320px)" too; FLOPs do not.
RESOLUTION_FREE = ("parameters", "hardware", "training_time", "epochs", "training_set")
_STRONG = ("same table row", "same name", "name alignment")
LINK_RANK = {
    "moved": -1,  # a curator's move (pipeline.review_rows.move): outranks any extracted link
    "same table row": 0,
    "same name": 1,
    "name alignment": 2,
    "name contains": 3,
    "paper-level statement": 4,
}

_FOOTNOTES = re.compile(r"[*†‡§¶♯⋆∗✝✓]+|\^\S+")
_OURS = re.compile(r"\(\s*ours\s*\)|\bours\b-?|\(\s*this (?:work|paper)\s*\)", re.I)
_CITATION = re.compile(r"\[[\d,;\s–-]+\]|\([A-Z][A-Za-z-]+(?: et al\.?)?,? \d{4}\w?\)")
_SPLITS = re.compile(
    r"\(\s*(?:val(?:idation)?|test(?:-dev|-std)?|dev|minival|single[- ](?:model|scale|crop)|"
    r"multi[- ]scale|\d+[- ]crops?)\s*\)",
    re.I,
)
_RESOLUTION = re.compile(
    r"[@↑]\s*\d{2,4}(?:\s*px)?|\(?\b\d{3,4}\s*[x×]\s*\d{3,4}\b\)?|\(?\b\d{3,4}\s*px\b\)?|"
    r"\(\s*\d{3,4}\s*\)|\b\d{3,4}(?:\s*²|\s+2\b)(?!\s*[x×.,\d])",
    re.I,
)
_DEPTH = re.compile(r"\b(\d{1,4})[- ]layers?\s+([A-Za-z][\w-]*)", re.I)
# Bracketed qualifiers ("(Table 2)", "(71.5M)", "(AP b)"), except the ones that are part of the
# name: a ResNeXt-style cardinality x width ("(32x4d)") or a size ("Transformer (big)").
_NAME_IN_BRACKETS = (
    r"\s*\d+x\d+d\s*\)|[^()]*\b(?:big|base|large|small|tiny|huge|giant|medium|deep|wide)\b"
)
_BRACKETED = re.compile(r"\((?!" + _NAME_IN_BRACKETS + r")[^()]*\)|\[[^\[\]]*\]", re.I)
_PLURAL_FAMILY = re.compile(r"(?=[\w-]*[A-Z])[A-Za-z][\w-]+[A-Za-z]s")
_TIMES = re.compile(r"(?<=\d)\s*[×x]\s*(?=\d)|×")
# DeiT's alembic mark names the distilled model ("DeiT-B⚗", "TinyViT-21M⚗ (ours)"): another model
# than the unmarked one beside it, with the same FLOPs and another score. Unlike a footnote mark
# it is a word of the name.
_DISTILLED = "⚗"
# Size words and the letters model families abbreviate them to ("ViT-Huge" is "ViT-H").
_SIZE_WORDS = {"huge": "h", "large": "l", "base": "b", "small": "s", "tiny": "t", "giant": "g"}
_SIZE = re.compile(r"\b(" + "|".join(_SIZE_WORDS) + r")\b", re.I)
_BARE_SIZE_WORDS = {*_SIZE_WORDS, "big", "medium", "model"}


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
    main: bool = False  # marked as the paper's ("ours", "proposed") or named in its title
    cells: list[Cell] = field(default_factory=list)
    scored: bool = False  # has a result cell
    benchmarks: set[str] = field(default_factory=set)  # of its result cells
    _fact_ids: set[int] = field(default_factory=set, repr=False)

    def add(self, fact: FactLike, link: str) -> None:
        if fact.id in self._fact_ids:
            return
        self._fact_ids.add(fact.id)
        self.cells.append(Cell(fact.id, SPECS[fact.kind].row_field, link))
        if fact.kind == "result":  # a result not quoted from another paper makes the row own
            self.scored = True
            self.benchmarks.update([fact.benchmark] if fact.benchmark else [])
            self.own = self.own or not _quoted(fact)
            self.main = self.main or _main(fact)
        name = (fact.model or "").strip()
        if name and name != self.model and name not in self.aliases:
            self.aliases.append(name)


@lru_cache(maxsize=4096)
def row_key(name: str | None) -> str:
    """A model's key within its paper: the printed name up to case, punctuation, ``x``/``×``,
    ``(ours)``, footnote marks, citations, split and pre-training suffixes, depth and size words.
    Resolution and other bracketed qualifiers stay: "DeiT-B@384" is another model than "DeiT-B"
    (fine-tuned at 384 px, with other FLOPs and often another score)."""
    if not name:
        return ""
    text = _spelled(name)
    for pattern in (_CITATION, _OURS, _SPLITS, *vocabulary().pretraining):
        text = pattern.sub(" ", text)
    return _squash(text)


@lru_cache(maxsize=4096)
def aligned_name(name: str | None) -> str:
    """The name with everything papers vary removed, resolution and bracketed qualifiers too:
    'ResNet-152 (val)†' and '152-layer ResNet' both give 'resnet152'; 'ResNeXt-101 32×4d' and
    'ResNeXt-101 (32x4d)' give 'resnext10132x4d'; 'CycleMLP-B4 (71.5M)' gives 'cyclemlpb4'."""
    if not name:
        return ""
    text = _spelled(name)
    for pattern in (_CITATION, _OURS, _SPLITS, *vocabulary().pretraining, _RESOLUTION):
        text = pattern.sub(" ", text)
    unbracketed = _unbracketed(text)
    return _squash(unbracketed if _squash(unbracketed) else text)


def _spelled(name: str) -> str:
    """The name with its marks spelled as the keys compare them: a multiplication sign as
    ``x``, the distillation mark as a word."""
    return _TIMES.sub("x", name.replace("_", " ").replace(_DISTILLED, " distilled "))


def _unbracketed(text: str) -> str:
    """Bracketed qualifiers removed from the innermost out: a column header read into the name
    nests ("SuperVision (Error (top-5))", "SKNet-101 (ours) (top-1 err (%) #P 320 ×)")."""
    while (stripped := _BRACKETED.sub(" ", text)) != text:
        text = stripped
    return text


def _squash(text: str) -> str:
    text = _DEPTH.sub(r"\2 \1", text)
    text = _SIZE.sub(lambda m: _SIZE_WORDS[m.group(1).lower()], text)
    text = _FOOTNOTES.sub("", text.strip())
    return re.sub(r"[^a-z0-9]", "", text.lower())


@lru_cache(maxsize=4096)
def _words(name: str | None) -> str:
    """Word-order-free key: 'Transformer (big)' ~ 'big Transformer'."""
    text = _DEPTH.sub(r"\2 \1", _spelled(name or "")).lower()
    return " ".join(sorted(re.findall(r"[a-z]+|\d+(?:\.\d+)?", text)))


def _same_table_row(a: FactLike, b: FactLike) -> bool:
    """Same page, same row box, overlapping columns and names that agree: tables set side by
    side share a y, and their rows name other models."""
    if a.page is None or a.page != b.page or not a.bbox or not b.bbox:
        return False
    if a.model and b.model and aligned_name(a.model) != aligned_name(b.model):
        return False
    overlap = min(float(a.bbox[2]), float(b.bbox[2])) - max(float(a.bbox[0]), float(b.bbox[0]))
    return _y(a.bbox) == _y(b.bbox) and overlap > 0


def _shared_group(a: FactLike, b: FactLike) -> int:
    """How many leading words the two cells' column headers share: a table row read under
    spanning headers that each group a model variant's scores and size ("re-implementation |
    SENet" over "top-1 err. | GFLOPs", "RetinaNet | Mask RCNN" over "Param(M) | AP") holds one
    model per group, so a size cell goes with the result under its own spanning header."""
    shared = 0
    heads = [str((fact.details or {}).get("header") or "").split() for fact in (a, b)]
    for left, right in zip(*heads, strict=False):
        if left.lower() != right.lower():
            break
        shared += 1
    return shared


def _y(bbox: Sequence[float]) -> tuple[float, float]:
    return round(float(bbox[1]), 1), round(float(bbox[3]), 1)


def name_distance(row_model: str, fact_model: str | None) -> int:
    """How closely a cell's fact names its row: 0 the same key, 1 the same aligned name, 2 a
    looser link. Among a row's candidates for one field the closest name wins."""
    if row_key(fact_model) == row_key(row_model):
        return 0
    return 1 if aligned_name(fact_model) == aligned_name(row_model) else 2


def _main(fact: FactLike) -> bool:
    details = fact.details or {}
    return bool(details.get("marked_own") or details.get("named_in_title"))


def _quoted(fact: FactLike) -> bool:
    return bool((fact.details or {}).get("quoted_from_other_paper"))


def assemble(facts: Iterable[FactLike]) -> list[Row]:
    """The rows of one paper version: results first make rows, compute facts join them."""
    facts = sorted((f for f in facts if f.kind in SPECS), key=lambda f: f.id)  # known kinds
    rows: dict[str, Row] = {}
    results: dict[tuple[int | None, tuple[float, float]], list[tuple[FactLike, Row]]] = {}
    # named models first, so that a row named by a size word alone finds the model it sizes
    for fact in sorted((f for f in facts if f.kind == "result"), key=lambda f: _bare_size(f.model)):
        key = row_key(fact.model) or _unnamed_key(fact)
        host = _size_host(fact.model, rows)  # before the key: "base" and "(B)" share one
        row = host or rows.setdefault(key, Row(key, (fact.model or "").strip() or key, own=False))
        row.add(fact, "name contains" if host else "same name")
        if fact.bbox:  # indexed by page and row box, for "same table row"
            results.setdefault((fact.page, _y(fact.bbox)), []).append((fact, row))
    for fact in (f for f in facts if f.kind != "result"):
        placed = _place(fact, rows, results)
        if placed and fact.kind in RESOLUTION_FREE and fact.model and placed[0][1] in _STRONG:
            placed += _siblings(placed, rows)
        if placed:
            for row, link in placed:
                row.add(fact, link)
        elif fact.model:  # a model no result names: its own row, for a curator to merge
            key = row_key(fact.model) or _unnamed_key(fact)
            row = rows.setdefault(key, Row(key, fact.model.strip()))
            row.add(fact, "same name")
    by_id = {f.id: f for f in facts}
    return [split for row in rows.values() for split in _per_benchmark(row, by_id)]


def _per_benchmark(row: Row, facts: dict[int, FactLike]) -> list[Row]:
    """A model scored on several benchmarks as one row per benchmark: each is its own data
    point (ShuffleNet's ImageNet classifier and its COCO detector, the Transformer trained on
    WMT En-De and on En-Fr), with another score and often another compute, and a row proposes
    one score. The benchmark of the row's first result keeps the row's key (a curator's
    decision on it survives); the others are keyed ``<key>@<benchmark>``."""
    order = list(dict.fromkeys(facts[c.fact_id].benchmark for c in row.cells
                               if c.field == "score" and facts[c.fact_id].benchmark))  # fmt: skip
    if len(order) < 2:
        return [row]
    beside = _beside_benchmarks(row, facts)
    splits = []
    for benchmark in order:
        key = row.key if benchmark == order[0] else f"{row.key}@{benchmark}"
        split = Row(key, row.model, list(row.aliases), own=False)
        for cell in row.cells:
            fact = facts[cell.fact_id]
            if _belongs(cell, fact, benchmark, beside.get(cell.fact_id), order[0]):
                split.add(fact, cell.link)
        splits.append(split)
    return splits


def _belongs(
    cell: Cell, fact: FactLike, benchmark: str, beside: set[str] | None, first: str
) -> bool:
    """Whether a cell of a model's row is a cell of its row on ``benchmark``: a score on it (a
    score naming none: on the ``first``), a compute cell in the table row of a result on it,
    a statement not naming another benchmark (:func:`_about_another_benchmark`), and a cell
    linked by name to each."""
    if cell.field == "score":
        return (fact.benchmark or first) == benchmark
    if cell.link == "same table row" and beside:
        return benchmark in beside
    if cell.link == "paper-level statement":
        return not _about_another_benchmark(fact, {benchmark})
    return True


def _beside_benchmarks(row: Row, facts: dict[int, FactLike]) -> dict[int, set[str]]:
    """Per cell of ``row`` in a result's table row: the benchmarks of the row's results on
    that page and row box."""
    at: dict[tuple[Any, ...], set[str]] = {}
    for cell in row.cells:
        fact = facts[cell.fact_id]
        if cell.field == "score" and fact.bbox and fact.benchmark:
            at.setdefault((fact.page, _y(fact.bbox)), set()).add(fact.benchmark)
    return {
        cell.fact_id: at.get((facts[cell.fact_id].page, _y(facts[cell.fact_id].bbox)), set())
        for cell in row.cells
        if cell.link == "same table row" and facts[cell.fact_id].bbox
    }


def _siblings(placed: list[tuple[Row, str]], rows: dict[str, Row]) -> list[tuple[Row, str]]:
    """Variants of a placed row ("SKNet-101" in Table 2, "SKNet-101 (320×320)" in Table 5)
    share its parameter count and training: same aligned name, other row key."""
    stems = {aligned_name(row.model) for row, _ in placed}
    taken = {row.key for row, _ in placed}
    return [
        (row, "name alignment")
        for row in rows.values()
        if row.key not in taken and row.scored and aligned_name(row.model) in stems
    ]


def _unnamed_key(fact: FactLike) -> str:
    where = f"{fact.page}:{_y(fact.bbox) if fact.bbox else fact.id}"
    return "row@" + hashlib.sha1(where.encode()).hexdigest()[:12]


def _place(
    fact: FactLike,
    rows: dict[str, Row],
    results: dict[tuple[int | None, tuple[float, float]], list[tuple[FactLike, Row]]],
) -> list[tuple[Row, str]]:
    beside = [
        (result, row)
        for result, row in (results.get((fact.page, _y(fact.bbox)), []) if fact.bbox else [])
        if _same_table_row(fact, result)
    ]
    if beside:
        group = max(beside, key=lambda pair: _shared_group(fact, pair[0]))
        return [(group[1], "same table row")]
    if not fact.model:
        return [(row, "paper-level statement") for row in _stated_for(fact, rows)]
    host = _size_host(fact.model, rows)
    if host is not None:
        return [(host, "name contains")]
    key = row_key(fact.model)
    if key in rows:
        printed = {rows[key].model.lower(), *(a.lower() for a in rows[key].aliases)}
        exact = " ".join(fact.model.lower().split()) in {" ".join(p.split()) for p in printed}
        return [(rows[key], "same name" if exact else "name alignment")]
    scored = [row for row in rows.values() if row.scored]
    stem = aligned_name(fact.model)
    same_stem = [row for row in scored if aligned_name(row.model) == stem]
    if len(same_stem) == 1 or (same_stem and fact.kind in RESOLUTION_FREE):
        return [(row, "name alignment") for row in same_stem]
    words = _words(fact.model)
    by_words = [row for row in scored if _words(row.model) == words]
    if len(by_words) == 1:
        return [(by_words[0], "name alignment")]
    family = _family(fact.model) if fact.kind in RESOLUTION_FREE else None
    members = [row for row in scored if family and row.own and family in row.key]
    return [(row, "name contains") for row in members] or _contained(fact, stem, scored)


def _stated_for(fact: FactLike, rows: dict[str, Row]) -> list[Row]:
    """The own rows a statement naming no model is about: all of them, except the rows scored
    only on other benchmarks when it names one: as the fact's benchmark ("We train the COCO
    models with an 8-GPU implementation") or, for an epochs or training-set count of the model's
    own training, the dataset its sentence names (:func:`extractors.cues.about_another_benchmark`:
    "On WMT En → Fr, the training set contains 36M sentence pairs")."""
    own = [row for row in rows.values() if row.own and row.scored]
    return [row for row in own if not _about_another_benchmark(fact, row.benchmarks)]


def _about_another_benchmark(fact: FactLike, benchmarks: set[str]) -> bool:
    if fact.benchmark and benchmarks:
        return fact.benchmark not in benchmarks
    return about_another_benchmark(fact.details, benchmarks)


def _family(name: str) -> str | None:
    """The singular of a family named in the plural ("we use deep LSTMs with 384M parameters",
    "CondenseNets are trained for 300 epochs"): what is said of it holds for each own row of
    that family. Only a single word with a capital, ending in a letter and a lower-case "s"."""
    if not _PLURAL_FAMILY.fullmatch(name.strip()):
        return None
    return aligned_name(name)[:-1]


def _contained(fact: FactLike, stem: str, scored: list[Row]) -> list[tuple[Row, str]]:
    """One name is the other plus words ("ViT-Huge" ~ "ViT-H/14", "base" ~ "Transformer (base
    model)"): linked when one row fits, preferring the paper's main rows, then its own."""
    words = set(_words(fact.model).split())
    containing = [
        row
        for row in scored
        if words <= set(_words(row.model).split())
        or (len(stem) >= 4 and stem in aligned_name(row.model))
        or (len(aligned_name(row.model)) >= 4 and aligned_name(row.model) in stem)
    ]
    coded = [
        r for r in containing if r.main and r.own and _family_and_code(aligned_name(r.model), stem)
    ]
    chosen = _preferred(containing, (coded, [r for r in containing if r.own], containing))
    return [(chosen, "name contains")] if chosen else []


def _family_and_code(row_name: str, code: str) -> bool:
    """Whether an aligned row name is a family word and then ``code``: specification tables
    name variants without their family ("S/32 | B/16 | H/14" under "Specifications of the
    Mixer architectures", "D1 ... D5" in VOLO's, "B1 ... B5" in CycleMLP's), and among a
    paper's main rows holding the code, the bare "Mixer-H/14" is that variant, not
    "Mixer-H/14 (ImageNet-21k)" or a row whose name a misread table lengthened."""
    family = row_name[: -len(code)] if code and row_name.endswith(code) else ""
    return family.isalpha()


def _preferred(candidates: list[Row], fallbacks: Iterable[list[Row]]) -> Row | None:
    """The one row of the first pool holding exactly one: the paper's main rows (a row quoted
    from another paper is not one, even when its model is in the title: BERT in "DeBERTa:
    Decoding-enhanced BERT ..."), then the fallbacks in order."""
    for pool in ([r for r in candidates if r.main and r.own], *fallbacks):
        if len(pool) == 1:
            return pool[0]
    return None


def _bare_size(name: str | None) -> bool:
    """A name that is a size word alone ("base", "big", "Large model"): hyper-parameter
    tables and prose name a paper's model variants so ("the base model", Table 3's "big")."""
    words = set(_words(_SPLITS.sub(" ", name or "")).split())  # "base (dev)" too
    return bool(words - {"model"}) and words <= _BARE_SIZE_WORDS


def _size_host(name: str | None, rows: dict[str, Row]) -> Row | None:
    """The paper's own scored model a bare size word names: the one own row whose name has the
    word beside the model's ("big" -> "Transformer (big)", "base" -> "DeBERTa base")."""
    if not _bare_size(name):
        return None
    words = set(_words(_SPLITS.sub(" ", name or "")).split()) - {"model"}
    hosts = [
        row
        for row in rows.values()
        if row.scored
        and row.own
        and not _bare_size(row.model)
        and words <= set(_words(row.model).split())
    ]
    return _preferred(hosts, (hosts,))
