"""The review queue: curators accept, reject or correct extracted facts, and every step is audited.

A fact moves ``pending`` -> ``accepted`` | ``rejected`` | ``edited`` (accepted with a corrected
value or unit). Each decision writes a :class:`~db.models.ReviewEvent` with the reviewer, the time,
snapshots of the fact before and after, and an optional note; undo is one more event that restores
the snapshot, never a deletion, so the trail always tells the whole story.

The queue (status ``open``) holds the pending facts and those a re-extraction flagged for
re-review (``needs_rereview``: a new extractor version disagrees with a human decision and its
values wait in ``proposed``). Auto-accepted facts stay out of it, which is the point of the
threshold, but remain open to a decision when ``audit_sample`` (or ``status="auto"``) brings one
up (``pipeline.zerotouch.auto_accept_rows`` makes them, row by row, before a fit). Anything
else needs an explicit ``undo`` first, so a decision is never changed silently.

The queue puts first what changes the fits: re-review flags, then results with compute linked to
the same model (accepting one creates an observation) and compute facts linked to an accepted
result (accepting one changes an observation), then everything by confidence.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session, joinedload

from db.models import Fact, Paper, ReviewEvent, utcnow
from extractors.facts import BENCHMARKS, KINDS, normalize_model_name
from extractors.kinds import COMPUTE_KINDS, SPECS
from extractors.vocabulary import vocabulary
from pipeline.corrections import correct
from pipeline.errors import UserError
from pipeline.observation_store import CURATED
from pipeline.rows import refresh_rows
from pipeline.sources import paper_label as paper_label  # used as review.paper_label
from pipeline.store import JUDGED_FIELDS, SYSTEM_REVIEWER
from pipeline.store import snapshot as store_snapshot

STATUSES = ("pending", "accepted", "rejected", "edited")
# What ``--status`` can select: a stored status, or one of these views of the queue.
STATUS_FILTERS = ("open", "flagged", "auto", *STATUSES, "all")
# Compute a fit can use: a result with one of these linked is a data point of a trend.
FIT_COMPUTE_KINDS = ("flops", "hardware", "training_time")
# Human decisions and the store's auto-accept: the events ``undo`` can take back.
UNDOABLE = ("accept", "reject", "edit", "keep", "auto_accept")
# What a re-extraction proposes (``pipeline.store``) and accepting the proposal copies over.
PROPOSABLE_FIELDS = (*JUDGED_FIELDS, "extractor_version", "evidence")
# The labels ``edit`` can correct besides the value; kept in every event so ``undo`` restores them.
LABELS = ("model", "benchmark", "metric")
MAX_MODEL_CHARS = 255
# Characters no printed model name uses (a pasted shell line or markup, not a name).
_NOT_IN_NAMES = re.compile(r'[;"\\<>{}|$`\x00-\x1f\x7f]')
_IN_CHUNK = 5_000  # ids per IN (...) list; SQLite caps the number of bound parameters
_PAPER = re.compile(r"^(?P<id>[\w.\-/]+?)(?:v(?P<version>\d+))?$")

TIER_REASONS = {
    0: "re-extraction disagrees with a decision",
    1: "creates or changes an observation",
    2: "",
}


@dataclass(frozen=True)
class QueueFilter:
    """Which facts a queue, a list or a bulk action covers."""

    status: str = "open"
    benchmark: str | None = None
    kind: str | None = None
    paper: str | None = None  # arXiv id, optionally with its version: 1512.03385 or 1512.03385v2
    min_confidence: float | None = None

    def __post_init__(self) -> None:
        _one_of(self.status, STATUS_FILTERS, "status")
        if self.benchmark is not None:
            _one_of(self.benchmark, BENCHMARKS, "benchmark")
        if self.kind is not None:
            _one_of(self.kind, KINDS, "kind")
        if self.paper is not None and not _PAPER.match(self.paper):
            raise UserError(f"not an arXiv id: {self.paper!r} (e.g. 1512.03385 or 1512.03385v2)")
        if self.min_confidence is not None and not 0.0 <= self.min_confidence <= 1.0:
            raise UserError(f"a confidence is in 0..1, got {self.min_confidence}")


@dataclass(frozen=True)
class QueueEntry:
    fact: Fact
    tier: int  # 0 re-review, 1 matters to an observation, 2 the rest

    @property
    def reason(self) -> str:
        return TIER_REASONS[self.tier]


def queue(session: Session, where: QueueFilter, limit: int | None = None) -> list[QueueEntry]:
    """Facts matching ``where``, most important first (see the module docstring)."""
    return entries(session, ranked(session, where)[:limit])


def ranked(session: Session, where: QueueFilter) -> list[tuple[int, int]]:
    """``(fact id, tier)`` of the facts matching ``where``, most important first.

    Ordering reads a few columns per fact, not whole rows: every review page orders the queue,
    so its cost is paid per decision (``benchmarks/review_queue.py`` measures it).
    """
    rows = session.execute(_filtered(where)).all()
    links = _Links.load(session, {row.paper_id for row in rows})
    tiers = [
        (row, links.tier(row))
        for row in rows
        if where.benchmark is None or links.on_benchmark(row, where.benchmark)
    ]
    tiers.sort(key=lambda item: (item[1], -item[0].confidence, item[0].id))
    return [(row.id, tier) for row, tier in tiers]


def entries(session: Session, ranking: list[tuple[int, int]]) -> list[QueueEntry]:
    """The facts (with their papers) of a ``ranked`` slice, in its order."""
    facts: dict[int, Fact] = {}
    ids = [fact_id for fact_id, _ in ranking]
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        stmt = select(Fact).where(Fact.id.in_(chunk)).options(joinedload(Fact.paper))
        facts.update((f.id, f) for f in session.scalars(stmt))
    return [QueueEntry(facts[fact_id], tier) for fact_id, tier in ranking]


def next_fact(session: Session, where: QueueFilter | None = None) -> QueueEntry | None:
    """The most important fact still open to a curator, or None when the queue is clear."""
    top = queue(session, where or QueueFilter(), limit=1)
    return top[0] if top else None


def get_fact(session: Session, fact_id: int) -> Fact:
    fact = session.get(Fact, fact_id, options=[joinedload(Fact.paper)])
    if fact is None:
        raise UserError(f"no fact with id {fact_id}")
    return fact


def _fact_to_decide(session: Session, fact_id: int) -> Fact:
    """The fact, read only after its row is write-locked for this transaction.

    The touch comes first so that of two curators deciding one fact at once the second waits
    and then reads the first one's decision (and is refused) instead of overwriting it. A plain
    UPDATE does this on both engines: a row lock on PostgreSQL, the write lock on SQLite, where
    a SELECT ... FOR UPDATE would lock nothing.
    """
    session.execute(update(Fact).where(Fact.id == fact_id).values(updated_at=utcnow()))
    fact = session.get(Fact, fact_id, populate_existing=True)
    if fact is None:
        raise UserError(f"no fact with id {fact_id}")
    return fact


def accept(session: Session, fact_id: int, reviewer: str, note: str | None = None) -> ReviewEvent:
    """Accept the fact as extracted; for a flagged fact, accept the re-extraction's proposal."""
    fact = _open_fact(session, fact_id)
    before = snapshot(fact)
    if fact.needs_rereview and fact.proposed:
        _apply_values(fact, fact.proposed)
    fact.status = "accepted"
    return _record(session, fact, "accept", reviewer, before, note)


def reject(session: Session, fact_id: int, reviewer: str, note: str | None = None) -> ReviewEvent:
    """The number is wrong or not a fact about this paper; a pending proposal goes with it."""
    fact = _open_fact(session, fact_id)
    before = snapshot(fact)
    fact.status = "rejected"
    return _record(session, fact, "reject", reviewer, before, note)


def edit(
    session: Session,
    fact_id: int,
    reviewer: str,
    value: str | None = None,
    unit: str | None = None,
    note: str | None = None,
    labels: Labels | None = None,
) -> ReviewEvent:
    """Accept with a corrected value (and unit, kept when not given), re-normalized, and/or a
    corrected model, benchmark or metric (checked against the vocabulary). A changed label
    re-links the paper's model rows, so the fact joins the row of its corrected model."""
    fact = _open_fact(session, fact_id)
    labels = labels or Labels()
    if value is None and unit is None and labels.empty:
        raise UserError("nothing to edit: give a value, unit, model, benchmark or metric")
    fixed = None
    if value is not None or unit is not None:
        fixed = correct(
            fact.kind,
            value if value is not None else fact.value,
            unit if unit is not None else fact.unit,
            old_value=fact.value,
            old_error=fact.error,
            flops_kind=fact.flops_kind,
        )
    changes = labels.checked(fact)
    before = snapshot(fact)
    if fixed is not None:
        fact.value, fact.unit = fixed.value, fixed.unit
        field = SPECS[fact.kind].value_field
        setattr(fact, field, getattr(fixed, field))
    for name, new in changes.items():
        setattr(fact, name, new)
    fact.status = "edited"
    event = _record(session, fact, "edit", reviewer, before, note)
    if changes:
        refresh_rows(session, fact.paper)
    return event


@dataclass(frozen=True)
class Labels:
    """A curator's corrected model name, benchmark or metric (None: keep it)."""

    model: str | None = None
    benchmark: str | None = None
    metric: str | None = None

    @property
    def empty(self) -> bool:
        return self.model is None and self.benchmark is None and self.metric is None

    def checked(self, fact: Fact) -> dict[str, str]:
        """The changed labels, each validated: a typo is a one-line error."""
        changes: dict[str, str] = {}
        if self.model is not None:
            model = " ".join(self.model.split())
            if not model or len(model) > MAX_MODEL_CHARS:
                raise UserError(f"a model name is 1 to {MAX_MODEL_CHARS} characters")
            if bad := _NOT_IN_NAMES.search(model):
                raise UserError(f"a model name has no {bad.group()!r} (as the paper prints it)")
            changes["model"] = model
        if self.benchmark is None and self.metric is None:
            return changes
        if fact.kind != "result":
            raise UserError(f"only results have a benchmark and metric (fact is {fact.kind})")
        benchmark = self.benchmark or fact.benchmark or ""
        known = vocabulary().benchmarks
        if benchmark not in known:
            raise UserError(f"unknown benchmark {benchmark!r}; one of: {', '.join(known)}")
        metric = self.metric or fact.metric or ""
        if metric not in known[benchmark].metrics:
            allowed = ", ".join(known[benchmark].metrics)
            raise UserError(f"metric {metric!r} is not one of {benchmark}'s: {allowed}")
        changes.update(benchmark=benchmark, metric=metric)
        return changes


def keep(session: Session, fact_id: int, reviewer: str, note: str | None = None) -> ReviewEvent:
    """Resolve a re-review flag by keeping the human decision and dropping the proposal."""
    fact = _fact_to_decide(session, fact_id)
    if not fact.needs_rereview:
        raise UserError(f"fact {fact_id} is not flagged for re-review; nothing to keep")
    before = snapshot(fact)
    return _record(session, fact, "keep", reviewer, before, note)


def undo(session: Session, fact_id: int, reviewer: str, note: str | None = None) -> ReviewEvent:
    """Take back the latest decision not yet undone, recorded as an ``undo`` event.

    The fact returns to its snapshot from before that decision. A re-extraction's proposal that
    came after the decision survives: a fact pending again takes its values (a pending fact
    always follows the extractor), a decided one stays flagged with it.
    """
    fact = _fact_to_decide(session, fact_id)
    target = _latest_undoable(fact.events)
    if target is None:
        raise UserError(f"fact {fact_id} has no decision to undo")
    before = snapshot(fact)
    proposal = fact.proposed if fact.needs_rereview else None
    # The store's auto-accept event predates these review fields: a new fact had none set.
    restored = {"auto_accepted": False, "needs_rereview": False, "proposed": None}
    for name, value in {**restored, **(target.before or {})}.items():
        setattr(fact, name, value)
    if proposal and fact.status == "pending":
        _apply_values(fact, proposal)
    elif proposal:
        fact.needs_rereview, fact.proposed = True, proposal
    event = ReviewEvent(
        fact=fact,
        reviewer=reviewer_name(reviewer),
        action="undo",
        before=before,
        after={**snapshot(fact), "undoes": target.id},
        note=clean_note(note),
    )
    session.add(event)
    session.flush()
    if any(before.get(name) != getattr(fact, name) for name in LABELS):
        refresh_rows(session, fact.paper)  # an undone label edit: the fact goes back to its row
    return event


def bulk_accept(
    session: Session, reviewer: str, min_confidence: float, benchmark: str | None = None
) -> list[ReviewEvent]:
    """Accept every pending, unflagged fact at or above ``min_confidence`` (one event each)."""
    where = QueueFilter(status="pending", benchmark=benchmark, min_confidence=min_confidence)
    note = f"bulk-accept: confidence >= {min_confidence:g}"
    return [accept(session, e.fact.id, reviewer, note) for e in queue(session, where)]


def auto_accept(session: Session, fact: Fact, note: str) -> ReviewEvent:
    """Accept ``fact`` with no human: marked ``auto_accepted``, one ``auto_accept`` event by the
    system reviewer, so ``audit_sample`` can bring it up and ``undo`` takes it back."""
    before = snapshot(fact)
    fact.status = "accepted"
    fact.auto_accepted = True
    event = ReviewEvent(
        fact=fact,
        reviewer=SYSTEM_REVIEWER,
        action="auto_accept",
        before=before,
        after=snapshot(fact),
        note=note,
    )
    session.add(event)
    session.flush()
    return event


def audit_sample(
    session: Session, n: int, benchmark: str | None = None, seed: int | None = None
) -> list[Fact]:
    """A random sample of auto-accepted facts no human has looked at, to check the threshold."""
    if n < 1:
        raise UserError(f"the sample size must be at least 1, got {n}")
    facts = [e.fact for e in queue(session, QueueFilter(status="auto", benchmark=benchmark))]
    sample = random.Random(seed).sample(facts, min(n, len(facts)))
    return sorted(sample, key=lambda f: f.id)


def snapshot(fact: Fact) -> dict[str, Any]:
    """The store's snapshot (judged values, status) plus the review state an undo restores."""
    return {
        **store_snapshot(fact),
        **{name: getattr(fact, name) for name in LABELS},
        "auto_accepted": fact.auto_accepted,
        "needs_rereview": fact.needs_rereview,
        "proposed": fact.proposed,
    }


def last_decision(fact: Fact) -> ReviewEvent | None:
    """The latest event a person or the auto-accept made (flags are the extractor's, skipped)."""
    return next((e for e in reversed(fact.events) if e.action != "flag"), None)


def _filtered(where: QueueFilter) -> Select[Any]:
    """The columns ordering needs, of the facts ``where`` selects."""
    stmt = select(
        Fact.id,
        Fact.paper_id,
        Fact.kind,
        Fact.benchmark,
        Fact.model,
        Fact.confidence,
        Fact.needs_rereview,
    ).join(Fact.paper)
    if where.status == "open":
        stmt = stmt.where(or_(Fact.status == "pending", Fact.needs_rereview.is_(True)))
    elif where.status == "flagged":
        stmt = stmt.where(Fact.needs_rereview.is_(True))
    elif where.status == "auto":
        stmt = stmt.where(Fact.status == "accepted", Fact.auto_accepted.is_(True))
    elif where.status != "all":
        stmt = stmt.where(Fact.status == where.status)
    if where.status == "pending":
        stmt = stmt.where(Fact.needs_rereview.is_(False))
    if where.kind:
        stmt = stmt.where(Fact.kind == where.kind)
    if where.benchmark:
        stmt = stmt.where(or_(Fact.benchmark == where.benchmark, Fact.benchmark.is_(None)))
    if where.paper:
        m = _PAPER.match(where.paper)
        assert m is not None  # validated by QueueFilter
        stmt = stmt.where(Paper.arxiv_id == m.group("id"))
        if m.group("version"):
            stmt = stmt.where(Paper.version == int(m.group("version")))
    if where.min_confidence is not None:
        stmt = stmt.where(Fact.confidence >= where.min_confidence)
    return stmt


class _Rankable(Protocol):
    """What ordering looks at: a ``Fact`` or a row of its columns."""

    id: int
    paper_id: int
    kind: str
    benchmark: str | None
    model: str | None
    needs_rereview: bool


class _Links:
    """Which facts of the same paper belong together: same model, or one of them paper-wide.

    A hardware or training-time statement often names no model ("trained on 8 GPUs for 3 days");
    it may then join every result of the paper (``pipeline.analysis.observations`` joins it when
    it is the paper's only one of its kind). For ordering work the looser rule is enough: such a
    fact could change an observation, so it goes early.
    """

    def __init__(self, rows: Iterable[Any]) -> None:
        self.results: dict[int, list[tuple[str, str | None, str]]] = defaultdict(list)
        self.compute: dict[int, set[str]] = defaultdict(set)
        for paper_id, kind, benchmark, model, status in rows:
            if kind == "result":
                self.results[paper_id].append((normalize_model_name(model), benchmark, status))
            elif kind in FIT_COMPUTE_KINDS:
                self.compute[paper_id].add(normalize_model_name(model))

    @classmethod
    def load(cls, session: Session, paper_ids: set[int]) -> _Links:
        if not paper_ids:
            return cls([])
        rows = session.execute(
            select(Fact.paper_id, Fact.kind, Fact.benchmark, Fact.model, Fact.status).where(
                Fact.paper_id.in_(paper_ids), Fact.status != "rejected"
            )
        )
        return cls(rows)

    def tier(self, fact: _Rankable) -> int:
        if fact.needs_rereview:
            return 0
        model = normalize_model_name(fact.model)
        if fact.kind == "result":
            linked = any(_same(model, m) for m in self.compute[fact.paper_id])
        elif fact.kind in COMPUTE_KINDS:
            linked = any(
                _same(model, m) and status in CURATED
                for m, _, status in self.results[fact.paper_id]
            )
        else:
            linked = False
        return 1 if linked else 2

    def on_benchmark(self, fact: _Rankable, benchmark: str) -> bool:
        """A fact is on a benchmark when it says so, or when it has none and links to a result
        on that benchmark (a FLOPs count serves the benchmarks its model reports)."""
        if fact.benchmark is not None:
            return fact.benchmark == benchmark
        model = normalize_model_name(fact.model)
        return any(_same(model, m) and b == benchmark for m, b, _ in self.results[fact.paper_id])


def _same(model_a: str, model_b: str) -> bool:
    return model_a == model_b or not model_a or not model_b


def _open_fact(session: Session, fact_id: int) -> Fact:
    fact = _fact_to_decide(session, fact_id)
    if fact.status != "pending" and not fact.needs_rereview and not fact.auto_accepted:
        decided = last_decision(fact)
        by = f" by {decided.reviewer}" if decided else ""
        raise UserError(
            f"fact {fact_id} is already {fact.status}{by}; run `ctrends review undo {fact_id}` "
            "to take that decision back first"
        )
    return fact


def _apply_values(fact: Fact, proposal: dict[str, Any]) -> None:
    for name, value in proposal.items():
        if name in PROPOSABLE_FIELDS:
            setattr(fact, name, value)


def _record(
    session: Session,
    fact: Fact,
    action: str,
    reviewer: str,
    before: dict[str, Any],
    note: str | None,
) -> ReviewEvent:
    """Close the decision (a human has now looked at the fact) and write its event."""
    fact.needs_rereview = False
    fact.proposed = None
    fact.auto_accepted = False
    event = ReviewEvent(
        fact=fact,
        reviewer=reviewer_name(reviewer),
        action=action,
        before=before,
        after=snapshot(fact),
        note=clean_note(note),
    )
    session.add(event)
    session.flush()
    return event


def _latest_undoable(events: list[ReviewEvent]) -> ReviewEvent | None:
    undone = {e.after.get("undoes") for e in events if e.action == "undo" and e.after}
    return next((e for e in reversed(events) if e.action in UNDOABLE and e.id not in undone), None)


def reviewer_name(name: str | None) -> str:
    name = (name or "").strip()
    if not name:
        raise UserError("who is reviewing? pass --reviewer NAME or set CTRENDS_REVIEWER")
    if len(name) > 128:
        raise UserError("a reviewer name is at most 128 characters")
    return name


def clean_note(note: str | None) -> str | None:
    return note.strip() or None if note else None


def _one_of(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise UserError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")
