"""The domain vocabulary, as data: benchmarks, metrics and accelerators, and their one loader.

Every stage reads the same definitions: ``benchmarks.toml`` (ids, how papers name them, their
metrics, arXiv queries, curated-dataset files), ``metrics.toml`` (header patterns, units,
plausible ranges) and ``accelerators.toml`` (names, counted units, peaks with sources). Adding a
benchmark or an accelerator is one entry there (``docs/architecture.md``); no code names one.

The files are checked on load: unknown keys, unknown metric or family ids, bad regexes and an
"other dataset" pattern that matches one of our own benchmarks fail with the file and entry.
:func:`vocabulary` is the loaded default (cached); tests load other directories with
:func:`load`, or point :data:`DATA_DIR` elsewhere and clear the cache.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent
FILES = ("benchmarks.toml", "metrics.toml", "accelerators.toml")


class VocabularyError(ValueError):
    """A vocabulary file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    meaning: str
    unit: str  # what a fact carries: "%" or "" (points, stored without a unit)
    higher_is_better: bool
    plausible: tuple[float, float]
    header_patterns: tuple[re.Pattern[str], ...]
    sentence_words: str | None
    words: tuple[str, ...]

    @property
    def fact_unit(self) -> str | None:
        return self.unit or None

    def is_plausible(self, score: float) -> bool:
        low, high = self.plausible
        return low <= score <= high


@dataclass(frozen=True)
class Family:
    """Benchmarks a paper names only by a detail (a language pair) of a dataset it names."""

    id: str
    name: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]  # the dataset named: "WMT 2014", "newstest2014"
    others: tuple[re.Pattern[str], ...]  # other editions named: then a bare detail is not ours
    arxiv_query: str

    def named_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def other_named_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.others)


@dataclass(frozen=True)
class FutureTechFile:
    """One of the authors' FutureTech CSVs: its file and the score column they regressed."""

    file: str
    score_column: str


@dataclass(frozen=True)
class EpochRows:
    """Which rows of Epoch's database are a benchmark: training dataset and task both agree."""

    dataset: re.Pattern[str]
    task: re.Pattern[str]


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    task_hints: tuple[re.Pattern[str], ...]
    excluded_tasks: tuple[re.Pattern[str], ...]
    metrics: tuple[str, ...]
    default_metric: str | None
    primary_metric: str
    recorded_metrics: tuple[str, ...]  # what leaderboards record: a headline is one of these
    validation_reports: bool
    family: str | None
    arxiv_query: str | None
    reference_model: str | None
    futuretech: FutureTechFile | None
    epoch: EpochRows | None

    def named_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)

    def spans_in(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` names the benchmark: (start, end) of each mention."""
        return [m.span() for p in self.patterns for m in p.finditer(text)]

    def hinted_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.task_hints)

    def other_task_in(self, text: str) -> bool:
        return any(p.search(text) for p in self.excluded_tasks)

    @property
    def query_key(self) -> str:
        """The arXiv query it is pulled by: its family's when it has one, else its own."""
        return self.family or self.id


@dataclass(frozen=True)
class AcceleratorKind:
    id: str
    units: tuple[str, ...]
    default_unit: str | None
    nouns: dict[str, str]  # counted noun -> unit ("cores" -> "tpu_core")


@dataclass(frozen=True)
class Accelerator:
    name: str  # canonical name, as facts carry it
    kind: str  # an AcceleratorKind id
    pattern: re.Pattern[str]  # over the normalized mention (see ``Accelerators.normalize``)
    fp32_tflops: float | None  # GPUs: per GPU; TPUs: Thompson et al.'s per-device figure
    fp16_tflops: float | None  # GPUs: tensor FP16/BF16 (dense) per GPU; TPUs: BF16 per chip
    source: str
    note: str
    chips_per_device: int
    cores_per_chip: int
    tokens: tuple[str, ...]  # token regexes naming it in prose
    glued_tokens: tuple[str, ...]  # names printed glued to a count ("8xV100")


@dataclass(frozen=True)
class Accelerators:
    rows: tuple[Accelerator, ...]
    kinds: dict[str, AcceleratorKind]
    vendors: tuple[str, ...]
    gpu_vendors: tuple[str, ...]
    variants: tuple[str, ...]
    name_tokens: tuple[str, ...]  # rows' tokens and shared first tokens, as token regexes
    part_tokens: tuple[str, ...]
    generations: tuple[str, ...]
    glued_tokens: tuple[str, ...]
    tpu_plurals: tuple[str, ...]
    tpu_generations: tuple[str, ...]

    @cached_property
    def _vendor_words(self) -> re.Pattern[str]:
        return re.compile(rf"\b(?:{'|'.join(self.vendors)})\b")

    @cached_property
    def _variant_words(self) -> re.Pattern[str]:
        return re.compile(rf"\b(?:{'|'.join((*self.vendors, *self.variants))}|gpus?)\b")

    def normalize(self, text: str) -> str:
        """Lower case, vendor words and plurals dropped, separators as spaces."""
        s = self._vendor_words.sub(" ", text.lower())
        s = re.sub(r"[-_/()]", " ", s)
        s = re.sub(r"(\d)s\b", r"\1", s)  # plurals: 'TPUv3s', 'V100s'
        return re.sub(r"\s+", " ", s).strip()

    def strip_variants(self, text: str) -> str:
        """A mention without vendor, board and memory words, as letters and digits only."""
        return re.sub(r"[^a-z0-9]", "", self._variant_words.sub(" ", text.lower()))

    @property
    def count_units(self) -> tuple[str, ...]:
        return tuple(unit for kind in self.kinds.values() for unit in kind.units)


@dataclass(frozen=True, eq=False)  # hashed by identity: derived tables are cached per load
class Vocabulary:
    benchmarks: dict[str, Benchmark]  # in file order
    metrics: dict[str, Metric]  # in header-matching order
    families: dict[str, Family]
    other_datasets: tuple[re.Pattern[str], ...]
    other_dataset_words: tuple[str, ...]
    pretraining: tuple[re.Pattern[str], ...]  # pre-training-set suffixes of model names
    generic_accuracy_metric: str
    generic_accuracy: re.Pattern[str]
    untracked_columns: tuple[re.Pattern[str], ...]  # scores of metrics we do not track
    accelerators: Accelerators

    def family_members(self, family: str) -> frozenset[str]:
        return frozenset(b.id for b in self.benchmarks.values() if b.family == family)

    def arxiv_queries(self) -> dict[str, str]:
        """One query per query key (a benchmark, or a family its members share)."""
        queries: dict[str, str] = {}
        for b in self.benchmarks.values():
            query = self.families[b.family].arxiv_query if b.family else b.arxiv_query
            if query:
                queries.setdefault(b.query_key, query)
        return queries

    def mentions_other_dataset(self, text: str) -> bool:
        return any(p.search(text) for p in self.other_datasets)

    def untracked_column(self, header: str) -> bool:
        """Whether a header names a column that is no tracked metric's score (mask AP, AP_S, a
        delta, a throughput), read NFKC-normalised so math-italic subscripts ("AP 𝑆") count."""
        text = unicodedata.normalize("NFKC", header)
        return any(p.search(text) for p in self.untracked_columns)

    def reserved_words(self) -> frozenset[str]:
        """Words naming a benchmark, dataset, metric or vendor: never a model's name."""
        words = [w for b in self.benchmarks.values() for w in b.words]
        words += [w for f in self.families.values() for w in f.words]
        words += [w for m in self.metrics.values() for w in m.words]
        words += [*self.other_dataset_words, *(v.upper() for v in self.accelerators.gpu_vendors)]
        return frozenset(words)


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary in :data:`DATA_DIR`, loaded once."""
    return load(DATA_DIR)


def load(directory: Path) -> Vocabulary:
    """Read and check the three vocabulary files in ``directory``."""
    raw = {name: _read(directory / name) for name in FILES}
    metrics = _metrics(raw["metrics.toml"])
    families = {
        fid: _family(fid, entry, f"benchmarks.toml [family.{fid}]")
        for fid, entry in raw["benchmarks.toml"].get("family", {}).items()
    }
    benchmarks: dict[str, Benchmark] = {}
    for index, entry in enumerate(raw["benchmarks.toml"].get("benchmark", [])):
        where = f"benchmarks.toml [[benchmark]] #{index + 1}"
        b = _benchmark(entry, where, metrics, families)
        if b.id in benchmarks:
            raise VocabularyError(f"{where}: benchmark id {b.id!r} is defined twice")
        benchmarks[b.id] = b
    other = _table(raw["benchmarks.toml"].get("other_datasets", {}), "other_datasets",
                   {"words", "patterns"}, set())  # fmt: skip
    other_patterns = _patterns(other.get("patterns", []), "benchmarks.toml [other_datasets]")
    for b in benchmarks.values():
        for text in (b.name, *b.words):
            if any(p.search(text) for p in other_patterns):
                raise VocabularyError(
                    f"benchmarks.toml [other_datasets]: a pattern matches {text!r}, a name of "
                    f"benchmark {b.id!r}; its tables would be dropped as another dataset's"
                )
    pretraining = _table(raw["benchmarks.toml"].get("pretraining", {}), "pretraining",
                         {"patterns"}, set())  # fmt: skip
    generic = _table(raw["metrics.toml"]["generic_accuracy"], "metrics.toml [generic_accuracy]",
                     {"metric", "pattern"}, {"metric", "pattern"})  # fmt: skip
    untracked = _table(raw["metrics.toml"].get("untracked_columns", {}),
                       "metrics.toml [untracked_columns]", {"patterns"}, {"patterns"})  # fmt: skip
    if generic["metric"] not in metrics:
        raise VocabularyError(f"metrics.toml [generic_accuracy]: unknown metric {generic}")
    return Vocabulary(
        benchmarks=benchmarks,
        metrics=metrics,
        families=families,
        other_datasets=other_patterns,
        other_dataset_words=tuple(other.get("words", [])),
        pretraining=_patterns(pretraining.get("patterns", []), "benchmarks.toml [pretraining]"),
        generic_accuracy_metric=generic["metric"],
        generic_accuracy=_regex(generic["pattern"], "metrics.toml [generic_accuracy]"),
        untracked_columns=_patterns(untracked["patterns"], "metrics.toml [untracked_columns]"),
        accelerators=_accelerators(raw["accelerators.toml"]),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise VocabularyError(f"{path}: {exc}") from exc


def _table(entry: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise VocabularyError(f"{where}: expected a table")
    if unknown := set(entry) - allowed:
        raise VocabularyError(f"{where}: unknown keys {sorted(unknown)}; allowed {sorted(allowed)}")
    if missing := required - set(entry):
        raise VocabularyError(f"{where}: missing keys {sorted(missing)}")
    return entry


def _regex(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise VocabularyError(f"{where}: bad regex {pattern!r}: {exc}") from exc


def _patterns(patterns: list[str], where: str) -> tuple[re.Pattern[str], ...]:
    return tuple(_regex(p, where) for p in patterns)


_METRIC_KEYS = {"id", "name", "meaning", "unit", "higher_is_better", "plausible",
                "header_patterns", "sentence_words", "words"}  # fmt: skip


def _metrics(raw: dict[str, Any]) -> dict[str, Metric]:
    metrics: dict[str, Metric] = {}
    for index, entry in enumerate(raw.get("metric", [])):
        where = f"metrics.toml [[metric]] #{index + 1}"
        e = _table(entry, where, _METRIC_KEYS, _METRIC_KEYS - {"sentence_words", "words"})
        if not e["higher_is_better"]:  # results store error = 1 - score/100 (extractors.results)
            raise VocabularyError(f"{where} ({e['id']}): only higher-is-better scores are read")
        low, high = e["plausible"]
        metrics[e["id"]] = Metric(
            id=e["id"],
            name=e["name"],
            meaning=e["meaning"],
            unit=e["unit"],
            higher_is_better=e["higher_is_better"],
            plausible=(float(low), float(high)),
            header_patterns=_patterns(e["header_patterns"], where),
            sentence_words=e.get("sentence_words"),
            words=tuple(e.get("words", [])),
        )
        if e.get("sentence_words"):
            _regex(e["sentence_words"], where)
    return metrics


def _family(fid: str, entry: Any, where: str) -> Family:
    keys = {"name", "words", "patterns", "others", "arxiv_query"}
    e = _table(entry, where, keys, {"name", "patterns", "arxiv_query"})
    return Family(
        id=fid,
        name=e["name"],
        words=tuple(e.get("words", [])),
        patterns=_patterns(e["patterns"], where),
        others=_patterns(e.get("others", []), where),
        arxiv_query=e["arxiv_query"],
    )


_BENCHMARK_KEYS = {"id", "name", "words", "patterns", "task_hints", "excluded_tasks", "metrics",
                   "default_metric", "primary_metric", "recorded_metrics", "validation_reports",
                   "family", "arxiv_query", "reference_model", "futuretech", "epoch"}  # fmt: skip


def _benchmark(
    entry: Any, where: str, metrics: dict[str, Metric], families: dict[str, Family]
) -> Benchmark:
    e = _table(entry, where, _BENCHMARK_KEYS, {"id", "name", "patterns", "metrics",
                                                "primary_metric"})  # fmt: skip
    where = f"{where} ({e['id']})"
    for metric in (*e["metrics"], e.get("default_metric"), e["primary_metric"]):
        if metric is not None and metric not in metrics:
            raise VocabularyError(f"{where}: unknown metric {metric!r}")
    if e["primary_metric"] not in e["metrics"]:
        raise VocabularyError(f"{where}: primary_metric is not one of its metrics")
    recorded = e.get("recorded_metrics", [e["primary_metric"]])
    if e["primary_metric"] not in recorded or not set(recorded) <= set(e["metrics"]):
        raise VocabularyError(
            f"{where}: recorded_metrics must hold primary_metric and only its metrics"
        )
    if e.get("family") is not None and e["family"] not in families:
        raise VocabularyError(f"{where}: unknown family {e['family']!r}")
    board = e.get("futuretech")
    epoch = e.get("epoch")
    if board is not None:
        _table(board, f"{where} futuretech", {"file", "score_column"}, {"file", "score_column"})
    if epoch is not None:
        _table(epoch, f"{where} epoch", {"dataset", "task"}, {"dataset", "task"})
    return Benchmark(
        id=e["id"],
        name=e["name"],
        words=tuple(e.get("words", [])),
        patterns=_patterns(e["patterns"], where),
        task_hints=_patterns(e.get("task_hints", []), where),
        excluded_tasks=_patterns(e.get("excluded_tasks", []), where),
        metrics=tuple(e["metrics"]),
        default_metric=e.get("default_metric"),
        primary_metric=e["primary_metric"],
        recorded_metrics=tuple(recorded),
        validation_reports=bool(e.get("validation_reports", False)),
        family=e.get("family"),
        arxiv_query=e.get("arxiv_query"),
        reference_model=e.get("reference_model"),
        futuretech=FutureTechFile(board["file"], board["score_column"]) if board else None,
        epoch=(
            EpochRows(_regex(epoch["dataset"], where), _regex(epoch["task"], where))
            if epoch
            else None
        ),
    )


_ACCELERATOR_KEYS = {"name", "kind", "pattern", "fp32_tflops", "fp16_tflops", "source", "note",
                     "chips_per_device", "cores_per_chip", "tokens", "glued_tokens"}  # fmt: skip
_TOKEN_KEYS = {"vendors", "gpu_vendors", "variants", "names", "parts", "generations",
               "tpu_plurals", "tpu_generations"}  # fmt: skip


def _accelerators(raw: dict[str, Any]) -> Accelerators:
    kinds = {}
    for kid, entry in raw.get("kinds", {}).items():
        e = _table(entry, f"accelerators.toml [kinds.{kid}]",
                   {"units", "default_unit", "nouns"}, {"units"})  # fmt: skip
        nouns = {noun: unit for unit, words in e.get("nouns", {}).items() for noun in words}
        kinds[kid] = AcceleratorKind(kid, tuple(e["units"]), e.get("default_unit"), nouns)
    rows = []
    for index, entry in enumerate(raw.get("accelerator", [])):
        where = f"accelerators.toml [[accelerator]] #{index + 1}"
        e = _table(entry, where, _ACCELERATOR_KEYS, {"name", "kind", "pattern", "source"})
        if e["kind"] not in kinds:
            raise VocabularyError(f"{where} ({e['name']}): unknown kind {e['kind']!r}")
        rows.append(
            Accelerator(
                name=e["name"],
                kind=e["kind"],
                pattern=_regex(e["pattern"], where),
                fp32_tflops=e.get("fp32_tflops"),
                fp16_tflops=e.get("fp16_tflops"),
                source=e["source"],
                note=e.get("note", ""),
                chips_per_device=e.get("chips_per_device", 4),
                cores_per_chip=e.get("cores_per_chip", 2),
                tokens=tuple(e.get("tokens", [])),
                glued_tokens=tuple(e.get("glued_tokens", [])),
            )
        )
    tokens = _table(raw.get("tokens", {}), "accelerators.toml [tokens]", _TOKEN_KEYS, _TOKEN_KEYS)
    for name, values in tokens.items():
        for value in values:
            _regex(value, f"accelerators.toml [tokens] {name}")
    return Accelerators(
        rows=tuple(rows),
        kinds=kinds,
        vendors=tuple(tokens["vendors"]),
        gpu_vendors=tuple(tokens["gpu_vendors"]),
        variants=tuple(tokens["variants"]),
        name_tokens=(*(t for row in rows for t in row.tokens), *tokens["names"]),
        part_tokens=tuple(tokens["parts"]),
        generations=tuple(tokens["generations"]),
        glued_tokens=tuple(t for row in rows for t in row.glued_tokens),
        tpu_plurals=tuple(tokens["tpu_plurals"]),
        tpu_generations=tuple(tokens["tpu_generations"]),
    )
