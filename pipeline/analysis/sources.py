"""Observation sources and the one rule that picks a source when the user names none.

Sources are never pooled: each fit rests on one of them. Every ``ctrends trends`` command, the
notebook and the summary apply :func:`default_source` (one benchmark at a time) and print the
source they used, so a new extracted point on ImageNet can never silently switch what COCO's
commands read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Observation
from pipeline.errors import UserError

EXTRACTED = "extracted"  # built from curated facts on every fit run
FUTURETECH = "futuretech"  # Thompson et al.'s leaderboards (`ctrends import futuretech`)
EPOCH = "epoch"  # Epoch AI's compute estimates, no error rates (`ctrends import epoch`)
SOURCES = (EXTRACTED, FUTURETECH, EPOCH)  # also the tie-break order of the default rule

DEFAULT_SOURCE_RULE = (
    "per benchmark, the source with the most observations with an error rate "
    f"(ties: {' before '.join(SOURCES[:2])})"
)


@dataclass(frozen=True)
class SourceChoice:
    """The source a command reads for one benchmark, and why (printed beside every answer)."""

    benchmark: str
    source: str
    observations: int
    chosen_by: str  # "--source" or DEFAULT_SOURCE_RULE

    def describe(self) -> str:
        how = "as asked" if self.chosen_by == "--source" else f"default: {self.chosen_by}"
        return f"{self.benchmark}: source {self.source} ({self.observations} observations; {how})"


def error_rate_counts(session: Session) -> dict[str, dict[str, int]]:
    """benchmark -> source -> observations with an error rate (the rows a fit can use)."""
    counts: dict[str, dict[str, int]] = {}
    rows = session.execute(
        select(Observation.benchmark, Observation.source, func.count())
        .where(Observation.error.is_not(None))
        .group_by(Observation.benchmark, Observation.source)
    )
    for benchmark, source, count in rows:
        counts.setdefault(benchmark, {})[source] = count
    return counts


def _rank(source: str) -> int:
    return SOURCES.index(source) if source in SOURCES else len(SOURCES)


def default_source(session: Session, benchmark: str, source: str | None = None) -> SourceChoice:
    """The source for ``benchmark``: ``source`` when given (it must have data), else the rule."""
    by_source = error_rate_counts(session).get(benchmark, {})
    if source is not None:
        if not by_source.get(source):
            have = ", ".join(f"{s} ({n})" for s, n in sorted(by_source.items())) or "none"
            hint = " (Epoch's rows carry compute only)" if source == EPOCH else ""
            raise UserError(
                f"{benchmark}: source {source!r} has no observations with an error rate{hint}; "
                f"sources with data on {benchmark}: {have}"
            )
        return SourceChoice(benchmark, source, by_source[source], "--source")
    if not by_source:
        raise UserError(
            f"{benchmark}: no observations with an error rate from any source yet; run "
            "`ctrends import futuretech DIR`, or review facts and run `ctrends fit`"
        )
    best = min(by_source, key=lambda s: (-by_source[s], _rank(s), s))
    return SourceChoice(benchmark, best, by_source[best], DEFAULT_SOURCE_RULE)


def benchmarks_with_data(session: Session) -> list[str]:
    return sorted(error_rate_counts(session))
