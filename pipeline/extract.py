"""Extract: parse each paper that needs it and store its facts.

"Needs it" means: ingested but not yet extracted, extracted by other extractor versions than
the current ones (``extractors.registry.signature``), cut short by a page limit lower than
today's, or failed by the environment's fault (``pipeline.faults``: a full disk, a permission,
the database) rather than the PDF's. Three steps, each usable on its own:

- :func:`papers_to_extract` decides what to process (a database read);
- :func:`process_isolated` parses and extracts papers, each in an isolated child process (time
  and memory limits, see ``pipeline.isolation``), several at once; no database access there;
- :func:`store_outcome` stores one paper's facts (one transaction), or records why it failed, so
  a broken PDF or a crash costs one paper.

:func:`extract_pending` chains them on this machine; :func:`extract_batch` is the unit of work a
Dask worker runs for a few papers (``pipeline.flows``), with PostgreSQL as the shared store.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from db.models import Paper
from db.session import session_factory
from extractors.facts import ExtractedFact
from extractors.kinds import rule_preference
from extractors.parse.cache import cached_document
from extractors.parse.document import Document, Line, Page
from extractors.registry import run_extractors, signature
from extractors.vocabulary import vocabulary
from pipeline.config import Settings, get_settings
from pipeline.errors import UserError, one_line
from pipeline.faults import ENVIRONMENT, INPUT, failure_class
from pipeline.isolation import Outcome, map_isolated
from pipeline.progress import progress_bar
from pipeline.rows import refresh_rows
from pipeline.sources import paper_label
from pipeline.store import store_facts

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaperWork:
    paper_id: int
    label: str
    pdf_path: str
    sha256: str
    # The extractor signature this run plans with (rules and vocabulary read once per run),
    # recorded on the paper when its facts are stored.
    signature: str = ""


@dataclass
class Processed:
    page_count: int
    pages_in_pdf: int | None
    facts: list[ExtractedFact]
    extractor_failures: list[str]
    parse_warnings: list[str]
    candidates: int = 0  # facts found before the cap (CTRENDS_MAX_FACTS_PER_PAPER)

    @property
    def capped(self) -> str | None:
        """The note stored on a paper whose candidates were cut to the cap, else None."""
        if self.candidates <= len(self.facts):
            return None
        return (
            f"{self.candidates} candidate facts, more than CTRENDS_MAX_FACTS_PER_PAPER: kept the "
            f"{len(self.facts)} most confident"
        )


@dataclass(frozen=True)
class PaperOutcome:
    """What became of one paper: its fact counts by store outcome, or why it failed."""

    label: str
    facts: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # added/updated/flagged/removed...
    error: str | None = None
    failure_class: str | None = None  # of an error: pipeline.faults.INPUT or ENVIRONMENT


@dataclass
class ExtractReport:
    papers: int = 0
    extracted: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    facts: Counter[str] = field(default_factory=Counter)  # added/updated/flagged/removed...
    environmental: int = 0  # of the failed: the environment's fault, retried by the next run

    def add(self, outcome: PaperOutcome) -> None:
        if outcome.error is not None:
            self.failed.append((outcome.label, outcome.error))
            self.environmental += outcome.failure_class == ENVIRONMENT
        else:
            self.extracted += 1
            self.facts.update(outcome.counts)


def process_paper(work: PaperWork, *, cache_dir: Path, max_pages: int, max_facts: int) -> Processed:
    """Parse + extract one paper. Runs in a child process: no database access here."""
    doc = cached_document(Path(work.pdf_path), work.sha256, cache_dir, max_pages)
    facts, failures = run_extractors(doc)
    return Processed(
        doc.page_count,
        doc.pages_in_pdf,
        most_confident(facts, max_facts),
        failures,
        doc.warnings,
        len(facts),
    )


def most_confident(facts: list[ExtractedFact], limit: int) -> list[ExtractedFact]:
    """At most ``limit`` facts, the most confident (ties: the earlier in the paper), in their
    order. A machine-made PDF can yield tens of thousands of candidates (31,200 from one 10 MB
    synthetic file): a review queue nobody can work through and a page too big to load."""
    if len(facts) <= limit:
        return facts
    # the store's own tie-break (stable sort: on equal keys the earlier fact stays)
    ranked = sorted(range(len(facts)), key=lambda i: rule_preference(facts[i]), reverse=True)[
        :limit
    ]
    return [facts[i] for i in sorted(ranked)]


def papers_to_extract(
    url: str | None, *, retry_failed: bool = False, max_pages: int | None = None
) -> list[PaperWork]:
    """Papers that need parsing and extraction (see the module docstring); ``max_pages`` is the
    page limit of this run (default: the configured one)."""
    current = signature()
    max_pages = max_pages or get_settings().pdf_max_pages
    with session_factory(url)() as session:
        stale = or_(
            Paper.status.in_(("ingested", "parsed")),
            (Paper.status == "extracted") & (Paper.extracted_with != current),
            Paper.status.in_(("parsed", "extracted"))
            & (Paper.pages_in_pdf > Paper.page_count)
            & (Paper.page_count < max_pages),
            (Paper.status == "failed") & (Paper.failure_class == ENVIRONMENT),
        )
        if retry_failed:
            stale = or_(stale, Paper.status == "failed")
        rows = session.execute(
            select(Paper.id, Paper.arxiv_id, Paper.version, Paper.pdf_path, Paper.pdf_sha256)
            .where(stale, Paper.pdf_path.is_not(None))
            .order_by(Paper.id)
        ).all()
    return [
        PaperWork(row.id, paper_label(row), row.pdf_path, row.pdf_sha256, current) for row in rows
    ]


# A paper's worth of sentences every extractor reads: running the extractors on it once loads
# what they build lazily (the spaCy pipeline and its rules, compiled patterns), ~1 s.
_WARM_UP_LINES = (
    "ResNet-50 has 25.6M parameters and 4.1 GFLOPs (multiply-adds).",
    "It reaches 76.1% top-1 accuracy on ImageNet and 38.0 box AP on COCO.",
    "We trained it on 8 NVIDIA {gpu} GPUs for 3 days; BLEU 28.4 on WMT 2014 En-De.",
)


@cache
def warm_up_extractors() -> None:
    """Build the extractors' lazy state once in this process, before it forks a child per paper,
    so children inherit it instead of each paying for it again."""
    gpu = next(a.name for a in vocabulary().accelerators.rows if a.kind == "gpu")
    texts = [t.format(gpu=gpu) for t in _WARM_UP_LINES]
    text = "\n".join(texts)
    lines = [Line(t, (0.0, 12.0 * i, 500.0, 12.0 * i + 10)) for i, t in enumerate(texts)]
    run_extractors(Document(sha256="", pages=[Page(1, 612.0, 792.0, text, lines)]))


def process_isolated(
    work: Iterable[PaperWork], settings: Settings, workers: int
) -> Iterator[Outcome[PaperWork, Processed]]:
    """Parse + extract each paper in its own child process, up to ``workers`` at once."""
    work = list(work)
    if work:  # nothing to do costs nothing (a no-op nightly run)
        warm_up_extractors()
    worker = partial(
        process_paper,
        cache_dir=settings.parse_cache_dir,
        max_pages=settings.pdf_max_pages,
        max_facts=settings.max_facts_per_paper,
    )
    return map_isolated(
        worker,
        work,
        workers=workers,
        timeout=settings.pdf_timeout_seconds,
        memory_bytes=settings.pdf_max_memory_mb * 2**20,
    )


def store_outcome(url: str | None, outcome: Outcome[PaperWork, Processed]) -> PaperOutcome:
    """Store one processed paper's facts, or mark the paper failed with the reason."""
    item = outcome.item
    if outcome.error is not None or outcome.result is None:
        return _failed(url, item, outcome.error or "no result", outcome.failure_class)
    try:
        counts = _store(url, item, outcome.result, item.signature or signature())
    except (DataError, ValueError) as exc:  # a value the database refuses fails this paper only
        reason = f"facts could not be stored ({type(exc).__name__}: {one_line(exc)})"
        return _failed(url, item, reason, INPUT)
    except (OperationalError, OSError) as exc:  # a full disk, a lost database: retried next run
        reason = f"facts could not be stored ({type(exc).__name__}: {one_line(exc)})"
        return _failed(url, item, reason, failure_class(exc))
    log.debug(
        "%s: %d facts (%s)",
        item.label,
        len(outcome.result.facts),
        ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "no change",
    )
    return PaperOutcome(item.label, len(outcome.result.facts), dict(counts))


def _failed(url: str | None, item: PaperWork, reason: str, fault: str) -> PaperOutcome:
    """Record the failure on the paper; when even that cannot be written (the database is full
    or gone) the paper keeps its old status, so the next run picks it up again all the same."""
    try:
        _mark_failed(url, item, reason, fault)
    except (OperationalError, OSError) as exc:
        log.warning("%s: the failure could not be recorded: %s", item.label, one_line(exc))
        fault = ENVIRONMENT
    log.warning("%s: failed (%s): %s", item.label, fault, reason)
    return PaperOutcome(item.label, error=reason, failure_class=fault)


def extract_pending(
    url: str | None = None, *, retry_failed: bool = False, settings: Settings | None = None
) -> ExtractReport:
    """Parse, extract and store every paper that needs it, ``settings.workers`` at a time."""
    settings = settings or get_settings()
    work = papers_to_extract(url, retry_failed=retry_failed, max_pages=settings.pdf_max_pages)
    report = ExtractReport(papers=len(work))
    with progress_bar("extract", len(work)) as advance:
        for outcome in process_isolated(work, settings, settings.workers):
            stored = store_outcome(url, outcome)
            report.add(stored)
            advance(f"{stored.label} " + ("failed" if stored.error else f"{stored.facts} facts"))
    return report


def extract_batch(batch: Sequence[PaperWork], settings: Settings) -> list[PaperOutcome]:
    """Parse, extract and store a few papers in ``settings.database_url``, one after the other,
    each in its own child process and transaction: a Dask worker's unit of work."""
    if multiprocessing.current_process().daemon:
        raise UserError(
            "this Dask worker is a daemonic process, so it cannot parse PDFs in isolated child "
            "processes; start workers with DASK_DISTRIBUTED__WORKER__DAEMON=False"
        )
    outcomes = process_isolated(batch, settings, workers=1)
    return [store_outcome(settings.database_url, outcome) for outcome in outcomes]


def _store(url: str | None, item: PaperWork, result: Processed, current: str) -> Counter[str]:
    """One transaction per paper; a concurrent writer's duplicate insert means: try once more."""
    for attempt in range(2):
        try:
            with session_factory(url).begin() as session:
                paper = session.get_one(Paper, item.paper_id)
                report = store_facts(session, paper, result.facts)
                refresh_rows(session, paper)
                paper.page_count = result.page_count
                paper.pages_in_pdf = result.pages_in_pdf
                paper.failure_class = None
                paper.extracted_with = current
                if result.extractor_failures:
                    paper.status = "parsed"
                    paper.error = "extractors failed: " + "; ".join(result.extractor_failures)
                else:
                    paper.status = "extracted"
                    paper.error = result.capped  # extracted, with a note when the cap cut it
                return Counter(vars(report))
        except IntegrityError:
            if attempt:
                raise
            log.info("%s: facts written concurrently by another worker; merging", item.label)
    raise AssertionError("unreachable")


def _mark_failed(url: str | None, item: PaperWork, reason: str, fault: str) -> None:
    with session_factory(url).begin() as session:
        paper = session.get_one(Paper, item.paper_id)
        paper.status = "failed"
        paper.error = reason
        paper.failure_class = fault
