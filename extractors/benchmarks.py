"""The benchmarks and metrics of Thompson et al., and how papers name them.

One vocabulary, used by the result extractor to read captions and column headers and by
benchmark detection (which benchmarks does this paper report its own results on). Patterns are
data here, each with the benchmark or metric it signals, so a wrong detection points at one line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from extractors.parse.document import Document

# Benchmark names as papers write them. Order matters only for readability.
BENCHMARK_PATTERNS: dict[str, re.Pattern[str]] = {
    "imagenet": re.compile(r"\bImage\s?Net(?![- ]?(?:21|22)[kK])|\bILSVRC|\bIN-?1[kK]\b", re.I),
    "coco": re.compile(r"\b(?:MS[- ]?)?COCO\b|\bminival\b|\btest-dev\b", re.I),
    "squad11": re.compile(r"\bSQuAD(?!\s*(?:v?2|2\.0))", re.I),
    "conll03": re.compile(
        r"\bCoNLL[- ]?(?:20)?03\b(?!\s*(?:German|Spanish|Dutch))|\bCoNLL\b(?=.*\bNER\b)", re.I
    ),
    "wmt14_en_de": re.compile(
        r"\b(?:EN|English)\s?(?:-to-|-|–|→|->|to|⇒)\s?(?:DE|German)\b|\bEn-?De\b", re.I
    ),
    "wmt14_en_fr": re.compile(
        r"\b(?:EN|English)\s?(?:-to-|-|–|→|->|to|⇒)\s?(?:FR|French)\b|\bEn-?Fr\b", re.I
    ),
}
OTHER_WMT = re.compile(r"\bWMT\s?['’]?(?:20)?1[5-9]\b|\bnewstest\s?201[5-9]\b", re.I)
WMT14 = re.compile(r"\bWMT\s?['’]?(?:20)?14\b|\bnewstest\s?2014\b|\bntst14\b", re.I)

# Other datasets whose tables look like ours; a table captioned only with these is not ours.
OTHER_DATASETS = re.compile(
    r"\b(?:CIFAR|SVHN|MNIST|PASCAL|VOC|Cityscapes|ADE20K|Places|Kinetics|LVIS|iNat|"
    r"Flowers|Pets|Cars|Food|CUB|SQuAD\s*(?:v?2|2\.0)|GLUE|MNLI|SST|RACE|WMT\s?['’]?1[5-9]|"
    r"IWSLT|Penn|PTB|WikiText|OntoNotes|CoNLL[- ]?(?:20)?(?:00|02|12)|ACE\s?(?:20)?0[45]|GENIA|"
    r"CoNLL[- ]?(?:20)?03\s+(?:German|Spanish|Dutch))\b",
    re.I,
)

# Which metrics each benchmark's error can come from (Thompson et al.; contract in facts.py).
BENCHMARK_METRICS: dict[str, tuple[str, ...]] = {
    "imagenet": ("top1", "top5"),
    "coco": ("box_ap", "ap50", "ap75"),
    "squad11": ("em", "f1"),
    "conll03": ("f1",),
    "wmt14_en_de": ("bleu", "sacrebleu"),
    "wmt14_en_fr": ("bleu", "sacrebleu"),
}

# Column-header words naming a metric. Checked in order: the first that matches wins.
METRIC_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sacrebleu", re.compile(r"sacre\s?BLEU", re.I)),
    ("bleu", re.compile(r"\bBLEU\b", re.I)),
    ("top5", re.compile(r"\btop[- ]?5\b|\b5[- ]?crop?s?\s+top|\bTop5\b", re.I)),
    ("top1", re.compile(r"\btop[- ]?1\b|\bTop1\b", re.I)),
    ("ap50", re.compile(r"\bAP\s?(?:_|@)?\s?(?:50|\.5\b|0\.5\b)(?!:)", re.I)),
    ("ap75", re.compile(r"\bAP\s?(?:_|@)?\s?(?:75|\.75|0\.75)\b", re.I)),
    (
        "box_ap",
        re.compile(
            r"\b(?:m{0,2}AP|box\s?AP|AP\s?(?:bb|box|b))\b(?!\s?(?:_|@)?\s?[SMLsml]\b)"
            r"|0?\.5\s?:\s?0?\.95|\[\s?0?\.5\s?,\s?0?\.95\s?\]"
        ),
    ),
    ("em", re.compile(r"\bEM\b|\bExact\s?Match\b", re.I)),
    ("f1", re.compile(r"\bF\s?1\b|\bF-?score\b|\bF-?measure\b", re.I)),
)
# A bare "Acc."/"Accuracy"/"Err." column is top-1 on ImageNet (what papers mean by default).
GENERIC_ACCURACY = re.compile(r"\bacc(?:uracy|\.)?\b|\berr(?:or|\.)?\b", re.I)
ERROR_WORDS = re.compile(r"\berr(?:or|ors|\.)?\b|\berror\s?rate\b", re.I)
SPLIT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("test-dev", re.compile(r"test[- ]?dev", re.I)),
    ("minival", re.compile(r"mini\s?val", re.I)),
    ("dev", re.compile(r"\bdev(?:elopment)?\b", re.I)),
    ("val", re.compile(r"\bval(?:idation)?\b", re.I)),
    ("test", re.compile(r"\btest\b", re.I)),
)


# Header words that name a benchmark's task rather than the benchmark ("NER" over an F1 column).
TASK_HINTS: dict[str, re.Pattern[str]] = {"conll03": re.compile(r"\bNER\b")}


_LETTER_SPACED = re.compile(r"(?<=\b[A-Z]) (?=[A-Z])")


def benchmarks_in(text: str) -> set[str]:
    """Benchmarks a short text (caption, header) names; WMT pairs need only the language pair.

    Small capitals often come out of PDFs letter-spaced ("E N -D E"); those are read joined too.
    """
    joined = _LETTER_SPACED.sub("", text)
    texts = (text,) if joined == text else (text, joined)
    return {
        name
        for name, pattern in BENCHMARK_PATTERNS.items()
        if any(pattern.search(t) for t in texts)
    }


def task_hints(text: str) -> set[str]:
    return {name for name, pattern in TASK_HINTS.items() if pattern.search(text)}


def metric_in(text: str) -> str | None:
    """The metric a column header or caption names, or None."""
    for name, pattern in METRIC_PATTERNS:
        if pattern.search(text):
            return name
    return None


def split_in(text: str) -> str | None:
    for name, pattern in SPLIT_PATTERNS:
        if pattern.search(text):
            return name
    return None


def says_error(text: str) -> bool:
    return bool(ERROR_WORDS.search(text))


def mentions_other_dataset(text: str) -> bool:
    return bool(OTHER_DATASETS.search(text))


def benchmark_mentions(doc: Document) -> Counter[str]:
    """How often each benchmark is named in the paper's body (references excluded)."""
    counts: Counter[str] = Counter()
    wmt = False
    for line in _body_lines(doc):
        for name in benchmarks_in(line):
            counts[name] += 1
        wmt = wmt or bool(WMT14.search(line))
    if not wmt:  # a language pair alone is WMT 2014 only when the paper names WMT 2014
        counts.pop("wmt14_en_de", None)
        counts.pop("wmt14_en_fr", None)
    return counts


def _body_lines(doc: Document) -> Iterable[str]:
    for page in doc.pages:
        for line in page.lines:
            if re.match(r"^\s*(?:References|REFERENCES|Bibliography)\s*$", line.text):
                return
            yield line.text


def compatible(benchmark: str, metric: str) -> bool:
    return metric in BENCHMARK_METRICS.get(benchmark, ())
