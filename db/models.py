"""SQLAlchemy 2.0 models: the store every stage reads and writes.

Tables follow the data flow: ``ingest_runs`` record each pull from a source, ``papers`` one row
per arXiv paper *version*, ``facts`` one extracted number with its evidence, ``review_events`` the
curators' audit trail, ``model_rows`` and ``row_cells`` a paper's models assembled from its facts,
``observations`` the rows a regression uses (built from accepted facts or
imported from curated datasets) and ``trend_fits`` the regressions themselves.

Schema changes go through Alembic (``migrations/``); tests build their databases by running the
migrations, never ``create_all``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class IngestRun(Base):
    """One pull from a source (an arXiv query or a local directory), with its window and counts."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # "arxiv" | "local"
    query: Mapped[str] = mapped_column(Text)  # arXiv search query, or the directory
    benchmark: Mapped[str | None] = mapped_column(String(32))
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watermark: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|succeeded|failed
    papers_seen: Mapped[int] = mapped_column(Integer, default=0)
    papers_new: Mapped[int] = mapped_column(Integer, default=0)
    papers_new_version: Mapped[int] = mapped_column(Integer, default=0)
    papers_failed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Paper(Base):
    """One version of one arXiv paper; a new arXiv version is a new row."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("arxiv_id", "version", name="uq_papers_arxiv_id_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    arxiv_id: Mapped[str] = mapped_column(String(32), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    abstract: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    published: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(16))  # "arxiv" | "local"
    pdf_url: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(Text)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    page_count: Mapped[int | None] = mapped_column(Integer)  # pages read
    # pages the PDF has: more than page_count when CTRENDS_PDF_MAX_PAGES cut it short
    pages_in_pdf: Mapped[int | None] = mapped_column(Integer)
    # ingested -> parsed -> extracted, or failed (with error) at any stage
    status: Mapped[str] = mapped_column(String(16), default="ingested", index=True)
    error: Mapped[str | None] = mapped_column(Text)
    # of a failure: "input" (the PDF's or its metadata's) or "environment" (disk, permissions,
    # database: retried by the next run); see pipeline.faults
    failure_class: Mapped[str | None] = mapped_column(String(16))
    extracted_with: Mapped[str | None] = mapped_column(Text)  # extractor versions signature
    ingest_run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_runs.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    facts: Mapped[list[Fact]] = relationship(back_populates="paper")

    @property
    def truncated(self) -> bool:
        """The page limit cut this paper short: facts on its later pages are missing."""
        return (self.pages_in_pdf or 0) > (self.page_count or 0) and self.page_count is not None


class Fact(Base):
    """One number a paper states, with where it was found and what curators made of it.

    ``fact_key`` is the stable identity (paper version, kind, benchmark, metric, model, page,
    accelerator, and the training phase an epochs or training-set statement names): re-extraction
    updates the row with that key instead of adding a new one, so ids (the ones review commands
    take) survive new extractor versions.
    """

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_key: Mapped[str] = mapped_column(String(64), unique=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    benchmark: Mapped[str | None] = mapped_column(String(32), index=True)
    metric: Mapped[str | None] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)  # as printed
    unit: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[float | None] = mapped_column(Float)
    normalized: Mapped[float | None] = mapped_column(Float)
    flops_kind: Mapped[str | None] = mapped_column(String(16))
    accelerator: Mapped[str | None] = mapped_column(String(32))
    count: Mapped[float | None] = mapped_column(Float)
    count_unit: Mapped[str | None] = mapped_column(String(16))
    page: Mapped[int | None] = mapped_column(Integer)
    bbox: Mapped[list[Any] | None] = mapped_column(JSON)
    evidence: Mapped[str | None] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    extractor: Mapped[str] = mapped_column(String(64))
    extractor_version: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # pending | accepted | rejected | edited
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    auto_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_rereview: Mapped[bool] = mapped_column(Boolean, default=False)
    proposed: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # a newer extraction's values
    # what the extractor last said, kept apart from a curator's corrections (see pipeline.store)
    extracted: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    paper: Mapped[Paper] = relationship(back_populates="facts")
    events: Mapped[list[ReviewEvent]] = relationship(
        back_populates="fact", order_by="ReviewEvent.id"
    )


class Decision:
    """The columns every audit-trail entry has: who did what, the state before and after, why
    and when. Entries are never updated and never deleted."""

    reviewer: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewEvent(Decision, Base):
    """One curator decision (or its undoing): never updated, never deleted."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    # action: accept | reject | edit | keep | undo | auto_accept | flag

    fact: Mapped[Fact] = relationship(back_populates="events")


class ModelRow(Base):
    """One model of one paper version on one benchmark, assembled from its facts
    (``extractors.rows``).

    ``row_key`` is the aligned model name (stable across re-extractions, so a curator's row
    decision survives them; a model's further benchmarks add ``@<benchmark>``); ``aliases``
    are the other ways the paper prints the name; ``own`` is false for rows quoted from other
    papers. ``status``: ``pending`` | ``accepted`` |
    ``rejected`` (not this paper's model, or not a result) | ``merged`` (one model with the row
    ``merged_into_id``, which now holds its cells): rejected and merged rows feed no observation.
    """

    __tablename__ = "model_rows"
    __table_args__ = (
        UniqueConstraint("paper_id", "row_key", name="uq_model_rows_paper_id_row_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"), index=True)
    row_key: Mapped[str] = mapped_column(String(255))
    model: Mapped[str] = mapped_column(Text)
    aliases: Mapped[list[Any]] = mapped_column(JSON, default=list)
    own: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_rows.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    paper: Mapped[Paper] = relationship()
    events: Mapped[list[RowEvent]] = relationship(
        back_populates="row", cascade="all, delete-orphan", order_by="RowEvent.id"
    )
    cells: Mapped[list[RowCell]] = relationship(
        back_populates="row", cascade="all, delete-orphan", order_by="RowCell.id"
    )


class RowCell(Base):
    """One fact in one row: which field of the row it fills and why it was linked there."""

    __tablename__ = "row_cells"
    __table_args__ = (UniqueConstraint("row_id", "fact_id", name="uq_row_cells_row_id_fact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("model_rows.id", ondelete="CASCADE"), index=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    link: Mapped[str] = mapped_column(String(32))

    row: Mapped[ModelRow] = relationship(back_populates="cells")
    fact: Mapped[Fact] = relationship()


class RowEvent(Decision, Base):
    """One curator decision on a model row (or its undoing): never updated, never deleted.

    ``action``: ``accept_row`` | ``reject_row`` | ``move`` (a fact moved into this row) |
    ``merge`` (another row merged into this one) | ``undo`` (``after["undoes"]`` names the event).
    ``before``/``after`` hold what ``undo-row`` needs to restore; a row accept or reject also
    writes one ``review_events`` entry per fact it decided.
    """

    __tablename__ = "row_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    row_id: Mapped[int] = mapped_column(ForeignKey("model_rows.id", ondelete="CASCADE"), index=True)

    row: Mapped[ModelRow] = relationship(back_populates="events")


class Observation(Base):
    """One (model, benchmark) data point a regression can use: an error and its compute measures.

    ``source`` says where it came from: ``extracted`` (built from accepted facts, whose ids are in
    ``fact_ids``) or a curated dataset (``futuretech``, ``epoch``) with ``source_key`` the row's
    identity in that dataset.
    """

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("source", "source_key", name="uq_observations_source_source_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    source_key: Mapped[str] = mapped_column(String(255))
    benchmark: Mapped[str] = mapped_column(String(32), index=True)
    metric: Mapped[str | None] = mapped_column(String(16))
    model: Mapped[str | None] = mapped_column(Text)
    arxiv_id: Mapped[str | None] = mapped_column(String(32))
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id", ondelete="SET NULL"))
    published: Mapped[date | None] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    error: Mapped[float | None] = mapped_column(Float)  # None: compute-only rows (Epoch)
    parameters: Mapped[float | None] = mapped_column(Float)
    ops_forward_pass: Mapped[float | None] = mapped_column(Float)
    network_operations: Mapped[float | None] = mapped_column(Float)
    hardware_burden: Mapped[float | None] = mapped_column(Float)
    training_time_sec: Mapped[float | None] = mapped_column(Float)
    fact_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class TrendFit(Base):
    """One regression of error on compute, with everything needed to audit and re-run it."""

    __tablename__ = "trend_fits"

    id: Mapped[int] = mapped_column(primary_key=True)
    benchmark: Mapped[str] = mapped_column(String(32), index=True)
    metric: Mapped[str | None] = mapped_column(String(16))
    compute_measure: Mapped[str] = mapped_column(String(32))
    form: Mapped[str] = mapped_column(String(8))  # poly | exp
    variant: Mapped[str] = mapped_column(String(32), default="ols")
    observation_source: Mapped[str] = mapped_column(String(32), default="extracted")
    slope: Mapped[float] = mapped_column(Float)
    intercept: Mapped[float] = mapped_column(Float)
    r_squared: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(Integer)
    # of the n observations, those resting on a fact accepted with no human (zero-touch)
    automatic_n: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    coefficients: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    data_hash: Mapped[str | None] = mapped_column(String(64))
    observation_ids: Mapped[list[Any] | None] = mapped_column(JSON)
    run_id: Mapped[str | None] = mapped_column(String(64))
    fitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PipelineRun(Base):
    """One nightly run (``ctrends run`` or a scheduled one): what it did and whether it failed.

    ``status``: ``running`` | ``succeeded`` | ``partial`` (finished, some papers failed) |
    ``failed`` (stopped by an error, in ``error``) | ``abandoned`` (its process died; marked by the
    next run, which can only start once the run lock is free). ``summary`` holds the details: the
    failed papers with reasons, fact counts by outcome, drift flags and per-stage timings.
    """

    __tablename__ = "pipeline_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="running", index=True)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    papers_new: Mapped[int] = mapped_column(Integer, default=0)
    papers_new_version: Mapped[int] = mapped_column(Integer, default=0)
    papers_extracted: Mapped[int] = mapped_column(Integer, default=0)
    papers_failed: Mapped[int] = mapped_column(Integer, default=0)
    facts_added: Mapped[int] = mapped_column(Integer, default=0)
    fits_changed: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
