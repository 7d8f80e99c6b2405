"""One arXiv search query per benchmark: the nightly pull's definition of "relevant".

Queries search titles and abstracts (full text is not searchable through the API); papers that
report on a benchmark almost always name it in the abstract. The queries are vocabulary data
(``extractors/vocabulary/benchmarks.toml``): benchmarks of one family (the two WMT 2014 language
pairs) share their family's query, keyed by the family id, and the extractors tell them apart.
"""

from __future__ import annotations

from datetime import datetime

from extractors.vocabulary import vocabulary

BENCHMARK_QUERIES: dict[str, str] = vocabulary().arxiv_queries()


def _arxiv_stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def windowed_query(benchmark: str, start: datetime, end: datetime) -> str:
    """The benchmark's query restricted to papers (or new versions) updated in [start, end].

    ``lastUpdatedDate`` rather than ``submittedDate`` so that a new version of an old paper is
    seen too; arXiv interprets the stamps as GMT.
    """
    base = BENCHMARK_QUERIES[benchmark]
    return f"({base}) AND lastUpdatedDate:[{_arxiv_stamp(start)} TO {_arxiv_stamp(end)}]"
