"""Facts for review tests, stored the way the pipeline stores them (``pipeline.store``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Fact, Paper
from extractors.facts import ExtractedFact
from pipeline import review
from pipeline.store import store_facts


def paper(session: Session, arxiv_id: str = "1512.03385", version: int = 1, **extra: Any) -> Paper:
    row = Paper(arxiv_id=arxiv_id, version=version, source="local", status="extracted", **extra)
    session.add(row)
    session.flush()
    return row


def result(
    model: str = "ResNet-50",
    value: str = "75.3",
    confidence: float = 0.6,
    benchmark: str = "imagenet",
    metric: str = "top1",
    page: int = 6,
    **extra: Any,
) -> ExtractedFact:
    fields: dict[str, Any] = {
        "evidence": f"{model} reaches {value}% top-1 accuracy",
        "unit": "%",
        "error": round(1 - float(value) / 100, 6),
        "extractor": "results",
        "extractor_version": "1",
    } | extra
    return ExtractedFact(
        kind="result",
        value=value,
        page=page,
        confidence=confidence,
        benchmark=benchmark,
        metric=metric,
        model=model,
        **fields,
    )


def flops(
    model: str | None = "ResNet-50", value: str = "3.8", confidence: float = 0.5
) -> ExtractedFact:
    return ExtractedFact(
        kind="flops",
        value=value,
        unit="GFLOPs",
        normalized=float(value) * 1e9,
        flops_kind="flops",
        page=4,
        evidence=f"{model} has {value} billion FLOPs",
        confidence=confidence,
        extractor="flops",
        extractor_version="1",
        model=model,
    )


def parameters(model: str | None = "ResNet-50", value: str = "25.6") -> ExtractedFact:
    return ExtractedFact(
        kind="parameters",
        value=value,
        unit="M",
        normalized=float(value) * 1e6,
        page=4,
        evidence=f"{model} has {value}M parameters",
        confidence=0.5,
        extractor="parameters",
        extractor_version="1",
        model=model,
    )


def stored(
    session: Session, row: Paper, facts: list[ExtractedFact], auto_accept: float | None = None
) -> list[Fact]:
    """Store ``facts`` for ``row`` and return their rows, in the order given; facts at or above
    ``auto_accept`` are then accepted with no human (``review.auto_accept``, what a zero-touch
    row acceptance does to each of its cells)."""
    store_facts(session, row, facts)
    session.flush()
    keys = [f.identity(row.arxiv_id, row.version) for f in facts]
    by_key = {f.fact_key: f for f in session.scalars(select(Fact).where(Fact.fact_key.in_(keys)))}
    rows = [by_key[k] for k in keys]
    for fact in rows:
        if auto_accept is not None and fact.confidence >= auto_accept:
            review.auto_accept(session, fact, "test")
    return rows
