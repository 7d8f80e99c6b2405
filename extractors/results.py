"""Benchmark results (error rates) from reconstructed tables.

Each value column of a table gets a metric (from its header, else from the caption when the
header only names a split or language pair) and a benchmark (header, then caption, then the
paper's own benchmarks compatible with the metric). Each body row is a model; its value becomes
an error rate: 1 - accuracy/100, an error column as printed/100, 1 - BLEU/100.

Confidence says how likely the fact is the paper's own headline number: rows quoted from other
papers (a citation in the row name), ensembles, validation splits where a test split exists and
metrics read only from the caption score lower, and the reason is kept in ``details``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors import confidence
from extractors.benchmark_detection import (
    benchmark_mentions,
    benchmarks_in,
    compatible,
    families_in,
    generic_metric_in,
    in_context,
    members,
    mentions_other_dataset,
    metric_in,
    paper_families,
    says_error,
    split_in,
    strip_benchmark_names,
    task_hints,
    untracked_column,
)
from extractors.facts import ExtractedFact, normalize_model_name
from extractors.parse.document import Document, Page
from extractors.parse.tables import BodyRow, TableView, cell_numbers, table_views
from extractors.registry import register
from extractors.result_sentences import sentence_results
from extractors.vocabulary import vocabulary

NAME = "results"
VERSION = "12"

# A citation in a row label: "[14]", "et al", "(Huang et al. 2018)", or a narrative one, the
# author or two before the year ("Ma and Hovy (2016)", "Chiu and Nichols (2016) ∗ reported",
# "Manning (2011)": NER tables of 1603.01354, 1705.00108, 1805.03838, 1808.09075, 2005.07150)
_CITATION = re.compile(
    r"\[\d+(?:\s*[,–-]\s*\d+)*\]|\bet\s+al\b|\(\s*[A-Z][a-z]+.*\d{4}\s*\)"
    r"|\b[A-Z][\w-]+(?:\s+(?:and|&)\s+[A-Z][\w-]+)?(?=\s*\(\s*(?:19|20)\d{2}[a-z]?\s*\))"
)
_EXTENSION = re.compile(r"\s*(?:\+|w/|with\b)")  # what follows a cited model a row builds on
_VARIANT = re.compile(r"\s*\((?!\s*\d{4}[a-z]?\s*\))[^()]*\)")
_ADDS = re.compile(r"(?:\+|\bwith\b|w/)\s*[\w-]+\s*$")  # an added part a parenthesis explains
_OWN = re.compile(r"\bours?\b|\bproposed\b|\bthis\s+(?:work|paper)\b", re.I)
_ENSEMBLE = re.compile(r"\bensembles?\b|\bcombination\b|\d+\s+models\b", re.I)
_ENSEMBLE_TABLE = re.compile(r"(?<![-\w])ensembles?\b", re.I)
# Headers of columns that are sizes or costs, never scores.
_NOT_A_SCORE = re.compile(
    r"param|flop|mac|mult|add|time|speed|fps|latency|memory|layers|depth|width|epoch|batch|"
    r"#|size|resolution|crop|year|days|hours|gpu|tpu|cost|throughput|im/s|img/s|"
    r"^\s*(?:P|R|Prec\.?|Precision|Rec\.?|Recall)\s*$",
    re.I,
)

# What rules a value out as the paper's headline, whatever its score.
_NOT_HEADLINE = {"quoted_from_other_paper", "ensemble", "unnamed_row"}
_ACCURACY = re.compile(r"\bacc(?:uracy|\.)?\b", re.I)


@dataclass(frozen=True)
class _Column:
    benchmark: str
    metric: str
    error: bool  # values are error rates, not accuracies
    split: str | None
    reasons: tuple[str, ...]  # what lowered confidence


@dataclass(frozen=True)
class _Context:
    caption: str
    caption_benchmarks: frozenset[str]
    mentions: dict[str, int]
    families: frozenset[str]  # benchmark families the paper names (see ``in_context``)
    title_words: frozenset[str]

    @property
    def ensembles(self) -> bool:
        """Whether the caption says the table is of ensembles: its first sentence names them
        ("Ensemble evaluation results comparing multi-model, multi-crop", "Error rates (%) of
        ensembles", "Model ensemble results on WMT En→De"), not a compound ("MLP-ensemble
        predictor", "non-ensemble models") or a later aside ("1 ∼ 3 indicates the ensemble
        result")."""
        return bool(_ENSEMBLE_TABLE.search(_first_sentence(self.caption)))


@register(NAME, VERSION, kinds=("result",))
def extract_results(doc: Document) -> list[ExtractedFact]:
    """Benchmark results from result tables: one fact per model row and metric column."""
    mentions = dict(benchmark_mentions(doc))
    families = paper_families(doc)
    title = title_words(doc)
    facts: list[ExtractedFact] = []
    for page in doc.pages:
        for table in page.tables:
            caption = table.caption or ""
            caption_benchmarks = _benchmarks(caption, families)
            if not caption_benchmarks and mentions_other_dataset(caption):
                continue
            if _other_dataset_table(caption, families):
                continue
            context = _Context(caption, frozenset(caption_benchmarks), mentions, families, title)
            for view in table_views(table):
                facts.extend(_view_results(view, page, context))
    facts.extend(_sentence_facts(doc, mentions))
    _mark_best_in_paper(facts)
    return _resolve_collisions(facts)


def _mark_best_in_paper(facts: list[ExtractedFact]) -> None:
    """The paper's headline is usually its best own number on a benchmark: among the facts
    already ranked as the paper's best of their column, the highest score gets a little more."""
    best: dict[tuple[str | None, str | None], ExtractedFact] = {}
    for fact in facts:
        doubted = sum(bool(fact.details.get(r)) for r in confidence.COLUMN_DOUBTS) >= 2
        if not fact.details.get("best_in_column") or fact.error is None or doubted:
            continue
        key = (fact.benchmark, fact.metric)
        if key not in best or fact.error < (best[key].error or 1.0):
            best[key] = fact
    for fact in best.values():
        fact.details["best_in_paper"] = True
        fact.confidence = confidence.adjusted(fact.confidence, ["best_in_paper"])


def _sentence_facts(doc: Document, mentions: dict[str, int]) -> list[ExtractedFact]:
    """Results stated in sentences; below table rows in confidence unless the paper claims
    them as its own about a benchmark it names."""
    facts = []
    for st in sentence_results(doc, mentions):
        if not plausible(st.metric, st.score):
            continue
        # Only a first-person claim about a named benchmark reaches the paper's table rows.
        cues = [cue for cue, on in (("own_claim", st.own_claim),
                                     ("benchmark_named", st.benchmark_named)) if on]  # fmt: skip
        if len(cues) == 2:
            cues.append("own_claim_on_named_benchmark")
        facts.append(
            ExtractedFact(
                kind="result",
                value=st.value,
                page=st.page.number,
                evidence=st.sentence[:500],
                confidence=confidence.adjusted(confidence.PROSE_RESULT, cues),
                extractor=NAME,
                extractor_version=VERSION,
                benchmark=st.benchmark,
                metric=st.metric,
                model=st.model,
                unit=vocabulary().metrics[st.metric].fact_unit,
                error=round(1 - st.score / 100, 6),
                rule=f"sentence_{st.rule}",
                details={"own_claim": st.own_claim, "benchmark_named": st.benchmark_named},
            )
        )
    return facts


def _benchmarks(text: str, families: frozenset[str]) -> set[str]:
    """Benchmarks a caption, header or row name gives; a bare language pair is WMT 2014 only
    in a paper that uses WMT 2014 and where no other WMT year is named."""
    return in_context(benchmarks_in(text), text, families)


def header_metrics(header: str) -> list[str | None]:
    """Metrics of a column; two for a slash pair header ("EM / F1", "F1/EM", "Top-1/Top-5")."""
    if "/" in header:
        left, _, right = header.rpartition("/")
        pair = [metric_in(left.split()[-1] if left.split() else ""), metric_in(right)]
        if all(pair):
            return pair
    return [metric_in(header)]


def _column_spec(
    header: str, metric: str | None, row: BodyRow, context: _Context
) -> _Column | None:
    """What one column's values mean (benchmark, metric, error or score), or None."""
    reasons: list[str] = []
    if untracked_column(header):  # mask AP, AP_S, a delta: a score, but of no tracked metric
        return None
    if _NOT_A_SCORE.search(header) and metric_in(header) is None:
        return None
    header_benchmarks = _benchmarks(header, context.families)
    if not header_benchmarks and mentions_other_dataset(header):
        return None
    if not header_benchmarks:  # "NER" over a column of a multi-task table
        header_benchmarks = task_hints(header) & (
            set(context.caption_benchmarks) | set(context.mentions)
        )
    # A row named after a benchmark ("ImageNet" in a transposed table) names it like a header;
    # a section row above ("CoNLL 2003 English") only narrows the candidates, like a caption.
    row_benchmarks = set() if header_benchmarks else _benchmarks(row.label, context.families)
    section_benchmarks = _benchmarks(row.section, context.families)
    vocab = vocabulary()
    if metric is None:
        metric = generic_metric_in(header)
    named = header_benchmarks or row_benchmarks
    if metric is None and len(named) == 1:
        metric = vocab.benchmarks[next(iter(named))].default_metric
    if metric is None:
        metric = metric_in(context.caption) or generic_metric_in(context.caption)
        if metric is None:
            return None
        reasons.append("metric_from_caption")
    candidates = named or section_benchmarks or set(context.caption_benchmarks)
    if not candidates:
        candidates = {b for b, n in context.mentions.items() if n > 0}
        if named_families := families_in(f"{header} {context.caption}"):
            candidates &= members(named_families)  # "newstest2014": only the pair is open
            reasons.append("language_pair_from_paper")
        else:
            reasons.append("benchmark_from_paper")
    # ImageNet detection / localization is not the benchmark
    candidates = {
        b
        for b in candidates
        if compatible(b, metric)
        and not vocab.benchmarks[b].other_task_in(f"{header} {context.caption}")
    }
    if not candidates:
        return None
    # sorted: a tie must not fall to set order, which string hashing changes per process
    benchmark = max(sorted(candidates), key=lambda b: (b in named, context.mentions.get(b, 0)))
    error = says_error(header) or (
        says_error(context.caption) and not _ACCURACY.search(header + " " + context.caption)
    )
    return _Column(
        benchmark=benchmark,
        metric=metric,
        error=error,
        split=split_in(header)
        or split_in(f"{row.section} {row.label}")
        or split_in(context.caption),
        reasons=tuple(reasons),
    )


def _transposed_model(label: str, header: str) -> str:
    """In a table whose rows are benchmarks, the model is the column; a row that also names a
    method ("MAE IN1K" under "ViT-H") keeps it."""
    rest = strip_benchmark_names(label).strip(" -:|")
    return f"{rest} {header}".strip() if rest else header


_CAPTION_LABEL = re.compile(r"^\s*Table\s+\w+\s*[.:]\s*", re.I)
_SENTENCE_END = re.compile(r"(?<=[A-Za-z0-9)\]])\.\s+(?=[A-Z0-9])")


def _first_sentence(caption: str) -> str:
    """The caption's first sentence, without its "Table 3:" label: what the table is of."""
    return _SENTENCE_END.split(_CAPTION_LABEL.sub("", caption), maxsplit=1)[0]


def _other_dataset_table(caption: str, families: frozenset[str]) -> bool:
    """A caption whose first sentence names only another dataset ("PASCAL VOC2007 test detection
    results.") is that dataset's table, though a later sentence names ours as training data
    ("07++12+COCO") or as an evaluation style ("COCO-style evaluation is used")."""
    first = _first_sentence(caption)
    return not _benchmarks(first, families) and mentions_other_dataset(first)


def _other_dataset(text: str, context: _Context) -> bool:
    """A section row naming another dataset ("ACE 2005", "CoNLL 2003 German") rules out the
    rows under it; a row naming one ("ImageNet ReaL" in a table with a row per benchmark) rules
    out itself."""
    return bool(text) and not _benchmarks(text, context.families) and (mentions_other_dataset(text))


def _view_results(view: TableView, page: Page, context: _Context) -> list[ExtractedFact]:
    """Every (row, value column) read as a result, then scored for confidence per column."""
    readings: dict[tuple[int, int], list[_Reading]] = {}
    for column in view.value_columns:
        header = view.headers.get(column, "")
        metrics = header_metrics(header)
        for row in view.rows:
            text = row.cells[column] if column < len(row.cells) else ""
            numbers = cell_numbers(text)
            cell_metrics = metrics
            if len(numbers) == 2 and metrics == [None]:
                cell_metrics = header_metrics(context.caption)  # "Top-1 / top-5 accuracy on"
            if len(numbers) != len(cell_metrics):
                continue
            for part, (number, metric) in enumerate(zip(numbers, cell_metrics, strict=True)):
                if number is None or number.scale != 1.0:
                    continue
                if _other_dataset(row.section, context) or _other_dataset(row.label, context):
                    continue
                spec = _column_spec(header, metric, row, context)
                if spec is None:
                    continue
                transposed = bool(_benchmarks(row.label, context.families)) and not bool(
                    _benchmarks(header, context.families)
                )
                model = _transposed_model(row.label, header) if transposed else row.label
                # Values compete within their column; in a transposed table (a row per
                # benchmark, a column per model) within their row.
                group = (-1 - row.index, part) if transposed else (column, part)
                readings.setdefault(group, []).append(
                    _Reading(row, column, text, number.value, number.marks, spec, model)
                )
    _fix_swapped_top_k(readings)
    facts = []
    for group_readings in readings.values():
        facts.extend(_column_facts(view, group_readings, page, context))
    return facts


@dataclass
class _Reading:
    row: BodyRow
    column: int
    text: str  # the cell as printed
    value: float
    marks: str
    spec: _Column
    model: str


def _fix_swapped_top_k(readings: dict[tuple[int, int], list[_Reading]]) -> None:
    """Top-5 accuracy is never below top-1 for the same row: when most rows say otherwise, the
    header labels are swapped (it happens in print), so swap the metrics back."""

    def metric_keys(metric: str) -> list[tuple[int, int]]:
        return [k for k, rs in readings.items() if rs and rs[0].spec.metric == metric]

    for top1 in metric_keys("top1"):
        for top5 in metric_keys("top5"):
            by_row = {r.row.index: r for r in readings[top5]}
            pairs = [(r, by_row[r.row.index]) for r in readings[top1] if r.row.index in by_row]
            wrong = sum(1 for a, b in pairs if _score(b.value, b.spec) < _score(a.value, a.spec))
            if pairs and wrong > len(pairs) / 2:
                for key, metric in ((top1, "top5"), (top5, "top1")):
                    for r in readings[key]:
                        r.spec = replace(r.spec, reasons=(*r.spec.reasons, "swapped_top_k"))
                        r.spec = replace(r.spec, metric=metric)
                return


def _column_facts(
    view: TableView, readings: list[_Reading], page: Page, context: _Context
) -> list[ExtractedFact]:
    """Facts for values that compete with each other (a column, or a row of a transposed
    table): the best of the paper's own single-model values ranks highest."""
    scored = _plausible(readings)
    ensembles = context.ensembles  # a table of ensembles has no own single model
    own_scores = [] if ensembles else [s for r, _, s in scored if _own_single_model(r.model)]
    best = max(own_scores) if own_scores else None
    compares = any(quoted(r.model) for r in readings)  # a comparison with others
    facts = []
    for r, percent, score in scored:
        header = view.headers.get(r.column, "")
        cues = [*r.spec.reasons, *_row_cues(r.model, header, context.title_words)]
        if ensembles and "ensemble" not in cues:
            cues.append("ensemble")
        if best is not None and score >= best and not _NOT_HEADLINE & set(cues):
            cues += ["best_in_column", "compares_with_others"] if compares else ["best_in_column"]
        if view.is_bold(r.row, r.column) and "quoted_from_other_paper" not in cues:
            cues.append("bold")  # the paper marks it as its best
        facts.append(_table_fact(view, r, percent, page, header, cues))
    return facts


def _plausible(readings: list[_Reading]) -> list[tuple[_Reading, float, float]]:
    """(reading, value in percent, score) of the readings that can be a result at all."""
    fraction = all(r.value <= 1.0 for r in readings)  # some tables print 0.763, not 76.3
    scale = 100.0 if fraction else 1.0
    return [
        (r, r.value * scale, _score(r.value * scale, r.spec))
        for r in readings
        if plausible(r.spec.metric, _score(r.value * scale, r.spec))
    ]


def _own_single_model(model: str) -> bool:
    return not quoted(model) and not _ENSEMBLE.search(model) and _named(model)


def _row_cues(model: str, header: str, title: frozenset[str]) -> list[str]:
    """What the row's name (and an ensemble header) says about whose value it is."""
    cues = []
    if quoted(model):
        cues.append("quoted_from_other_paper")
    if _OWN.search(model):
        cues.append("marked_own")
    elif _names_the_paper(model, title):
        cues.append("named_in_title")
    if not _named(model):
        cues.append("unnamed_row")  # "0", "3": a plot's ticks, or a name lost in layout
    if _ENSEMBLE.search(model) or _ENSEMBLE.search(header):
        cues.append("ensemble")
    return cues


def _column_cues(spec: _Column) -> list[str]:
    """What the column's split and metric add: test splits and the ranked metric count."""
    benchmark = vocabulary().benchmarks[spec.benchmark]
    cues = []
    if spec.split in ("test", "test-dev"):
        cues.append("test_split")
    elif spec.split in ("val", "minival", "dev") and not benchmark.validation_reports:
        cues.append("validation_split")  # ImageNet results are validation results
    if spec.metric == benchmark.primary_metric:
        cues.append("primary_metric")
    return cues


def _table_fact(
    view: TableView, r: _Reading, percent: float, page: Page, header: str, cues: list[str]
) -> ExtractedFact:
    spec = r.spec
    details: dict[str, object] = {"header": header, "split": spec.split}
    if view.header_top is not None:
        details["header_top"] = view.header_top
    details.update((cue, True) for cue in cues if cue != "compares_with_others")
    if r.marks:
        details["marks"] = r.marks
    error = (percent if spec.error else 100 - percent) / 100
    return ExtractedFact(
        kind="result",
        value=r.text,
        page=page.number,
        evidence=view.evidence(r.row, r.column),
        confidence=confidence.adjusted(confidence.UNCERTAIN, [*cues, *_column_cues(spec)]),
        extractor=NAME,
        extractor_version=VERSION,
        benchmark=spec.benchmark,
        metric=spec.metric,
        model=r.model or None,
        unit=vocabulary().metrics[spec.metric].fact_unit,
        error=round(error, 6),
        rule="table_error_column" if spec.error else "table_score_column",
        bbox=r.row.bbox,
        details=details,
    )


def quoted(model: str) -> bool:
    """A row naming another paper ("ResNet-50 [14]", "Lample et al. (2016)") quotes its
    result; one that builds on it ("ResNet-50 [14] + SE", "BERT [7] w/ adapters", with the cited
    model's variant between: "ResNeXt101 [7] (32x4d) + CBAM") is new, and so is one whose only
    citations name a component it adds ("ShuffleNet 2× (with SE [13], g = 3)", "ResNet50 +
    channel (SE [28])")."""
    citations = list(_CITATION.finditer(model))
    extends = any(_EXTENSION.match(model, _past_variants(model, c.end())) for c in citations)
    components = all(_cites_component(model, c.start()) for c in citations)
    return bool(citations) and not extends and not components


def _past_variants(model: str, at: int) -> int:
    """Where the text after a citation goes on once past its parenthesised variants ("(32x4d)",
    "(widen=1.5)"; a year is part of the citation, not a variant)."""
    while match := _VARIANT.match(model, at):
        at = match.end()
    return at


def _cites_component(model: str, at: int) -> bool:
    """Whether the citation at ``at`` sits in a parenthesis that opens on an added part ("(with
    SE [13]") or explains one ("+ channel (SE [28])")."""
    opened = model.rfind("(", 0, at)
    if opened < 0 or ")" in model[opened:at]:
        return False
    return bool(_EXTENSION.match(model, opened + 1) or _ADDS.search(model, 0, opened))


def _named(model: str) -> bool:
    return bool(re.search(r"[A-Za-z]", model))


def plausible(metric: str, score: float) -> bool:
    """Whether a score (accuracy-like, in points) can be a result on our benchmarks at all."""
    return vocabulary().metrics[metric].is_plausible(score)


def _names_the_paper(model: str, title_words: frozenset[str]) -> bool:
    """The row's model is the one the title announces ("SpanBERT" in "SpanBERT: Improving...")."""
    head = re.match(r"[A-Za-z][A-Za-z0-9]*", model)
    return bool(head) and _stem(head.group(0)) in title_words


def _stem(word: str) -> str:
    word = word.lower()
    return word[:-1] if word.endswith("s") and len(word) > 4 else word


def title_words(doc: Document) -> frozenset[str]:
    """Distinctive words of the title: the largest type on the first page."""
    if not doc.pages or not doc.pages[0].lines:
        return frozenset()
    lines = doc.pages[0].lines
    biggest = max((w.size for line in lines for w in line.words), default=0.0)
    words = [
        w.text
        for line in lines
        for w in line.words
        if biggest and w.size >= biggest - 0.5 and line.bbox[1] < doc.pages[0].height / 2
    ]
    return frozenset(_stem(m) for w in words for m in re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", w))


def _score(percent: float, spec: _Column) -> float:
    """Higher is better: accuracy as printed, 100 - error for error columns."""
    return 100 - percent if spec.error else percent


def _resolve_collisions(facts: list[ExtractedFact]) -> list[ExtractedFact]:
    """Facts that share an identity (same model, metric and page, e.g. val and test columns)
    get the column's split appended to the model name, else (or when the split is taken too) its
    header, so none overwrites another: a row read under three spanning headers ("original |
    re-implementation | SENet", each over a top-1 column) keeps all three. A column with neither
    is told apart by its value once; more readings of the same row and metric are dropped."""
    seen: dict[tuple[str, ...], ExtractedFact] = {}
    out = []
    for fact in facts:
        key = _key(fact)
        if key in seen and seen[key].value == fact.value:
            continue  # the same number read twice (e.g. a table found in two regions)
        name = fact.model or ""
        details = fact.details
        named = [q for q in (details.get("split"), details.get("header")) if q]
        for qualifier in named or [fact.value]:
            if key not in seen or not qualifier:
                continue
            fact.model = f"{name} ({qualifier})".strip()
            key = _key(fact)
        if key in seen:
            continue
        seen[key] = fact
        out.append(fact)
    return out


def _key(fact: ExtractedFact) -> tuple[str, ...]:
    return (
        fact.benchmark or "",
        fact.metric or "",
        normalize_model_name(fact.model),
        str(fact.page),
    )
