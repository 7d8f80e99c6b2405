"""The registry of extractors: built-in ones register the same way an added one would.

An extractor is a small function from a parsed :class:`~extractors.parse.document.Document` to
facts. Its ``version`` is part of every fact it emits and of the signature stored on each paper, so
bumping a version is how "papers not yet extracted by the current extractor versions" are found.
The signature also holds a digest of the data the extractors read (the rule files and the
vocabulary), so editing a rule or a benchmark re-extracts without anyone bumping a version.
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from extractors import ranking, vocabulary
from extractors.facts import ExtractedFact
from extractors.nlp import RULES_DIR
from extractors.parse.document import Document

ExtractorFn = Callable[[Document], Iterable[ExtractedFact]]

# Modules whose import registers the built-in extractors.
BUILTIN_MODULES = (
    "extractors.results",  # benchmark results from tables and prose
    "extractors.table_sizes",  # parameter and FLOPs columns of result tables
    "extractors.parameters",  # parameter counts stated in prose
    "extractors.flops",  # FLOPs / multiply-adds stated in prose
    "extractors.hardware",  # accelerator type and count
    "extractors.training_time",  # wall-clock training time
    "extractors.epochs",  # training epochs
    "extractors.training_set",  # training-set size
)


@dataclass(frozen=True)
class ExtractorSpec:
    name: str
    version: str
    kinds: tuple[str, ...]
    description: str
    fn: ExtractorFn


_REGISTRY: dict[str, ExtractorSpec] = {}


def register(
    name: str, version: str, kinds: tuple[str, ...]
) -> Callable[[ExtractorFn], ExtractorFn]:
    """Decorator: add ``fn`` under ``name``; its docstring's first line is its description."""

    def decorate(fn: ExtractorFn) -> ExtractorFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"extractor {name!r} is registered twice")
        description = (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""
        _REGISTRY[name] = ExtractorSpec(name, version, kinds, description, fn)
        return fn

    return decorate


def extractors() -> list[ExtractorSpec]:
    """All registered extractors, built-ins loaded, in a stable order."""
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def signature() -> str:
    """``name@version`` of every extractor and ``data@digest`` of the rules and vocabulary:
    what a paper records as "extracted with"."""
    versions = [f"{spec.name}@{spec.version}" for spec in extractors()]
    return ";".join([*versions, f"data@{data_digest()[:12]}"])


def data_digest() -> str:
    """SHA-256 over the rule files, vocabulary files and the result models as they are on disk
    now (a retrained model re-extracts)."""
    digest = hashlib.sha256()
    paths = [
        *sorted(RULES_DIR.glob("*.jsonl")),
        *(vocabulary.DATA_DIR / n for n in vocabulary.FILES),
        *(path for path in (ranking.MODEL_PATH, ranking.RIGHT_MODEL_PATH) if path.is_file()),
    ]
    for path in paths:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_extractors(doc: Document) -> tuple[list[ExtractedFact], list[str]]:
    """Run every extractor on ``doc``; a failing extractor is reported, not fatal to the rest.
    The learned model then rescores the result facts (:mod:`extractors.ranking`)."""
    facts: list[ExtractedFact] = []
    failures: list[str] = []
    for spec in extractors():
        try:
            facts.extend(spec.fn(doc))
        except Exception as exc:  # an extractor bug must not lose the other extractors' facts
            failures.append(f"{spec.name}@{spec.version}: {type(exc).__name__}: {exc}")
    ranking.rescore(
        facts, ranking.load_model(ranking.MODEL_PATH), ranking.load_model(ranking.RIGHT_MODEL_PATH)
    )
    return facts, failures
