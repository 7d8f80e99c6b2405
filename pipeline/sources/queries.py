"""One arXiv search query per benchmark: the nightly pull's definition of "relevant".

Queries search titles and abstracts (full text is not searchable through the API); papers that
report on a benchmark almost always name it in the abstract. WMT 2014 EN-DE and EN-FR share one
query: the extractors tell the language pairs apart.
"""

from __future__ import annotations

from datetime import datetime

BENCHMARK_QUERIES: dict[str, str] = {
    "imagenet": "(abs:ImageNet OR ti:ImageNet) AND (cat:cs.CV OR cat:cs.LG OR cat:cs.NE)",
    "coco": "(abs:COCO OR ti:COCO) AND (abs:detection OR ti:detection OR abs:detector)",
    "squad11": "abs:SQuAD OR ti:SQuAD",
    "conll03": 'abs:"CoNLL 2003" OR abs:"CoNLL-2003" OR abs:CoNLL03 OR abs:"CoNLL\'03"',
    "wmt14": 'abs:"WMT 2014" OR abs:WMT14 OR abs:"WMT\'14" OR abs:"WMT-14"',
}


def _arxiv_stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def windowed_query(benchmark: str, start: datetime, end: datetime) -> str:
    """The benchmark's query restricted to papers (or new versions) updated in [start, end].

    ``lastUpdatedDate`` rather than ``submittedDate`` so that a new version of an old paper is
    seen too; arXiv interprets the stamps as GMT.
    """
    base = BENCHMARK_QUERIES[benchmark]
    return f"({base}) AND lastUpdatedDate:[{_arxiv_stamp(start)} TO {_arxiv_stamp(end)}]"
