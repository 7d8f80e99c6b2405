"""The rule-based spaCy pipeline the prose extractors share, and the pages it has read.

Patterns are data: ``extractors/rules/*.jsonl``, one rule a line with an ``id``, a ``label`` and a
spaCy token ``pattern`` (plus an optional ``note``). A token may be ``{"ACCELERATOR": SET}``: the
loader expands it to the accelerator-name tokens of the vocabulary (``ACCELERATOR_SETS``), so no
rule spells out an accelerator. They are validated on load (unknown keys, duplicate ids, unknown
labels, unknown token sets and malformed patterns fail with the file and line), and loaded into
a SpanRuler on ``spacy.blank("en")``. Every match keeps its rule id, so a wrong fact points at the
rule that produced it and a rule change shows up as a data diff.

A page's lines are joined into one string (a line ending in a hyphen joins without a space) and
read once per document; matches map back to the lines they came from for page-relative boxes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.kinds import RULE_LABELS
from extractors.parse.document import BBox, Document, Page
from extractors.references import reference_lines
from extractors.vocabulary import Accelerators, vocabulary

RULES_DIR = Path(__file__).with_name("rules")
SPANS_KEY = "ctrends"
LABELS = RULE_LABELS  # each kind names the labels its prose extractor reads
RULE_KEYS = {"id", "label", "pattern", "note"}
EVIDENCE_WINDOW = 320  # characters of context kept around a match in an overlong sentence


class RuleError(ValueError):
    """A rules file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class Rule:
    id: str
    label: str
    pattern: list[dict[str, Any]]
    note: str = ""


def load_rules(directory: Path = RULES_DIR) -> list[Rule]:
    """Every rule in ``directory/*.jsonl``, validated; the order is file name, then line."""
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.jsonl")):
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not raw.strip():
                continue
            where = f"{path.name}:{number}"
            rule = _parse_rule(raw, where)
            if rule.id in seen:
                raise RuleError(f"{where}: rule id {rule.id!r} already defined at {seen[rule.id]}")
            seen[rule.id] = where
            rules.append(rule)
    if not rules:
        raise RuleError(f"no rules found in {directory}")
    return rules


def _alternatives(tokens: tuple[str, ...]) -> str:
    return "|".join(tokens)


def _possessive(words: tuple[str, ...]) -> list[str]:
    return [*words, *(f"{w}'s" for w in words)]


# The token sets a rule can name with {"ACCELERATOR": SET}, built from the vocabulary.
ACCELERATOR_SETS: dict[str, Callable[[Accelerators], dict[str, Any]]] = {
    # a name's first token ("v100", "titan", "tpuv3"), plural allowed
    "name": lambda a: {"REGEX": f"^(?:{_alternatives(a.name_tokens)})s?$"},
    # a token continuing a name ("x" in "Titan X", "sxm2", "32gb")
    "part": lambda a: {"REGEX": f"^(?:{_alternatives(a.part_tokens)})$"},
    # a GPU generation printed after a name ("Pascal" in "Titan X (Pascal)")
    "generation": lambda a: {"IN": list(a.generations)},
    # vendor words before a name ("NVIDIA Tesla", "Google Cloud")
    "vendor": lambda a: {"IN": _possessive(a.vendors)},
    # GPU vendors, which name a GPU on their own
    "gpu_vendor": lambda a: {"IN": _possessive(a.gpu_vendors)},
    # a count glued to a name ("8xV100")
    "glued": lambda a: {"REGEX": f"^\\d+[x×](?:{_alternatives(a.glued_tokens)})$"},
    # TPUs counted by their plural ("TPUv3s")
    "tpu_plural": lambda a: {"REGEX": f"^(?:{_alternatives(a.tpu_plurals)})$"},
    # the generation of a TPU pod slice ("v3" in "v3-128")
    "tpu_generation": lambda a: {"REGEX": f"^(?:{_alternatives(a.tpu_generations)})$"},
}


def _expand(token: dict[str, Any], where: str) -> dict[str, Any]:
    """A token with ``ACCELERATOR`` as the vocabulary's token set it names (on ``LOWER``)."""
    if "ACCELERATOR" not in token:
        return token
    name = token["ACCELERATOR"]
    if name not in ACCELERATOR_SETS:
        raise RuleError(f"{where}: unknown ACCELERATOR set {name!r}; expected one of "
                        f"{sorted(ACCELERATOR_SETS)}")  # fmt: skip
    rest = {k: v for k, v in token.items() if k != "ACCELERATOR"}
    return {"LOWER": ACCELERATOR_SETS[name](vocabulary().accelerators), **rest}


def _parse_rule(raw: str, where: str) -> Rule:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise RuleError(f"{where}: not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(f"{where}: a rule is a JSON object")
    if unknown := set(data) - RULE_KEYS:
        raise RuleError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(RULE_KEYS)}")
    if missing := {"id", "label", "pattern"} - set(data):
        raise RuleError(f"{where}: missing keys {sorted(missing)}")
    if data["label"] not in LABELS:
        raise RuleError(f"{where}: unknown label {data['label']!r}; expected one of {LABELS}")
    pattern = data["pattern"]
    if (
        not isinstance(pattern, list)
        or not pattern
        or not all(isinstance(t, dict) for t in pattern)
    ):
        raise RuleError(f"{where}: pattern must be a non-empty list of token objects")
    pattern = [_expand(token, where) for token in pattern]
    return Rule(data["id"], data["label"], pattern, data.get("note", ""))


# Where a sentence starts: after ".", "!" or "?" and a space, at a capital or "(".
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


@Language.component("ctrends_sentences")
def split_sentences(doc: Doc) -> Doc:
    """Sentences end at ".", "!" or "?" followed by a space and a capital or "(".

    Stricter than spaCy's sentencizer, which also ends one at "Fig. 3" or "vs. the": a
    statement and the words that say whose it is stay together. Every extractor that reads
    sentences reads these. Set as one array: per-token ``is_sent_start`` writes rescan the doc.
    """
    if not len(doc):
        return doc
    offsets = doc.to_array(IDX)
    starts = numpy.full(len(doc), -1, dtype=numpy.int64)  # spaCy: 1 starts one, -1 does not
    starts[0] = 1
    for match in _SENTENCE_START.finditer(doc.text):
        index = int(numpy.searchsorted(offsets, match.end()))
        if index < len(doc) and offsets[index] == match.end():
            starts[index] = 1
    return doc.from_array([SENT_START], starts.astype(numpy.uint64))


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """``spacy.blank("en")`` with sentence boundaries and a SpanRuler holding every rule."""
    nlp = spacy.blank("en")
    nlp.add_pipe("ctrends_sentences")
    ruler = nlp.add_pipe("span_ruler", config={"spans_key": SPANS_KEY, "validate": True})
    try:
        ruler.add_patterns(
            [{"label": r.label, "pattern": r.pattern, "id": r.id} for r in load_rules()]
        )
    except ValueError as exc:  # spaCy's pattern validation names the offending pattern
        raise RuleError(f"invalid token pattern in {RULES_DIR}: {exc}") from exc
    return nlp


@dataclass
class PageText:
    """One page read by the pipeline: the joined text, its spaCy doc and each line's offsets.

    ``skipped`` holds character ranges that are not the paper's own prose (the reference list):
    "Training ImageNet in 1 hour" there is a title, not a statement.
    """

    page: Page
    doc: Doc
    line_starts: list[int]
    skipped: list[tuple[int, int]]

    @cached_property
    def text(self) -> str:
        """The doc's text, kept: spaCy's ``Doc.text`` joins every token again on each access,
        and evidence windows read it for every match (a fifth of extraction time)."""
        return self.doc.text

    def is_skipped(self, char: int) -> bool:
        return any(start <= char < end for start, end in self.skipped)

    def bbox(self, start_char: int, end_char: int) -> BBox | None:
        """The union of the boxes of the lines a character range touches."""
        boxes = [
            line.bbox
            for line, start in zip(self.page.lines, self.line_starts, strict=True)
            if start < end_char and start + len(line.text) > start_char
        ]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )


@dataclass(frozen=True)
class Match:
    """A rule's match: its label, the rule id, the span and the sentence it sits in."""

    label: str
    rule: str
    span: Span
    page: PageText

    @property
    def sentence(self) -> Span:
        return self.span.sent

    @property
    def evidence(self) -> str:
        """The sentence, or a window of it around the match when the sentence runs long.

        Text merged from tables and figures makes "sentences" of thousands of characters; a
        curator needs the words around the number, and the cues read only those.
        """
        sentence = self.sentence
        start, end = sentence.start_char, sentence.end_char
        if end - start > EVIDENCE_WINDOW:
            half = EVIDENCE_WINDOW // 2
            start = max(start, self.span.start_char - half)
            end = min(end, self.span.end_char + half)
        return " ".join(self.page.text[start:end].split())

    @property
    def offset(self) -> int:
        """Where the match starts in :attr:`evidence` (whitespace collapsed)."""
        sentence = self.sentence
        start = sentence.start_char
        if sentence.end_char - start > EVIDENCE_WINDOW:
            start = max(start, self.span.start_char - EVIDENCE_WINDOW // 2)
        prefix = self.page.text[start : self.span.start_char]
        return len(" ".join(prefix.split())) + (1 if prefix[-1:].isspace() else 0)

    @property
    def bbox(self) -> BBox | None:
        return self.page.bbox(self.span.start_char, self.span.end_char)


# PDF text layers split decimals around the point ("1 . 5 billion"); rejoin them.
_SPLIT_DECIMAL = re.compile(r"(?<=\d) \. (?=\d)")


def line_texts(page: Page) -> list[str]:
    """The page's line texts with split decimals rejoined; its text's lines when it has none."""
    texts = [line.text for line in page.lines] if page.lines else page.text.splitlines()
    return [_SPLIT_DECIMAL.sub(".", t) for t in texts]


def join_lines(texts: list[str]) -> tuple[str, list[int]]:
    """Lines as one string, and where each line starts in it (after a hyphen: no space)."""
    parts: list[str] = []
    starts: list[int] = []
    position = 0
    for text in texts:
        if parts and not parts[-1].endswith("-"):
            parts.append(" ")
            position += 1
        starts.append(position)
        parts.append(text)
        position += len(text)
    return "".join(parts), starts


_CACHE: OrderedDict[str, list[PageText]] = OrderedDict()
_CACHE_SIZE = 4


def read_pages(document: Document) -> list[PageText]:
    """Every page of ``document`` through the pipeline, cached for the extractors that follow."""
    lines = [line_texts(page) for page in document.pages]
    joined = [join_lines(texts) for texts in lines]
    key = hashlib.sha256("\f".join(text for text, _ in joined).encode()).hexdigest()
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    docs = get_nlp().pipe(text for text, _ in joined)
    pages = []
    for page, texts, (_, starts), doc, refs in zip(
        document.pages, lines, joined, docs, reference_lines(lines), strict=True
    ):
        skipped = [(starts[i], starts[i] + len(texts[i]) + 1) for i in sorted(refs)]
        pages.append(PageText(page, doc, starts if page.lines else [], skipped))
    _CACHE[key] = pages
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return pages


def find(document: Document, label: str) -> list[Match]:
    """Matches of ``label`` in reading order, outside reference lists; overlaps keep the longest."""
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r}; expected one of {LABELS}")
    matches: list[Match] = []
    for page in read_pages(document):
        spans = [s for s in page.doc.spans[SPANS_KEY] if s.label_ == label]
        for span in sorted(filter_spans(spans), key=lambda s: s.start):
            if page.is_skipped(span.start_char):
                continue
            matches.append(Match(label, span.id_, span, page))
    return matches
