"""The one writer of observations, for every source (extracted facts and curated datasets).

Keyed on (source, source_key): re-imports and re-builds update rows in place and never duplicate
them. It sits in the store stage so that sources (the curated-dataset importers) and the fits
both write through it without a source importing the fit stage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import Observation

# Review statuses whose facts feed observations.
CURATED = ("accepted", "edited")


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        text = (
            f"{self.inserted} inserted, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deleted} deleted"
        )
        if self.skipped:
            text += "; skipped: " + ", ".join(f"{n} {why}" for why, n in self.skipped.items())
        return text


def upsert_observations(
    session: Session, source: str, rows: Iterable[Mapping[str, Any]], *, prune: bool = False
) -> UpsertCounts:
    """Insert or update ``rows`` (Observation column values keyed by ``source_key``).

    With ``prune``, rows of ``source`` whose key is no longer produced are deleted: a rebuild
    must drop the observation of a fact a curator has since rejected.
    """
    counts = UpsertCounts()
    existing = {
        obs.source_key: obs
        for obs in session.scalars(select(Observation).where(Observation.source == source))
    }
    seen: set[str] = set()
    for row in rows:
        key = row["source_key"]
        if key in seen:
            raise ValueError(f"duplicate {source} observation key {key!r}")
        seen.add(key)
        obs = existing.get(key)
        if obs is None:
            session.add(Observation(source=source, **row))
            counts.inserted += 1
            continue
        changed = {name: value for name, value in row.items() if getattr(obs, name) != value}
        for name, value in changed.items():
            setattr(obs, name, value)
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
    if prune:
        stale = [obs.id for key, obs in existing.items() if key not in seen]
        if stale:
            session.execute(delete(Observation).where(Observation.id.in_(stale)))
            counts.deleted = len(stale)
    session.flush()
    return counts
